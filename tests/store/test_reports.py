"""日结 and the month report: their totals equal the sum of their listed rows and the stored cases of
that day / month (200 random cases over three days and two offices), in the PDF's text and in the
xlsx as openpyxl reads it. The payments (发放) count on the day they were recorded, per method."""
import datetime as dt
import json
import random
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from engine import clock
from engine.money import fmt
from engine.errors import InputError
from engine.office import Office
from engine.reports.day import SUMS
from ids import valid_id

DAYS = [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]
OFFICES = ["城关镇医保站", "新集乡医保站"]
OPERATORS = ["李四", "王五", "赵六"]


def random_case(rng: random.Random, n: int) -> dict:
    total = Decimal(rng.randint(50_000, 9_000_000)) / 100
    scope = (total * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01"))
    basic = (scope * Decimal(rng.randint(20, 80)) / 100).quantize(Decimal("0.01"))
    return {"region": "wuhan", "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "person": {"id_number": valid_id("1960-01-01", n % 60 + 1), "name": f"测试{chr(0x4E00 + n % 60 + 1)}",
                       "identities": [["subsistence"], ["subsistence_edge"], []][n % 60 % 3]},
            "visit": {"kind": rng.choice(["inpatient", "inpatient", "outpatient_chronic"]), "hospital_level": 2},
            "amounts": {"total": str(total), "policy_scope": str(scope), "basic_paid": str(basic),
                        "critical_paid": "0.00"}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def busy(tmp_path_factory, request):
    """200 cases saved over three days by three operators at two offices; voids, reprints and 补差; on
    the third day 40 cases are paid (recorded then, half of them with the second day as payment date).
    On "postgresql" the folder's database.json names a fresh database of the test server (tests/pg.py)."""
    rng = random.Random(20260302)
    folder = tmp_path_factory.mktemp("busy")
    if request.param == "postgresql":
        from engine.store import location

        (folder / "d").mkdir()
        location.write_config(folder / "d", request.getfixturevalue("pg_server").new_database())
    with Office.open(folder / "d") as office:
        saved = []
        for n in range(200):
            day = DAYS[n * len(DAYS) // 200]
            at = dt.datetime.combine(day, dt.time(8, 0)).astimezone() + dt.timedelta(minutes=2 * (n % 100))
            with clock.frozen(at):
                one = office.save(random_case(rng, n), operator=rng.choice(OPERATORS), office=rng.choice(OFFICES))
                saved.append(one.value[0])
        with clock.frozen(dt.datetime.combine(DAYS[1], dt.time(17, 0)).astimezone()):
            for s in rng.sample(saved[:130], 12):
                office.void(s.case_id, f"录入错误{s.case_id}", operator=rng.choice(OPERATORS))
            for s in rng.sample(saved, 5):
                office.record_print(s.case_id, operator="李四", reprint=False)
                office.record_print(s.case_id, operator="王五", reprint=True)
            for p in office.pending_resettlements():
                office.resettle(p["case_id"], "作废后重算", operator="赵六")
        with clock.frozen(dt.datetime.combine(DAYS[2], dt.time(16, 0)).astimezone()):
            live = [s.case_id for s in saved if not office.store.query("SELECT void FROM cases WHERE id = ?",
                                                                       (s.case_id,))[0]["void"]]
            for n, case_id in enumerate(rng.sample(live, 40)):
                method = ("现金", "银行卡", "社保卡")[n % 3]
                office.pay(case_id, method, None if method == "现金" else f"62220000{case_id:08d}",
                           DAYS[1] if n % 2 else DAYS[2], operator=OPERATORS[n % 2])
    return folder / "d"


def stored_on(office, day, office_code=None):
    """The stored cases saved on that day, read independently of the report."""
    rows = office.store.query("SELECT * FROM cases")
    return [r for r in rows if r["created_at"][:10] == day.isoformat() and office_code in (None, r["office"])]


@pytest.mark.parametrize("office_code", [None, OFFICES[0]])
@pytest.mark.parametrize("day", DAYS)
def test_day_report_totals_equal_the_rows_and_the_store(busy, day, office_code):
    with Office.open(busy, daily_backup=False) as office:
        report = office.day_report(day, office_code)
        stored = stored_on(office, day, office_code)
        settled = office.store.query("SELECT * FROM resettlements")
    assert report.totals.cases == len(report.cases) == len(stored) > 0
    for k in SUMS:
        assert report.totals.sums[k] == sum((Decimal(r[k]) for r in stored), Decimal(0))
        assert report.totals.sums[k] == sum((row.sums[k] for row in report.operators), Decimal(0))
        assert report.totals.sums[k] == sum((Decimal(c[k]) for c in report.cases), Decimal(0))
    assert report.totals.cases == sum(row.cases for row in report.operators)
    if day == DAYS[1]:
        assert report.totals.voids == len(report.voids) > 0
        assert report.totals.reprints == len(report.reprints) > 0
        mine = [s for s in settled if office_code in (None, s["office"])]
        assert len(report.resettlements) == len(mine) > 0
        assert report.totals.resettled_paid - report.totals.resettled_recovered == \
            sum((Decimal(s["to_pay"]) for s in mine), Decimal(0))
        assert all(v["void_reason"].startswith("录入错误") for v in report.voids)
    else:
        assert (report.totals.voids, report.totals.reprints, report.resettlements) == (0, 0, [])


@pytest.mark.parametrize("office_code", [None, OFFICES[1]])
def test_day_report_counts_payments_by_method_on_the_day_they_were_recorded(busy, office_code):
    with Office.open(busy, daily_backup=False) as office:
        paid = [r for r in office.store.query("SELECT * FROM cases WHERE paid_at IS NOT NULL")
                if office_code in (None, r["office"])]
        before, report = office.day_report(DAYS[1], office_code), office.day_report(DAYS[2], office_code)
    assert {r["paid_at"] for r in paid} == {"2026-03-03", "2026-03-04"}   # the payment dates the clerks gave
    assert before.payments == [] and before.by_method == []                  # recorded on the 4th, not the 3rd
    assert len(report.payments) == report.totals.payments == len(paid) > 0
    amount = {r["id"]: Decimal(r["assistance"]) + Decimal(r["tilt"]) for r in paid}
    assert report.totals.paid == sum(amount.values(), Decimal(0))
    both = {(m.operator, m.method): (m.count, m.amount) for m in report.by_method}
    for method in ("现金", "银行卡", "社保卡"):
        mine = [r for r in paid if r["pay_method"] == method]
        assert both[("合计", method)] == (len(mine), sum((amount[r["id"]] for r in mine), Decimal(0)))
        for who in OPERATORS[:2]:
            theirs = [r for r in mine if r["paid_by"] == who]
            assert both.get((who, method), (0, Decimal(0))) == (len(theirs), sum((amount[r["id"]] for r in theirs),
                                                                                  Decimal(0)))
    assert [m.operator for m in report.by_method][-3:] == ["合计"] * 3
    assert sum(row.payments for row in report.operators) == len(paid)
    assert all("*" in p["id_number"] and (p["pay_account"] == "" or p["pay_account"].startswith("****"))
               for p in report.payments)


def test_day_report_files_hold_the_payments(busy, tmp_path, run_in):
    with Office.open(busy, daily_backup=False) as office:
        report = office.day_report(DAYS[2])
    pdf, xlsx = tmp_path / "日结.pdf", tmp_path / "日结.xlsx"
    for target in (pdf, xlsx):
        assert run_in(busy, "day-report", "--date", DAYS[2].isoformat(), "-o", str(target)).returncode == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"发放（按经办人与发放方式，共 {report.totals.payments} 件）" in text
    for m in report.by_method:
        assert any(line.split() == [m.operator, m.method, str(m.count), fmt(m.amount)] for line in text.splitlines())
    assert any(line.split() == ["合计", "全部方式", str(report.totals.payments), fmt(report.totals.paid)]
               for line in text.splitlines())
    book = load_workbook(xlsx)
    assert book.sheetnames[-2:] == ["发放汇总", "发放明细"]
    methods = list(book["发放汇总"].iter_rows(min_row=3, values_only=True))
    assert methods[-1][:3] == ("合计", "全部方式", report.totals.payments)
    assert Decimal(str(methods[-1][3])).quantize(Decimal("0.01")) == report.totals.paid
    detail = list(book["发放明细"].iter_rows(min_row=3, values_only=True))
    assert len(detail) == report.totals.payments
    assert sum(Decimal(str(r[-1])) for r in detail).quantize(Decimal("0.01")) == report.totals.paid
    for method in ("现金", "银行卡", "社保卡"):
        total = [r for r in methods if r[:2] == ("合计", method)][0]
        assert total[2] == sum(1 for r in detail if r[3] == method)
        assert Decimal(str(total[3])).quantize(Decimal("0.01")) == \
            sum(Decimal(str(r[-1])) for r in detail if r[3] == method).quantize(Decimal("0.01"))


def test_day_report_files_hold_the_totals(busy, tmp_path, run_in):
    day = DAYS[1]
    with Office.open(busy, daily_backup=False) as office:
        report = office.day_report(day)
    pdf, xlsx = tmp_path / "日结.pdf", tmp_path / "日结.xlsx"
    for target in (pdf, xlsx):
        proc = run_in(busy, "day-report", "--date", day.isoformat(), "-o", str(target))
        assert proc.returncode == 0, proc.stderr
        assert f"结算 {report.totals.cases} 件" in proc.stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "全部经办机构 2026-03-03 日结报表" in text and "经办人（签字）" in text and "审核人（签字）" in text
    summary_line = [line for line in text.splitlines() if line.strip().startswith("合计")][0]
    assert summary_line.split()[1:] == [str(report.totals.cases), *(fmt(report.totals.sums[k]) for k in SUMS),
                                        str(report.totals.voids), str(report.totals.reprints),
                                        fmt(report.totals.resettled_paid), fmt(report.totals.resettled_recovered)]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:])   # every font embedded
    book = load_workbook(xlsx)
    assert book.sheetnames == ["汇总", "结算明细", "作废", "补打", "补差", "发放汇总", "发放明细"]
    summary = list(book["汇总"].iter_rows(min_row=3, values_only=True))
    assert summary[-1][0] == "合计" and summary[-1][1] == report.totals.cases
    detail = list(book["结算明细"].iter_rows(min_row=3, values_only=True))
    assert len(detail) == report.totals.cases
    for i, k in enumerate(SUMS):
        column = 6 + i
        assert Decimal(str(summary[-1][2 + i])).quantize(Decimal("0.01")) == report.totals.sums[k]
        assert sum(Decimal(str(row[column])) for row in detail).quantize(Decimal("0.01")) == report.totals.sums[k]
        assert sum(Decimal(str(row[2 + i])) for row in summary[:-1]).quantize(Decimal("0.01")) == report.totals.sums[k]
    assert len(list(book["作废"].iter_rows(min_row=3))) == report.totals.voids


