"""Importing the insurer's settlement list (issue 16): hand-worked to_pay for 住院, 门诊慢特病 and 普通门诊 with
one-stop maf_pay above, equal to and below what is due; every encoding and both header styles; importing
twice adds nothing; bad rows each named; the batch equals calc on each person's year; the 拟发放名单's
totals equal the saved cases.

The hand-worked cases are those of tests/engine/cases/dianjiang.yaml (第二类 低保对象, 第一类 特困人员;
垫江解读 三、(四)3.; 116号 rates, unverified). 垫江 pays no tilt (倾斜救助 is a referral), so
to_pay = max(0, 医疗救助 − maf_pay):
  A (低保, 1978-03-01): 14 白血病 2023-02-20: S = 9500 − 1500 − 0 = 8000 × 75% = 6000.00; maf 6000.00 (equal) → 0.00
                        21 白血病 三级 2023-05-20: S = 180000 − 30000 − 10000 = 140000 × 75% = 105000 → 10万 − 6000 =
                        94000.00; maf 100000.00 (above by 6000.00, warned) → 0.00
                        11 2023-10-20: S = 250 − 50 = 200 × 60% = 120.00; maf 20.00 (below) → 100.00
  B (特困, 1950-01-01): 14 高血压 2023-03-01: S = 700 − 400 = 300 × 100% = 300.00 (400 shared); maf 100.00 → 200.00
                        11 2023-08-01: S = 450 − 200 = 250 → 400 − 300 left = 100.00; maf 100.00 (equal) → 0.00
  C (低保, 1968-02-02): 21 二级 no listed disease 2023-04-01: S = 10000 − 6000 = 4000 × 70% = 2800.00;
                        maf 3000.00 (above by 200.00) → 0.00
"""
import json
from decimal import Decimal

import pytest

from engine.calculate import calculate
from engine.errors import InputError
from engine.office import Office
from ids import valid_id
from settlement_files import FIELDS, slip, write_list, write_persons

A, B, C, D = (valid_id("1978-03-01", 11, "500231"), valid_id("1950-01-01", 12, "500231"),
              valid_id("1968-02-02", 13, "500231"), valid_id("1970-07-07", 14, "500231"))

ROWS = [
    slip("S0001", A, "甲一", "14", "2023-02-20", "10000.00", "9500.00", "1500.00", "0.00", "6000.00", disease="白血病"),
    slip("S0002", A, "甲一", "21", "2023-05-20", "200000.00", "180000.00", "30000.00", "10000.00", "100000.00",
         level="三级甲等", disease="白血病"),
    slip("S0003", A, "甲一", "11", "2023-10-20", "300.00", "250.00", "50.00", "0.00", "20.00", level="一级"),
    slip("S0004", B, "乙二", "14", "2023-03-01", "800.00", "700.00", "400.00", "0.00", "100.00", disease="高血压"),
    slip("S0005", B, "乙二", "11", "2023-08-01", "500.00", "450.00", "200.00", "0.00", "100.00"),
    slip("S0006", C, "丙三", "21", "2023-04-01", "12000.00", "10000.00", "6000.00", "0.00", "3000.00", level="二级乙等"),
    slip("S0007", D, "丁四", "21", "2023-04-02", "12000.00", "10000.00", "6000.00", "0.00", "0.00", level="二级"),
]
# setl_id → (assistance, to_pay), worked above
WANT = {"S0001": ("6000.00", "0.00"), "S0002": ("94000.00", "0.00"), "S0003": ("120.00", "100.00"),
        "S0004": ("300.00", "200.00"), "S0005": ("100.00", "0.00"), "S0006": ("2800.00", "0.00")}


@pytest.fixture
def office(tmp_path):
    with Office.open(tmp_path / "d", daily_backup=False) as door:
        door.set_settings({"office": "垫江县医保局", "default_region": "dianjiang"})
        persons = write_persons(tmp_path / "民政名单.csv", [("甲一", A, "低保对象", "2022-01-01"),
                                                          ("乙二", B, "特困人员", "2022-01-01"),
                                                          ("丙三", C, "低保对象", "2022-01-01")])
        door.import_persons(persons, operator="李四")
        yield door


def _saved(office):
    return {r["setl_id"]: r for r in office.store.query(
        "SELECT c.setl_id, c.assistance, c.tilt, c.to_pay, c.result, c.input, c.review FROM cases c WHERE c.setl_id IS NOT NULL")}


