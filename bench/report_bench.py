"""Report speed (issue 14): the month report for an office with 100,000 cases in the year ≤ 5 s (xlsx,
and the PDF, both with the year's chart images), and the 统计 page drawn (its figures read, the three
charts filled and painted, offscreen) ≤ 1 s on the same data. Prints the figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/report_bench.py [--cases 100000] [--dir DIR]

The database: a few hundred real cases saved through the office (random 武汉 cases, as the tests'),
then copied in SQL to N cases for N/4 persons, saved evenly over the twelve months of 2026 (settlement
dates in 2025), one office, gapless receipt numbers, 1 % void. Cached in --dir while N matches.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "store"))

from stdnum.cn import ric  # noqa: E402

from engine import clock  # noqa: E402
from engine.office import Office  # noqa: E402

TEMPLATES = 300
OFFICE = "城关镇医保站"
TARGETS = {"month report (xlsx)": 5.0, "month report (pdf)": 5.0, "统计 page drawn": 1.0}


def id_number(n: int) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=n % 20000)
    first17 = "420102" + birth.strftime("%Y%m%d") + f"{n // 20000 % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def build(folder: Path, cases: int) -> None:
    from test_reports import random_case

    rng = random.Random(14)
    with Office.open(folder, daily_backup=False) as office:
        with clock.frozen("2026-01-05"):
            for n in range(TEMPLATES):
                office.save(random_case(rng, n), operator="模板", office="模板站")
        conn = office.store.conn
        template = conn.execute("SELECT * FROM cases ORDER BY id").fetchall()
        names = [d[0] for d in conn.execute("SELECT * FROM cases LIMIT 1").description]
        persons = cases // 4
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO persons (id_number, name, birth_date, sex, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         ((number, f"人员{i}", f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
                           "男" if int(number[16]) % 2 else "女", "2026-01-01", "2026-01-01")
                          for i, number in ((i, id_number(i)) for i in range(persons))))
        first = conn.execute("SELECT min(id) FROM persons WHERE name LIKE '人员%'").fetchone()[0]
        cols = [c for c in names if c != "id"]
        start = dt.datetime(2026, 1, 1, 8, 0).astimezone()
        step = (dt.datetime(2026, 12, 31, 17, 0).astimezone() - start) / cases

        date_at = names.index("date")
        # saved in the order of their settlement dates, as a window saves them (a few voids are the only
        # changes to replayed years, so the 补差 list has something realistic to look at)
        order = sorted(range(cases), key=lambda i: template[i % len(template)][date_at])

        def rows():
            for i, k in enumerate(order):
                row = dict(zip(names, template[k % len(template)]))
                row.update(person_id=first + k % persons, office=OFFICE, operator=f"经办人{i % 5}",
                           created_at=(start + step * i).isoformat(timespec="seconds"), void=int(i % 100 == 99),
                           void_reason="录入错误" if i % 100 == 99 else None,
                           voided_at=(start + step * i).isoformat(timespec="seconds") if i % 100 == 99 else None,
                           voided_by="经办人0" if i % 100 == 99 else None)
                yield [row[c] for c in cols]
        conn.executemany(f"INSERT INTO cases ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows())
        conn.execute("INSERT INTO receipts (case_id, office, year, seq, number) "
                     "SELECT id, office, policy_year, row_number() OVER (PARTITION BY policy_year ORDER BY id), '' "
                     "FROM cases WHERE office = ?", (OFFICE,))
        conn.execute("UPDATE receipts SET number = year || '-' || printf('%06d', seq) WHERE number = ''")
        conn.execute("COMMIT")
        conn.execute("ANALYZE")


def stats_page_drawn(office, year: int):
    """The 统计 page of `year` as the window shows it: load (the office's figures, the charts filled),
    then painted into an image (every chart's paintEvent)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.session import Session
    from gui.stats_page import StatsPage

    app = QApplication.instance() or QApplication([])
    page = getattr(stats_page_drawn, "page", None)
    if page is None:      # made on the first call (timed with it), as the window makes it when first shown
        page = stats_page_drawn.page = StatsPage(Session(office))
        page.resize(1366, 700)
    page.load(year)
    page.grab()
    app.processEvents()
    return page


def timed(what, run):
    """The value, and the seconds it took (wall clock; the CPU seconds are printed beside: the bench
    machine may be shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = run()
    timed.cpu = time.process_time() - cpu
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "sanchong-report-bench")
    args = parser.parse_args()
    folder = args.dir / str(args.cases)
    if not (folder / "cases.sqlite3").exists():
        print(f"building {args.cases} cases in {folder} …", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        build(folder, args.cases)
    failed = False
    with Office.open(folder, daily_backup=False) as office:
        n = office.store.query("SELECT count(*) AS n FROM cases WHERE office = ?", (OFFICE,))[0]["n"]
        print(f"{n} cases of {OFFICE} saved in 2026 (settlement year 2025)")
        with tempfile.TemporaryDirectory() as out:
            for kind in ("xlsx", "pdf"):
                target = Path(out) / f"m.{kind}"
                report, seconds = timed("month", lambda: office.write_month_report(2026, 6, target))
                size = target.stat().st_size
                what = f"month report ({kind})"
                print(f"  month report 2026-06: {report.cases} 人次, {report.persons} persons, {len(report.rows)} rows, "
                      f"{size / 1e6:.1f} MB {kind} with the 2026 charts in {seconds:.2f} s, CPU {timed.cpu:.2f} s "
                      f"(target ≤ {TARGETS[what]:.0f} s)")
                failed |= seconds > TARGETS[what]
        stats, seconds = timed("stats", lambda: office.year_stats(2025))
        print(f"  统计 figures (year_stats 2025): {sum(stats.cases)} cases in {seconds:.2f} s, CPU {timed.cpu:.2f} s")
        page, seconds = timed("page", lambda: stats_page_drawn(office, 2025))
        print(f"  统计 page drawn (2025: figures read, charts filled and painted, offscreen): {seconds:.2f} s, "
              f"CPU {timed.cpu:.2f} s (target ≤ {TARGETS['统计 page drawn']:.0f} s)")
        failed |= seconds > TARGETS["统计 page drawn"]
        day, seconds = timed("day", lambda: office.day_report(dt.date(2026, 6, 15), OFFICE))
        print(f"  日结 2026-06-15: {day.totals.cases} cases in {seconds:.2f} s, CPU {timed.cpu:.2f} s")
        pending, seconds = timed("pending", office.pending_resettlements)
        print(f"  补差 pending list: {len(pending)} cases in {seconds:.2f} s, CPU {timed.cpu:.2f} s")
    print("FAIL" if failed else "all within target")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