def test_day_report_refuses_another_file_kind(busy, tmp_path, run_in):
    proc = run_in(busy, "day-report", "--date", "2026-03-03", "-o", str(tmp_path / "x.docx"))
    assert proc.returncode == 2 and "-o" in proc.stderr and not (tmp_path / "x.docx").exists()


def test_day_report_defaults_to_the_clock_today(busy, tmp_path, run_in):
    proc = run_in(busy, "day-report", "-o", str(tmp_path / "d.xlsx"), env={"SANCHONG_TEST_TODAY": "2026-03-04"})
    assert proc.returncode == 0, proc.stderr
    assert "2026-03-04 日结报表" in proc.stdout


@pytest.fixture
def run_in():
    import os
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]

    def run(folder, *args, env=None):
        return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(folder), *args], cwd=root,
                              capture_output=True, text=True, encoding="utf-8", timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})})
    return run


def test_month_report_totals_equal_the_rows_and_the_store(busy, tmp_path, run_in):
    """All 200 cases were saved in March 2026 (their settlement dates are in 2025: the month goes by saving)."""
    target = tmp_path / "2026-03.xlsx"
    proc = run_in(busy, "month-report", "--year", "2026", "--month", "3", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    with Office.open(busy, daily_backup=False) as office:
        stored = [r for r in office.store.query("SELECT * FROM cases") if r["created_at"].startswith("2026-03")]
        live = [r for r in stored if not r["void"]]
        settled = office.store.query("SELECT * FROM resettlements")
        assert office.month_report(2026, 2).cases == 0
    assert f"服务 {len({r['person_id'] for r in live})} 人、{len(live)} 人次" in proc.stdout
    book = load_workbook(target)
    assert book.sheetnames == ["分类汇总", "人数人次", "结算明细", "作废与补差", "图表"]
    assert len(book["图表"]._images) == 3 and book["图表"]["A1"].value == "2026 年度 各月支付金额（按结算日期，含补差）"
    groups = list(book["分类汇总"].iter_rows(min_row=3, values_only=True))
    assert groups[-1][0] == "合计" and groups[-1][3] == len(live) == sum(g[3] for g in groups[:-1])
    for i, k in enumerate(SUMS):
        want = sum((Decimal(r[k]) for r in live), Decimal(0))
        assert Decimal(str(groups[-1][4 + i])).quantize(Decimal("0.01")) == want
        assert sum(Decimal(str(g[4 + i])) for g in groups[:-1]).quantize(Decimal("0.01")) == want
    heads = [c.value for c in book["结算明细"][2]]
    assert "医疗救助基金支出（maf_pay）" in heads and "结算日期（setl_time）" in heads and heads[-1] == "保存时间"
    detail = list(book["结算明细"].iter_rows(min_row=3, values_only=True))
    assert len(detail) == len(stored)
    col, void_col = heads.index("医疗救助基金支出（maf_pay）"), heads.index("作废")
    assert sum(Decimal(str(r[col])) for r in detail if not r[void_col]).quantize(Decimal("0.01")) == \
        sum((Decimal(r["assistance"]) for r in live), Decimal(0))
    assert all(r[heads.index("结算日期（setl_time）")].startswith("2025-") for r in detail)
    people = list(book["人数人次"].iter_rows(min_row=3, values_only=True))
    assert people[-1] == ("合计", len({r["person_id"] for r in live}), len(live))
    kinds = [r[0] for r in book["作废与补差"].iter_rows(min_row=3, values_only=True)]
    assert kinds.count("作废") == 12 and kinds.count("补差") == len(settled)


def test_month_report_pdf_holds_the_totals_the_charts_and_masked_ids(busy, tmp_path, run_in):
    """The PDF from the command line: the 合计 of 分类汇总 and 人数人次 as the stored cases give them,
    the three charts as images, every case listed, no full ID number."""
    target = tmp_path / "2026-03.pdf"
    proc = run_in(busy, "month-report", "--year", "2026", "--month", "3", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    with Office.open(busy, daily_backup=False) as office:
        stored = [r for r in office.store.query("SELECT c.*, p.id_number FROM cases c JOIN persons p ON p.id = c.person_id")
                  if r["created_at"].startswith("2026-03")]
    live = [r for r in stored if not r["void"]]
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.split() for line in text.splitlines()]
    totals = [len(live), *(fmt(sum((Decimal(r[k]) for r in live), Decimal(0))) for k in SUMS)]
    assert ["合计", *map(str, totals)] in lines
    assert ["合计", str(len({r["person_id"] for r in live})), str(len(live))] in lines
    assert f"五、结算明细（{len(stored)} 件，含作废）" in text and "三、统计图表" in text and "负责人（签字）" in text
    assert all(r["id_number"] not in text for r in stored)
    assert sum(line.count("********") for line in text.splitlines()) == len(stored)
    images = subprocess.run(["pdfimages", "-list", str(target)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()[2:]) == 3
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    assert all(" yes " in line for line in fonts.splitlines()[2:])


def test_month_report_refuses_a_bad_month(busy, tmp_path, run_in):
    proc = run_in(busy, "month-report", "--year", "2026", "--month", "13", "-o", str(tmp_path / "m.xlsx"))
    assert proc.returncode == 2 and "month" in proc.stderr and not (tmp_path / "m.xlsx").exists()
    proc = run_in(busy, "month-report", "--year", "2026", "--month", "3", "-o", str(tmp_path / "m.docx"))
    assert proc.returncode == 2 and "-o" in proc.stderr and not (tmp_path / "m.docx").exists()


def test_year_stats_add_up_to_what_was_paid(busy):
    """Per settlement month: the cases not void plus their 补差 = the year as paid."""
    with Office.open(busy, daily_backup=False) as office:
        stats = office.year_stats(2025)
        live = [r for r in office.store.query("SELECT * FROM cases WHERE void = 0")]
        settled = office.store.query("SELECT s.*, c.date FROM resettlements s JOIN cases c ON c.id = s.case_id")
        persons_regions = {(r["person_id"], r["region"]) for r in live}
    for month in range(1, 13):
        mine = [r for r in live if int(r["date"][5:7]) == month]
        extra = [s for s in settled if int(s["date"][5:7]) == month]
        assert stats.cases[month - 1] == len(mine)
        assert stats.warnings[month - 1] == sum(1 for r in mine if r["warning_kind"])
        for k in ("basic", "critical", "assistance", "tilt"):
            assert stats.paid[month - 1][k] == sum((Decimal(r[k]) for r in mine), Decimal(0)) + \
                sum((Decimal(s[k]) for s in extra), Decimal(0))
    assert sum(stats.cases) == len(live)
    # caps after each person's last case (by date, then saving order): the share used, in tenths
    want = [0] * 10
    for person_region in persons_regions:
        last = max((r for r in live if (r["person_id"], r["region"]) == person_region), key=lambda r: (r["date"], r["id"]))
        for cap in json.loads(last["result"])["caps"]:
            if cap["limit"] not in (None, "0.00"):
                want[min(9, int(Decimal(cap["used"]) / Decimal(cap["limit"]) * 10))] += 1
    assert stats.cap_use == want and sum(want) > 0


def test_cap_histogram_bars_list_their_persons_and_caps(busy):
    """Each bar's list holds exactly the (person, cap) pairs it counts, with the share of each."""
    with Office.open(busy, daily_backup=False) as office:
        stats = office.year_stats(2025)
        lists = [office.cap_use_list(2025, b) for b in range(10)]
        last = {r["id"]: r for r in office.store.query(
            "SELECT c.*, p.name FROM cases c JOIN persons p ON p.id = c.person_id WHERE void = 0")}
        with pytest.raises(InputError):
            office.cap_use_list(2025, 10)
    assert [len(rows) for rows in lists] == stats.cap_use
    for bucket, rows in enumerate(lists):
        for row in rows:
            case = last[row["case_id"]]
            assert (row["name"], row["date"]) == (case["name"], case["date"]) and "*" in row["id_number"]
            cap = [c for c in json.loads(case["result"])["caps"] if c["name"] == row["cap"]][0]
            share = Decimal(cap["used"]) / Decimal(cap["limit"])
            assert (row["used"], row["limit"]) == (cap["used"], cap["limit"])
            assert bucket == min(9, int(share * 10))
            assert row["share"] == f"{(share * 100).quantize(Decimal('0.1'))}%"
