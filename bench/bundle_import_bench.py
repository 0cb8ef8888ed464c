"""import-bundle at the district: a township's bundle of 100,000 cases, imported into a SQLite data
folder and into a local PostgreSQL database, the figures side by side.

    .venv/bin/python bench/bundle_import_bench.py [--cases N] [--persons M] [--database-url URL] [--keep DIR]

Target (issue 15): import-bundle of 100,000 cases ≤ 60 s (on a local PostgreSQL; SQLite printed beside).

The township: bench/store_bench.py's generator writes its cases straight into a SQLite data folder (real
results copied from a few thousand cases saved through save_cases, not saved one by one); its cases are
then bound to one office code with one series of receipt numbers per year (plain SQL, before the audit
chain seals them at the first open), and the real `export-bundle` writes the bundle. The district: an
empty data folder with its own code, on SQLite and on PostgreSQL (the server of --database-url, an empty
database, else a throwaway server started as tests/pg.py does and stopped at the end). Each import is
timed as the command runs it (Office.import_bundle: reading and checking the bundle, then one
transaction), then the same bundle is imported again (idempotent: nothing added).
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import store_bench  # noqa: E402  (the township's data)
from engine.office import Office  # noqa: E402
from engine.store.database import DB_NAME  # noqa: E402

TOWN, DISTRICT = "42010601", "42010000"
TARGET_S = 60.0
YEAR = 2025           # store_bench's cases are dated 2023-2025 and saved before 2026: all in the 2025 bundle


def township(folder: Path, n_cases: int, n_persons: int, seed: int) -> None:
    """store_bench's database in `folder`, its cases bound to office code TOWN (one series per year)."""
    store_bench.generate(folder, n_cases, n_persons, seed)
    conn = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("UPDATE receipts SET seq = 1000000 + case_id")   # (free the numbers first: (office, year, seq) is unique)
    conn.execute("UPDATE receipts SET office = ?, office_code = ?, seq = n.rn, "
                 "number = receipts.year || '-' || printf('%06d', n.rn) "
                 "FROM (SELECT id, row_number() OVER (PARTITION BY year ORDER BY case_id) AS rn FROM receipts) n "
                 "WHERE n.id = receipts.id", (TOWN, TOWN))
    conn.execute("UPDATE cases SET office = '城关镇', office_code = ?", (TOWN,))
    conn.execute("INSERT INTO offices (code, name, created_at, created_by) VALUES (?, '城关镇', '2023-01-01T08:00:00+08:00', "
                 "'系统')", (TOWN,))
    conn.execute("INSERT INTO settings (key, value) VALUES ('office_code', ?)", (TOWN,))
    conn.execute("COMMIT")
    conn.close()


def district(folder: Path, url: str | None) -> Office:
    folder.mkdir(parents=True)
    if url:
        from engine.store.location import write_config

        write_config(folder, url)
    office = Office.open(folder, daily_backup=False)
    office.set_office(DISTRICT, "区医保局")
    return office


def timed_import(office: Office, bundle: Path) -> tuple[float, dict]:
    began = time.perf_counter()
    report = office.import_bundle(bundle).value
    return time.perf_counter() - began, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20230115)
    ap.add_argument("--database-url", help="an empty PostgreSQL database (else a throwaway server is started)")
    ap.add_argument("--keep", help="keep the township folder and its bundle here (made again when absent)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bundle-bench-"))
    keep = Path(args.keep).resolve() if args.keep else work / "kept"
    server = None
    try:
        bundle = keep / "town.zip"
        if not bundle.exists():
            keep.mkdir(parents=True, exist_ok=True)
            began = time.perf_counter()
            township(keep / "town", args.cases, args.persons, args.seed)
            print(f"township: {args.cases:,} cases for {args.persons:,} persons built in "
                  f"{time.perf_counter() - began:.1f} s", flush=True)
            with Office.open(keep / "town", daily_backup=False) as town:
                began = time.perf_counter()
                made = town.export_bundle(bundle, YEAR, operator="系统").value
            print(f"export-bundle: {made['cases']:,} cases, {made['persons']:,} persons, {made['audit']:,} audit rows, "
                  f"{bundle.stat().st_size / 1e6:.0f} MB, in {time.perf_counter() - began:.1f} s", flush=True)
        url = args.database_url
        if not url:
            from pg import NOT_INSTALLED, started   # tests/pg.py

            server = started()
            if server is None:
                raise SystemExit(NOT_INSTALLED + ", and no --database-url was given")
            url = server.new_database()
        figures = {}
        for name, where in (("SQLite", None), ("PostgreSQL", url)):
            with district(work / name, where) as office:
                first, report = timed_import(office, bundle)
                again, second = timed_import(office, bundle)
                assert second["already_imported"] and not report["conflicts"], (second, report["conflicts"][:3])
                figures[name] = (first, again, report)
            print(f"{name}: imported {report['cases_added']:,} cases in {first:.1f} s (again: {again:.1f} s)", flush=True)
        print()
        print(f"import-bundle of {figures['SQLite'][2]['cases_added']:,} cases, seconds")
        print(f"{'':<26}{'SQLite':>12}{'PostgreSQL':>12}   target")
        for i, label in ((0, "first import"), (1, "the same bundle again")):
            cells = "".join(f"{figures[n][i]:>12.1f}" for n in ("SQLite", "PostgreSQL"))
            verdict = ""
            if i == 0:
                ok = all(figures[n][0] <= TARGET_S for n in figures)
                verdict = f"   ≤ {TARGET_S:.0f} s: {'PASS' if ok else 'FAIL'}"
            print(f"{label:<26}{cells}{verdict}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
