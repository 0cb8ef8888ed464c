"""Export for the district's monthly report; import of the civil-affairs identity lists."""
import csv
import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from engine.errors import InputError
from engine.store import open_store
from engine.store.cases import save_cases, void_case
from engine.store.export import export_cases, headers
from engine.store.import_persons import import_persons
from engine.store.persons import find_by_id_number, grants
from ids import valid_id

A, B = valid_id("1950-02-03", 1), valid_id("1988-12-30", 2)


def case(id_number, name, date, region="wuhan", total="5500.00"):
    return {"region": region, "date": date,
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": total, "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def store(tmp_path, backend):  # on SQLite and on PostgreSQL (tests/pg.py)
    with open_store(tmp_path / "d", daily_backup=False) as s:
        for doc in (case(A, "甲", "2023-03-01"), case(B, "乙", "2023-03-15"), case(A, "甲", "2023-04-02", total="6000.00"),
                    case(B, "乙", "2024-01-05")):
            save_cases(s, doc, operator="李四", office="城关镇")
        yield s


def column(header):
    return headers().index(header)


def test_headers_carry_the_national_field_names():
    hs = headers()
    for name in ("medfee_sumamt", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "maf_pay", "psn_pay", "certno", "psn_name"):
        assert any(h.endswith(f"（{name}）") for h in hs), name
    assert "医疗费总额（medfee_sumamt）" in hs and "回执号" in hs


def test_csv_export_of_a_year(store, tmp_path):
    void_case(store, 3, "录入错误", operator="李四")
    out = tmp_path / "r.csv"
    assert export_cases(store, out, "csv", 2023) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese headers
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == headers()
    body = rows[1:]
    assert [r[column("回执号")] for r in body] == ["2023-000001", "2023-000002"]
    assert [r[column("证件号码（certno）")] for r in body] == ["\t" + A, "\t" + B]  # a tab: Excel keeps it as text
    assert [r[column("医疗费总额（medfee_sumamt）")] for r in body] == ["5500.00", "5500.00"]
    assert [r[column("基本医疗保险统筹基金支出（hifp_pay）")] for r in body] == ["3500.00", "3500.00"]
    assert [r[column("医疗救助基金支出（maf_pay）")] for r in body] == ["1200.00", "1200.00"]
    assert [r[column("个人自付金额（psn_pay）")] for r in body] == ["800.00", "800.00"]  # 5500 − 3500 − 1200
    assert [r[column("年龄（age）")] for r in body] == ["73", "34"]
    assert export_cases(store, out, "csv", 2023, include_void=True) == 3
    assert export_cases(store, out, "csv", 2023, month=4, include_void=True) == 1
    assert export_cases(store, out, "csv", 2023, mask=True) == 2
    assert A not in out.read_text(encoding="utf-8-sig")


def test_xlsx_export_has_numbers_and_a_summary(store, tmp_path):
    out = tmp_path / "r.xlsx"
    assert export_cases(store, out, "xlsx", 2023, region="wuhan") == 3
    book = load_workbook(out)
    sheet = book["结算明细"]
    assert [c.value for c in sheet[1]] == headers()
    totals = [sheet.cell(row=r, column=column("医疗费总额（medfee_sumamt）") + 1).value for r in range(2, 5)]
    assert [Decimal(str(v)) for v in totals] == [Decimal("5500"), Decimal("5500"), Decimal("6000")]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["案件数"] == 3
    assert Decimal(str(summary["医疗费总额（medfee_sumamt）"])) == Decimal("17000")
    with pytest.raises(InputError):
        export_cases(store, out, "pdf", 2023)


def _write_xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_import_persons_reports_every_rejected_row(store, tmp_path):
    c = valid_id("1962-07-07", 3)
    bad_checksum = c[:-1] + ("1" if c[-1] != "1" else "2")
    path = tmp_path / "民政名单.xlsx"
    _write_xlsx(path, [
        ["序号", "姓名", "身份证号码", "身份类别", "认定日期", "终止日期", "联系电话"],
        [1, "丙", c, "低保对象", dt.datetime(2023, 1, 5), None, "13800000000"],
        [2, "丁", bad_checksum, "特困人员", "2023-01-05", None, None],
        [3, "戊", valid_id("1970-01-01", 5), "外星人", "2023-01-05", None, None],
        [4, "己", valid_id("1971-01-01", 6), "因病致贫重病患者", "2023年2月1日", None, None],
        [5, "庚", valid_id("1972-01-01", 7), "低保", "2023/13/01", None, None],
        [6, "乙错", B, "低保", "2023-01-01", None, None],     # B is registered as 乙
        [7, "", valid_id("1973-01-01", 8), "低保", "2023-01-01", None, None],
        [8, "丙", c, "低保户", "2023-01-05", None, None],     # the same grant again
        [9, "辛", valid_id("1974-01-01", 9), "特困", "2023-03-01", "2023-02-01", None],
    ])
    report = import_persons(store, path, operator="李四")
    assert report.taken == 3 and report.new_persons == 2 and report.new_grants == 2 and report.duplicates == 1
    assert [row for row, _ in report.rejected] == [3, 4, 6, 7, 8, 10]
    reasons = dict(report.rejected)
    assert "校验位" in reasons[3]
    assert "无法识别" in reasons[4]
    assert "不存在" in reasons[6]
    assert "乙" in reasons[7] and "不一致" in reasons[7]
    assert "姓名为空" in reasons[8]
    assert "早于" in reasons[10]
    person = find_by_id_number(store.db, c)
    assert person["phone"] == "13800000000" and person["sex"] == "男"
    (g,) = grants(store.db, person["id"])
    assert (g.identity, g.granted_on, g.ends_on) == ("subsistence", dt.date(2023, 1, 5), None)
    ji = find_by_id_number(store.db, valid_id("1971-01-01", 6))
    (g,) = grants(store.db, ji["id"])
    assert (g.identity, g.ends_on) == ("illness_impoverished", dt.date(2024, 1, 31))  # 12 months


def test_import_csv_in_gb18030_and_missing_columns(store, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("姓名,身份证号,身份类别,认定日期\n壬,{},特困供养人员,20230301\n".format(valid_id("1945-05-05", 11))
                     .encode("gb18030"))
    report = import_persons(store, path, operator="李四")
    assert report.taken == 1 and not report.rejected
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名,电话\n壬,123\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_persons(store, bad, operator="李四")
    assert "身份证号" in err.value.zh and "身份类别" in err.value.zh
    with pytest.raises(InputError):
        import_persons(store, tmp_path / "nothing.xlsx", operator="李四")