@pytest.mark.parametrize("style", ["national", "chinese"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
def test_hand_worked_to_pay_in_every_encoding_and_header_style(office, tmp_path, style, encoding):
    path = write_list(tmp_path / f"结算清单.{'xlsx' if encoding == 'xlsx' else 'csv'}", ROWS, style=style, encoding=encoding)
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    assert report.summary() == {"rows": 7, "saved": 6, "skipped": 1, "rejected": 0, "to_pay": "300.00"}
    assert [s[1] for s in report.skipped] == ["S0007"] and "不在民政名单" in report.skipped[0][3]
    saved = _saved(office)
    assert {k: (v["assistance"], v["to_pay"]) for k, v in saved.items()} == WANT
    warned = {k: [w for w in json.loads(v["result"])["warnings"] if w.startswith("一站式已支付医疗救助高于本次应付")]
              for k, v in saved.items()}
    assert "多付 6000.00" in warned["S0002"][0] and "多付 200.00" in warned["S0006"][0]
    assert not warned["S0001"] and not warned["S0003"] and not warned["S0005"]
    kinds = {k: json.loads(v["input"])["visit"]["kind"] for k, v in saved.items()}
    assert kinds["S0001"] == "outpatient_chronic" and kinds["S0002"] == "inpatient" and kinds["S0003"] == "outpatient_general"


def test_batch_equals_calc_on_each_persons_year(office, tmp_path):
    path = write_list(tmp_path / "list.csv", ROWS)
    office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out")
    saved = _saved(office)
    for person in ("S0001 S0002 S0003", "S0004 S0005", "S0006"):
        ids = person.split()
        year = [json.loads(saved[i]["input"]) for i in ids]
        assert [json.loads(saved[i]["result"]) for i in ids] == calculate({"cases": year})["results"]


def test_reimport_adds_nothing_and_the_list_totals_equal_the_saved_cases(office, tmp_path):
    from openpyxl import load_workbook

    path = write_list(tmp_path / "list.xlsx", ROWS, encoding="xlsx")
    first = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    count = office.store.query("SELECT count(*) AS n FROM cases")[0]["n"]
    again = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out2").value
    assert office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == count == 6
    assert again.summary() == {"rows": 7, "saved": 0, "skipped": 1, "rejected": 6, "to_pay": "0.00"}
    assert all("已导入（回执号" in r[2] for r in again.rejected)
    sheet = load_workbook(first.outputs["list"]).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    head, body = rows[0], [r for r in rows[1:] if isinstance(r[0], int)]
    total = next(r for r in rows if r[0] == "合计")
    saved = _saved(office)
    col = head.index("本次应付")
    assert Decimal(str(total[col])) == sum(Decimal(v["to_pay"]) for v in saved.values()) == Decimal("300.00")
    col = head.index("医疗救助")
    assert Decimal(str(total[col])) == sum(Decimal(v["assistance"]) for v in saved.values())
    assert sorted(r[head.index("结算ID")] for r in body) == sorted(saved)
    assert all("*" in r[head.index("身份证号")] and A not in r for r in body)     # masked
    # the second run lists the same cases (the list is the file's, however many runs it took)
    assert load_workbook(again.outputs["list"]).worksheets[0].max_row == sheet.max_row


def test_receipts_in_one_pdf(office, tmp_path):
    import subprocess

    path = write_list(tmp_path / "list.csv", ROWS)
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    text = subprocess.run(["pdftotext", report.outputs["receipts"], "-"], capture_output=True, text=True).stdout
    numbers = [s.receipt_no for s in report.saved]
    assert len(numbers) == 6 and all(n in text for n in numbers)
    assert "医院结算时已支付医疗救助 20.00 元（一站式结算），垫江县医保局本次应支付您 100.00 元（医疗救助）" in text.replace("\n", "")


def test_dry_run_writes_nothing(office, tmp_path):
    path = write_list(tmp_path / "list.csv", ROWS)
    before = office.store.query("SELECT count(*) AS n FROM audit")[0]["n"]
    report = office.import_settlements(path, region="dianjiang", operator="李四", dry_run=True,
                                       outdir=tmp_path / "out").value
    assert report.summary()["to_pay"] == "300.00" and len(report.planned) == 6
    assert office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == 0
    assert office.store.query("SELECT count(*) AS n FROM audit")[0]["n"] == before
    assert not (tmp_path / "out").exists()


def test_cancel_keeps_committed_chunks_and_rerun_resumes(office, tmp_path, monkeypatch):
    from engine.settlements import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    path = write_list(tmp_path / "list.csv", ROWS)
    asked = []
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out",
                                       cancelled=lambda: asked.append(1) or len(asked) > 2).value
    assert report.cancelled and len(report.saved) == 4
    assert office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == 4
    rest = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    assert len(rest.saved) == 2 and len(rest.rejected) == 4
    assert {k: (v["assistance"], v["to_pay"]) for k, v in _saved(office).items()} == WANT


def test_defaults_are_marked_and_admin_divisions_read(office, tmp_path):
    fields = FIELDS + ("refl_flag", "insu_admdvs", "mdtrt_admdvs")
    rows = [dict(ROWS[5], refl_flag="", insu_admdvs="", mdtrt_admdvs=""),
            dict(ROWS[3], refl_flag="1", insu_admdvs="500231", mdtrt_admdvs="500103")]
    path = write_list(tmp_path / "list.csv", rows, fields=fields)
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    marks = {p.slip.setl_id: p.slip.marks for p in report.planned}
    assert marks == {"S0006": "转诊（缺省为规范转诊）；就医地（缺省为县区内就医）", "S0004": ""}
    visit = json.loads(_saved(office)["S0004"]["input"])["visit"]
    assert (visit["referral"], visit["in_province"], visit["in_district"]) == (True, True, False)
    from openpyxl import load_workbook

    rows = list(load_workbook(report.outputs["list"]).worksheets[0].iter_rows(values_only=True))
    marked = [r for r in rows[1:] if r and r[4] == "S0006"]
    assert marked[0][rows[0].index("待核对")].startswith("转诊")


def _bad_rows():
    """30 bad rows, each of a different kind, with the words its reason must hold."""
    ok = dict(ROWS[5])
    bad_id = A[:-1] + ("0" if A[-1] != "0" else "1")
    cases = [
        ({"setl_id": ""}, "结算ID"), ({"setl_id": "S 1"}, "结算ID"), ({"certno": ""}, "证件号码"),
        ({"certno": bad_id}, "校验位"), ({"certno": "12345"}, "18位"), ({"psn_name": ""}, "姓名"),
        ({"psn_name": "丙3"}, "姓名"), ({"insutype": "999"}, "险种类型"), ({"insutype": "510"}, "生育保险"),
        ({"med_type": "99"}, "未知医疗类别"), ({"med_type": "41"}, "定点药店"), ({"setl_time": "2023-13-01"}, "结算时间"),
        ({"setl_time": ""}, "结算时间"), ({"medfee_sumamt": "abc"}, "医疗费总额"), ({"medfee_sumamt": "-12000.00"}, "负数"),
        ({"inscp_scp_amt": "13000.00"}, "大于医疗费总额"), ({"hifp_pay": ""}, "统筹基金支出"),
        ({"hifmi_pay": ""}, "大病保险"), ({"maf_pay": "1.234"}, "医疗救助基金支出"),
        ({"fund_pay_sumamt": "100.00"}, "基金支付总额"), ({"psn_pay": "9999.00"}, "不等于医疗费总额"),
        ({"hosp_lv_name": ""}, "医院等级为空"), ({"hosp_lv_name": "特级"}, "无法识别"), ({"hosp_lv_name": "未定级"}, "未定级"),
        ({"maf_pay": "4000.01", "fund_pay_sumamt": "10000.01", "psn_pay": "1999.99"}, "amounts.assistance_paid"),
        ({"hifp_pay": "11000.00", "fund_pay_sumamt": "14000.00", "psn_pay": "-2000.00"}, "负数"),
        ({"setl_time": "2099-01-01"}, "晚于今天"), ({"psn_name": "丙四"}, "不一致"),
        ({"setl_id": "S0001"}, "重复"), ({"insutype": "310", "hifob_pay": ""}, "职工大额"),
    ]
    rows = [dict(ROWS[0])]
    for i, (change, words) in enumerate(cases):
        rows.append({**ok, "setl_id": f"B{i:04d}", **change})
    return rows, [w for _, w in cases]


def test_thirty_bad_rows_each_named_and_the_good_saved(office, tmp_path):
    rows, words = _bad_rows()
    assert len(words) == 30
    rows.append(dict(ROWS[5]))       # a good row after the bad ones
    path = write_list(tmp_path / "bad.csv", rows)
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "out").value
    reasons = {number: reason for number, _, reason in report.rejected}
    assert len(reasons) == 30
    for i, want in enumerate(words):
        assert want in reasons[i + 3], (i, want, reasons.get(i + 3))    # row 2 is the good S0001; bad rows from 3
    assert sorted(_saved(office)) == ["S0001", "S0006"]


def test_own_export_and_unusable_files_exit_2_nothing_written(office, tmp_path, run):
    from engine.store.export import headers

    own = tmp_path / "export.csv"
    own.write_text(",".join(headers()) + "\n", encoding="utf-8-sig")
    with pytest.raises(InputError) as exc:
        office.import_settlements(own, region="dianjiang", operator="李四")
    assert "本程序导出" in exc.value.zh
    none = write_list(tmp_path / "none.csv", ROWS, fields=("psn_name", "medfee_sumamt"))
    with pytest.raises(InputError) as exc:
        office.import_settlements(none, region="dianjiang", operator="李四")
    assert "没有可用的列" in exc.value.zh and "setl_id" in exc.value.zh
    assert office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == 0


def test_cli_last_line_and_exit_codes(tmp_path, run):
    persons = write_persons(tmp_path / "p.csv", [("甲一", A, "低保对象", "2022-01-01")])
    assert run("import-persons", str(persons), "--operator", "李四").returncode == 0
    path = write_list(tmp_path / "list.csv", ROWS[:3] + [ROWS[6]], encoding="gb18030")
    dry = run("import-settlements", str(path), "--region", "dianjiang", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout.splitlines()[-1]) == {"rows": 4, "saved": 0, "skipped": 1, "rejected": 0, "to_pay": "100.00"}
    proc = run("import-settlements", str(path), "--region", "dianjiang", "--operator", "李四", "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"rows": 4, "saved": 3, "skipped": 1, "rejected": 0, "to_pay": "100.00"}
    assert "跳过 第 5 行（结算ID S0007，丁四）" in proc.stdout
    assert (tmp_path / "o" / "拟发放名单-list.xlsx").is_file() and (tmp_path / "o" / "回执-list.pdf").is_file()
    bad = tmp_path / "x.txt"
    bad.write_text("hello", encoding="utf-8")
    proc = run("import-settlements", str(bad), "--region", "dianjiang", "--operator", "李四")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_changchun_med_type_14_split_by_the_special_disease_list(tmp_path):
    from engine.policy import bundled
    from engine.settlements.slips import kind_for, parse_row
    from engine.settlements.mapping import find_columns

    row = slip("X1", A, "甲一", "14", "2023-05-01", "1000.00", "900.00", "300.00", "0.00", "0.00", disease="尿毒症")
    cols = find_columns(list(FIELDS))
    special = parse_row(2, [row.get(f, "") for f in FIELDS], cols)
    other = parse_row(3, [dict(row, dise_name="高脂血症").get(f, "") for f in FIELDS], cols)
    assert kind_for(special, "changchun", bundled()) == "outpatient_special"
    assert kind_for(other, "changchun", bundled()) == "outpatient_chronic"
    assert kind_for(special, "wuhan", bundled()) == "outpatient_chronic"


def test_with_accounts_the_import_needs_a_clerk_and_saves_cases_for_review(office, tmp_path, run):
    office.add_account("王管理", ["管理员"], "admin-pass-1")
    office.login("王管理", "admin-pass-1")
    office.add_account("李经办", ["经办"], "clerk-pass-1")
    office.logout()
    path = write_list(tmp_path / "list.csv", ROWS)
    office.login("王管理", "admin-pass-1")
    from engine.office import Refused

    with pytest.raises(Refused):      # a 管理员 without 经办 does not save cases
        office.import_settlements(path, region="dianjiang", operator="王管理", outdir=tmp_path / "o")
    office.logout()
    office.login("李经办", "clerk-pass-1")
    report = office.import_settlements(path, region="dianjiang", operator="李经办", outdir=tmp_path / "o").value
    assert len(report.saved) == 6
    assert {r["review"] for r in _saved(office).values()} == {"待审核"}
    assert {r["operator"] for r in office.store.query("SELECT operator FROM cases")} == {"李经办"}


def test_xlsx_number_and_date_cells_are_read(office, tmp_path):
    """Real exports hold numbers and dates as cells, not text: 12000.0, a datetime, the code 21 as a number."""
    import datetime as dt

    row = dict(ROWS[5])
    row.update({k: float(row[k]) for k in ("medfee_sumamt", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay",
                                           "maf_pay", "fund_pay_sumamt", "psn_pay")})
    row.update({"setl_time": dt.datetime(2023, 4, 1, 9, 30), "med_type": 21, "insutype": 390})
    path = write_list(tmp_path / "cells.xlsx", [row], encoding="xlsx")
    report = office.import_settlements(path, region="dianjiang", operator="李四", outdir=tmp_path / "o").value
    assert report.summary() == {"rows": 1, "saved": 1, "skipped": 0, "rejected": 0, "to_pay": "0.00"}
    assert _saved(office)["S0006"]["assistance"] == "2800.00"
