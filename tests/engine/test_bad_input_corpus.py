"""The bad-input corpus (issue 19): calc, cases save, import-persons, restore, verify and the
command-line arguments, all run in process through engine.cli.main. Each input must give
exit 2, a message naming the field, no traceback and no internal error, and change nothing:
the row counts, the receipt sequence and the files of the data folder stay as they were."""
from __future__ import annotations

import copy
import io
import json
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from engine.cli import main
from ids import valid_id

ZHANG = valid_id("1980-01-01", 1)
LI = valid_id("1975-06-30", 2)

GOOD = {
    "region": "wuhan", "date": "2023-03-01",
    "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence"], "insurance": "resident",
               "rural": False},
    "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
              "in_district": True, "diseases": []},
    "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
    "flags": {},
}


def doc(path: str, value=None, delete: bool = False) -> dict:
    out = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node[key]
    if delete:
        del node[last]
    else:
        node[last] = value
    return out


def text(path: str, value=None, delete: bool = False) -> str:
    return json.dumps(doc(path, value, delete), ensure_ascii=False)


def raw(path: str, token: str) -> str:
    """GOOD with the value at `path` replaced by a raw JSON token (numbers JSON cannot make from Python)."""
    return text(path, "@@").replace('"@@"', token)


def nested(depth: int) -> str:
    return text("flags", "@@").replace('"@@"', "[" * depth + "]" * depth)


# (name, JSON text or bytes, the field the message must name)
CASE_INPUTS: list[tuple[str, str | bytes, str]] = [
    # the document as a whole
    ("malformed", '{"region": "wuhan",', "JSON"),
    ("empty", "", "JSON"),
    ("only spaces", "   \n", "JSON"),
    ("a number", "42", "输入"),
    ("a string", '"wuhan"', "输入"),
    ("null", "null", "输入"),
    ("a list", "[1, 2]", "输入"),
    ("NaN", raw("amounts.total", "NaN"), "JSON"),
    ("Infinity", raw("amounts.total", "Infinity"), "JSON"),
    ("-Infinity", raw("amounts.total", "-Infinity"), "JSON"),
    ("duplicate top-level key", text("flags", {})[:-1] + ', "region": "dianjiang"}', "region"),
    ("duplicate nested key", text("amounts.total", "@@").replace('"total": "@@"', '"total": "1.00", "total": "2.00"'),
     "total"),
    ("nested 1000 deep", nested(1000), "JSON"),
    ("nested 40 deep", nested(40), "flags"),
    ("lone surrogate in name", text("person.name", "@@").replace('"@@"', '"\\ud800"'), "person.name"),
    ("lone surrogate in a key", text("flags", "@@").replace('"@@"', '{"\\udfff": true}'), "flags"),
    ("integer of 5000 digits", raw("amounts.total", "9" * 5000), "JSON"),
    ("GBK bytes", text("person.name", "张三").encode("gbk"), "FILE"),
    ("UTF-16 bytes", text("person.name", "张三").encode("utf-16"), "FILE"),
    ("invalid UTF-8", b'{"region": "\xff\xfe"}', "FILE"),
    # region, codes: strings from their list; never a list or object (unhashable)
    ("region list", text("region", ["wuhan"]), "region"),
    ("region object", text("region", {"code": "wuhan"}), "region"),
    ("region number", text("region", 3), "region"),
    ("region null", text("region", None), "region"),
    ("region bool", text("region", True), "region"),
    ("region upper case", text("region", "WUHAN"), "region"),
    ("region with spaces", text("region", " wuhan"), "region"),
    ("region unknown", text("region", "beijing"), "region"),
    ("region missing", text("region", delete=True), "region"),
    ("insurance list", text("person.insurance", ["resident"]), "person.insurance"),
    ("insurance object", text("person.insurance", {}), "person.insurance"),
    ("insurance unknown", text("person.insurance", "commercial"), "person.insurance"),
    ("kind list", text("visit.kind", ["inpatient"]), "visit.kind"),
    ("kind object", text("visit.kind", {"a": 1}), "visit.kind"),
    ("kind number", text("visit.kind", 1), "visit.kind"),
    ("kind missing", text("visit.kind", delete=True), "visit.kind"),
    ("identity as a list", text("person.identities", [["subsistence"]]), "person.identities[0]"),
    ("identity as an object", text("person.identities", [{"a": 1}]), "person.identities[0]"),
    ("identity number", text("person.identities", [1]), "person.identities[0]"),
    ("identity null", text("person.identities", [None]), "person.identities[0]"),
    ("identity unknown", text("person.identities", ["subsistence", "poor"]), "person.identities[1]"),
    ("identities a string", text("person.identities", "subsistence"), "person.identities"),
    ("identities an object", text("person.identities", {"subsistence": True}), "person.identities"),
    ("unknown flag", text("flags", {"vip": True}), "flags.vip"),
    ("flag as string", text("flags", {"tilt_applied": "true"}), "flags.tilt_applied"),
    ("flags a list", text("flags", ["tilt_applied"]), "flags"),
    # amounts: ASCII digits, at most two decimals, commas where they belong, or JSON integers
    ("1e308 number", raw("amounts.total", "1e308"), "amounts.total"),
    ("1e400 number", raw("amounts.total", "1e400"), "amounts.total"),
    ("1E+999999999 number", raw("amounts.total", "1E+999999999"), "amounts.total"),
    ("1e308 text", text("amounts.total", "1e308"), "amounts.total"),
    ("1E+999999999 text", text("amounts.total", "1E+999999999"), "amounts.total"),
    ("JSON decimal number", raw("amounts.total", "5500.5"), "amounts.total"),
    ("JSON number three decimals", raw("amounts.total", "5500.505"), "amounts.total"),
    ("underscore digits", text("amounts.total", "5_500"), "amounts.total"),
    ("full-width digits", text("amounts.total", "５５００"), "amounts.total"),
    ("Arabic-Indic digits", text("amounts.total", "٥٥٠٠"), "amounts.total"),
    ("plus sign", text("amounts.total", "+5500"), "amounts.total"),
    ("exponent text", text("amounts.total", "5.5e3"), "amounts.total"),
    ("commas everywhere", text("amounts.total", "5,5,0,0"), "amounts.total"),
    ("comma group of four", text("amounts.total", "1,0000"), "amounts.total"),
    ("leading comma", text("amounts.total", ",5500"), "amounts.total"),
    ("minus zero", text("amounts.critical_paid", "-0.00"), "amounts.critical_paid"),
    ("negative", text("amounts.total", "-5.00"), "amounts.total"),
    ("negative integer", text("amounts.total", -5), "amounts.total"),
    ("three decimals", text("amounts.basic_paid", "3500.005"), "amounts.basic_paid"),
    ("trailing dot", text("amounts.total", "5500."), "amounts.total"),
    ("leading dot", text("amounts.total", ".50"), "amounts.total"),
    ("hex", text("amounts.total", "0x1500"), "amounts.total"),
    ("yuan sign", text("amounts.total", "¥5500"), "amounts.total"),
    ("yuan suffix", text("amounts.total", "5500元"), "amounts.total"),
    ("wan form (window only)", text("amounts.total", "0.55万"), "amounts.total"),
    ("inner space", text("amounts.total", "5 500"), "amounts.total"),
    ("empty text", text("amounts.total", ""), "amounts.total"),
    ("words", text("amounts.policy_scope", "五千"), "amounts.policy_scope"),
    ("Infinity text", text("amounts.total", "Infinity"), "amounts.total"),
    ("NaN text", text("amounts.total", "NaN"), "amounts.total"),
    ("one hundred million", text("amounts.total", "100000000.00"), "amounts.total"),
    ("one hundred million integer", text("amounts.total", 100000000), "amounts.total"),
    ("twenty digits integer", raw("amounts.total", "9" * 20), "amounts.total"),
    ("thirty digits text", text("amounts.total", "9" * 30), "amounts.total"),
    ("amount list", text("amounts.total", ["5500.00"]), "amounts.total"),
    ("amount object", text("amounts.total", {"v": 1}), "amounts.total"),
    ("amount bool", text("amounts.total", True), "amounts.total"),
    ("amount null (required)", text("amounts.total", None), "amounts.total"),
    ("total missing", text("amounts.total", delete=True), "amounts.total"),
    ("unknown amount", text("amounts.self_paid", "1.00"), "amounts.self_paid"),
    ("scope above total", text("amounts.policy_scope", "6000.00"), "amounts.policy_scope"),
    ("paid above scope", text("amounts.critical_paid", "1600.00"), "amounts.critical_paid"),
    ("amounts a list", text("amounts", ["5500"]), "amounts"),
    # dates: strictly YYYY-MM-DD
    ("date with junk", text("date", "20230301xx"), "date"),
    ("date compact", text("date", "20230301"), "date"),
    ("date one-digit month", text("date", "2023-3-1"), "date"),
    ("date slashes", text("date", "2023/03/01"), "date"),
    ("date with time", text("date", "2023-03-01T00:00"), "date"),
    ("date leading space", text("date", " 2023-03-01"), "date"),
    ("date newline", text("date", "2023-03-01\n"), "date"),
    ("date full-width", text("date", "２０２３-03-01"), "date"),
    ("date impossible", text("date", "2023-02-29"), "date"),
    ("date month 13", text("date", "2023-13-01"), "date"),
    ("date number", text("date", 20230301), "date"),
    ("date list", text("date", ["2023-03-01"]), "date"),
    ("date missing", text("date", delete=True), "date"),
    ("date before the documents", text("date", "2021-06-01"), "date"),
    ("birth date with junk", text("person.birth_date", "19800101xx"), "person.birth_date"),
    # names: 1-30 characters of Chinese, letters, · and spaces
    ("name NUL", text("person.name", "张\u0000三"), "person.name"),
    ("name VT", text("person.name", "张\u000b三"), "person.name"),
    ("name ESC", text("person.name", "张\u001b[31m三"), "person.name"),
    ("name newline", text("person.name", "张\n三"), "person.name"),
    ("name tab", text("person.name", "张\t三"), "person.name"),
    ("name right-to-left mark", text("person.name", "张\u202e三"), "person.name"),
    ("name 31 characters", text("person.name", "张" * 31), "person.name"),
    ("name 5000 characters", text("person.name", "张" * 5000), "person.name"),
    ("name digits", text("person.name", "张三1"), "person.name"),
    ("name formula", text("person.name", "=HYPERLINK(\"http://x\",\"点我\")"), "person.name"),
    ("name plus", text("person.name", "+张三"), "person.name"),
    ("name markup", text("person.name", "<b>张三</b>"), "person.name"),
    ("name emoji", text("person.name", "张三😀"), "person.name"),
    ("name brackets", text("person.name", "张三（儿子）"), "person.name"),
    ("name only dot", text("person.name", "·"), "person.name"),
    ("name empty", text("person.name", ""), "person.name"),
    ("name spaces", text("person.name", "   "), "person.name"),
    ("name number", text("person.name", 123), "person.name"),
    ("name list", text("person.name", ["张三"]), "person.name"),
    # ID numbers
    ("id number list", text("person.id_number", [ZHANG]), "person.id_number"),
    ("id number integer", raw("person.id_number", "420102198001011231"), "person.id_number"),
    ("id number 20 digits", text("person.id_number", ZHANG + "00"), "person.id_number"),
    ("id number checksum", text("person.id_number", ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")),
     "person.id_number"),
    ("id number with NUL", text("person.id_number", ZHANG[:9] + "\u0000" + ZHANG[9:]), "person.id_number"),
    # the visit
    ("level text", text("visit.hospital_level", "2"), "visit.hospital_level"),
    ("level 2.5", raw("visit.hospital_level", "2.5"), "visit.hospital_level"),
    ("level 0", text("visit.hospital_level", 0), "visit.hospital_level"),
    ("level 4", text("visit.hospital_level", 4), "visit.hospital_level"),
    ("level true", text("visit.hospital_level", True), "visit.hospital_level"),
    ("level list", text("visit.hospital_level", [2]), "visit.hospital_level"),
    ("level 1e400", raw("visit.hospital_level", "1e400"), "visit.hospital_level"),
    ("referral number", text("visit.referral", 1), "visit.referral"),
    ("in_province text", text("visit.in_province", "yes"), "visit.in_province"),
    ("diseases numbers", text("visit.diseases", [1, 2]), "visit.diseases"),
    ("diseases a string", text("visit.diseases", "尿毒症"), "visit.diseases"),
    ("disease with newline", text("visit.diseases", ["尿毒\n症"]), "visit.diseases[0]"),
    ("disease 100 characters", text("visit.diseases", ["病" * 100]), "visit.diseases[0]"),
    ("visit a string", text("visit", "inpatient"), "visit"),
    ("person a list", text("person", ["张三"]), "person"),
    ("unknown top-level field", text("operator", "李四"), "operator"),
    # lists of cases
    ("cases an object", '{"cases": {"a": 1}}', "cases"),
    ("cases empty", '{"cases": []}', "cases"),
    ("cases holding a number", '{"cases": [1]}', "cases[0]"),
    ("cases with a bad one", json.dumps({"cases": [GOOD, doc("amounts.total", "5,5,0,0")]}, ensure_ascii=False),
     "cases[1].amounts.total"),
    ("cases beside another key", json.dumps({"cases": [GOOD], "x": 1}), "cases"),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A data folder holding two saved cases of two persons and one printed receipt."""
    folder = tmp_path_factory.mktemp("bad") / "d"
    work = folder.parent
    for n, (id_number, name) in enumerate(((ZHANG, "张三"), (LI, "李四"))):
        case = copy.deepcopy(GOOD)
        case["person"].update(id_number=id_number, name=name)
        (work / f"c{n}.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
        assert main(["cases", "--data-dir", str(folder), "save", str(work / f"c{n}.json"), "--operator", "王五"]) == 0
    assert main(["cases", "--data-dir", str(folder), "receipt", "1", "-o", str(work / "r.pdf"), "--operator", "王五"]) == 0
    return folder


TABLES = ("persons", "person_identities", "cases", "receipts", "receipt_prints", "audit", "settings")


def snapshot(folder: Path) -> dict:
    conn = sqlite3.connect(f"file:{folder / 'cases.sqlite3'}?mode=ro", uri=True)
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        counts["receipt_seq"] = conn.execute("SELECT max(seq) FROM receipts").fetchone()[0]
        counts["void"] = conn.execute("SELECT count(*) FROM cases WHERE void = 1").fetchone()[0]
    finally:
        conn.close()
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.endswith(("-wal", "-shm")))
    return {"counts": counts, "files": files}


def run(args: list[str], stdin: bytes | None = None, capsys=None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="cp936"))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, out: str, err: str, field: str) -> None:
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "内部错误" not in err
    assert field in err, err
    assert err.strip()


@pytest.mark.parametrize("name,body,field", CASE_INPUTS, ids=[c[0] for c in CASE_INPUTS])
def test_calc_refuses(name, body, field, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    code, out, err = run(["calc", str(path)], capsys=capsys)
    assert_refused(code, out, err, field)
    assert out == ""


@pytest.mark.parametrize("name,body,field", CASE_INPUTS, ids=[c[0] for c in CASE_INPUTS])
def test_save_refuses_and_changes_nothing(name, body, field, data, capsys, monkeypatch):
    before = snapshot(data)
    stdin = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    code, out, err = run(["cases", "--data-dir", str(data), "save", "-", "--operator", "王五"], stdin, capsys, monkeypatch)
    assert_refused(code, out, err, field)
    assert out == ""
    assert snapshot(data) == before


def test_lone_surrogate_is_never_echoed(tmp_path, capsys):
    path = tmp_path / "c.json"
    path.write_text(text("region", "@@").replace('"@@"', '"wu\\ud800han"'), encoding="utf-8")
    code, _, err = run(["calc", str(path)], capsys=capsys)
    assert code == 2 and "region" in err
    err.encode("utf-8")  # printable: no lone surrogate in the message


def test_input_over_64_mib_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(64 * 1024 * 1024 + 1)  # sparse: the size alone refuses it
    code, out, err = run(["calc", str(path)], capsys=capsys)
    assert_refused(code, out, err, "64 MB")


def test_more_than_20000_cases_are_refused(data, capsys, monkeypatch):
    body = json.dumps({"cases": [GOOD] * 20_001}, ensure_ascii=False).encode("utf-8")
    before = snapshot(data)
    code, out, err = run(["calc", "-"], body, capsys, monkeypatch)
    assert_refused(code, out, err, "20000")
    code, out, err = run(["cases", "--data-dir", str(data), "save", "-"], body, capsys, monkeypatch)
    assert_refused(code, out, err, "20000")
    assert snapshot(data) == before


def test_stdin_is_utf8_whatever_the_console(capsys, monkeypatch):
    """stdin is read as bytes: with a GBK console, UTF-8 input (with or without a BOM) is read right."""
    body = text("person.name", "张三").encode("utf-8")
    for raw_bytes in (body, b"\xef\xbb\xbf" + body):
        code, out, err = run(["calc", "-"], raw_bytes, capsys, monkeypatch)
        assert code == 0, err
        assert json.loads(out)["payouts"]["assistance"] == "1200.00"  # 5000 − 3500 at 80% (二类)


# ---- command-line arguments -------------------------------------------------------------

def _args(data: Path, tmp: Path) -> list[tuple[str, list[str], str]]:
    d = ["cases", "--data-dir", str(data)]
    folder = tmp / "a-folder"
    folder.mkdir(exist_ok=True)
    existing = tmp / "exists.sqlite3"
    existing.write_bytes(b"x")
    case_file = tmp / "good.json"
    case_file.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    return [
        ("show text id", d + ["show", "abc"], "案件编号"),
        ("show zero", d + ["show", "0"], "案件编号"),
        ("show negative", d + ["show", "-1"], "案件编号"),
        ("show 20 digits", d + ["show", "9" * 20], "案件编号"),
        ("show full-width", d + ["show", "１"], "案件编号"),
        ("show missing case", d + ["show", "999"], "CASE_ID"),
        ("void 20 digits", d + ["void", "9" * 20, "--reason", "录错"], "案件编号"),
        ("void empty reason", d + ["void", "1", "--reason", " ", "--operator", "王五"], "reason"),
        ("void reason newline", d + ["void", "1", "--reason", "录错\n了", "--operator", "王五"], "reason"),
        ("void reason control", d + ["void", "1", "--reason", "录错\x1b", "--operator", "王五"], "reason"),
        ("void reason 101", d + ["void", "1", "--reason", "错" * 101, "--operator", "王五"], "reason"),
        ("void operator one character", d + ["void", "1", "--reason", "录错", "--operator", "王"], "--operator"),
        ("void missing case", d + ["void", "999", "--reason", "录错", "--operator", "王五"], "CASE_ID"),
        ("list year text", d + ["list", "--year", "abc"], "--year"),
        ("list year huge", d + ["list", "--year", "9" * 30], "--year"),
        ("list year float", d + ["list", "--year", "2023.0"], "--year"),
        ("list region", d + ["list", "--region", "beijing"], "--region"),
        ("list from", d + ["list", "--from", "2023-13-01"], "--from"),
        ("list from junk", d + ["list", "--from", "20230301xx"], "--from"),
        ("list id number", d + ["list", "--id-number", "123"], "--id-number"),
        ("list name control", d + ["list", "--name", "张\x00三"], "--name"),
        ("ledger id number", d + ["ledger", "42010219800101123", "--year", "2023"], "ID_NUMBER"),
        ("ledger year", d + ["ledger", ZHANG, "--year", "twenty"], "--year"),
        ("persons id", d + ["persons", "--id-number", ZHANG[:-1] + "Y"], "--id-number"),
        ("persons empty name", d + ["persons", "--name", ""], "--name"),
        ("warnings year", d + ["warnings", "--year", "0"], "--year"),
        ("export month 13", d + ["export", "--year", "2023", "--month", "13", "--format", "csv", "-o",
                                 str(tmp / "x.csv")], "--month"),
        ("export format", d + ["export", "--year", "2023", "--format", "pdf", "-o", str(tmp / "x.pdf")], "--format"),
        ("export onto a folder", d + ["export", "--year", "2023", "--format", "csv", "-o", str(folder)], "-o"),
        ("export into a missing folder", d + ["export", "--year", "2023", "--format", "xlsx", "-o",
                                              str(tmp / "no" / "x.xlsx")], "-o"),
        ("receipt onto a folder", d + ["receipt", "1", "-o", str(folder), "--operator", "王五"], "-o"),
        ("receipt into a missing folder", d + ["receipt", "1", "-o", str(tmp / "no" / "r.pdf"), "--operator", "王五"], "-o"),
        ("receipt missing case", d + ["receipt", "999", "-o", str(tmp / "r.pdf"), "--operator", "王五"], "CASE_ID"),
        ("receipt 20 digits", d + ["receipt", "9" * 20, "-o", str(tmp / "r.pdf")], "案件编号"),
        ("receipt layout", d + ["receipt", "1", "-o", str(tmp / "r.pdf"), "--layout", "A3"], "--layout"),
        ("save operator one character", d + ["save", str(case_file), "--operator", "王"], "--operator"),
        ("save operator 21 characters", d + ["save", str(case_file), "--operator", "王" * 21], "--operator"),
        ("save operator punctuation", d + ["save", str(case_file), "--operator", "王五!"], "--operator"),
        ("save operator formula", d + ["save", str(case_file), "--operator", "=cmd"], "--operator"),
        ("save office newline", d + ["save", str(case_file), "--office", "城关\n镇"], "--office"),
        ("save office 41", d + ["save", str(case_file), "--office", "站" * 41], "--office"),
        ("save office formula", d + ["save", str(case_file), "--office", "=1+1"], "--office"),
        ("save missing file", d + ["save", str(tmp / "none.json")], "FILE"),
        ("save a folder", d + ["save", str(folder)], "FILE"),
        ("import operator", d + ["import-persons", str(case_file), "--operator", "x"], "--operator"),
        ("backup onto an existing file", d + ["backup", "-o", str(existing)], "-o"),
        ("unknown command", d + ["frobnicate"], "frobnicate"),
        ("save without file", d + ["save"], "FILE"),
        ("trial receipt onto a folder", ["receipt", str(case_file), "-o", str(folder)], "-o"),
        ("trial receipt office", ["receipt", str(case_file), "-o", str(tmp / "t.pdf"), "--office", "站\x1b"], "--office"),
        ("trial receipt operator", ["receipt", str(case_file), "-o", str(tmp / "t.pdf"), "--operator", "a"], "--operator"),
        ("trial receipt of a save line", ["receipt", str(_save_line(tmp)), "-o", str(tmp / "t.pdf")], "FILE"),
        ("calc unknown option", ["calc", str(case_file), "--fast"], "--fast"),
    ]


def _save_line(tmp: Path) -> Path:
    path = tmp / "line.json"
    path.write_text(json.dumps({"case_id": 1, "receipt_no": "2023-000001", "result": {}}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def arg_cases(data):
    return {name: (args, field) for name, args, field in _args(data, data.parent)}


ARG_IDS = [
    "show text id", "show zero", "show negative", "show 20 digits", "show full-width", "show missing case",
    "void 20 digits", "void empty reason", "void reason newline", "void reason control", "void reason 101",
    "void operator one character", "void missing case", "list year text", "list year huge", "list year float",
    "list region", "list from", "list from junk", "list id number", "list name control", "ledger id number",
    "ledger year", "persons id", "persons empty name", "warnings year", "export month 13", "export format",
    "export onto a folder", "export into a missing folder", "receipt onto a folder", "receipt into a missing folder",
    "receipt missing case", "receipt 20 digits", "receipt layout", "save operator one character",
    "save operator 21 characters", "save operator punctuation", "save operator formula", "save office newline",
    "save office 41", "save office formula", "save missing file", "save a folder", "import operator",
    "backup onto an existing file", "unknown command", "save without file", "trial receipt onto a folder",
    "trial receipt office", "trial receipt operator", "trial receipt of a save line", "calc unknown option",
]


def test_argument_ids_match(tmp_path):
    assert sorted(ARG_IDS) == sorted(name for name, _, _ in _args(tmp_path / "d", tmp_path))


@pytest.mark.parametrize("name", ARG_IDS)
def test_argument_refused_and_nothing_changed(name, arg_cases, data, capsys):
    args, field = arg_cases[name]
    before = snapshot(data)
    code, out, err = run(args, capsys=capsys)
    assert_refused(code, out, err, field)
    assert snapshot(data) == before


# ---- import-persons: a file unusable as a whole ------------------------------------------

def _xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _zip_bomb(path: Path) -> Path:
    """A small xlsx whose sheet unpacks to 300 MB of zeros."""
    good = _xlsx(path.with_name("seed.xlsx"), [["姓名", "身份证号", "身份类别", "认定日期"]])
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with out.open(item.filename, "w", force_zip64=True) as fh:
                    block = b"\0" * (1 << 20)
                    for _ in range(300):
                        fh.write(block)
            else:
                out.writestr(item, src.read(item.filename))
    return path


def _import_files(tmp: Path) -> list[tuple[str, Path, str]]:
    header = "姓名,身份证号,身份类别,认定日期\n"
    files = []

    def put(name: str, data: bytes) -> Path:
        p = tmp / name
        p.write_bytes(data)
        return p

    files.append(("missing file", tmp / "none.xlsx", "FILE"))
    files.append(("a folder named xlsx", (tmp / "dir.xlsx"), "FILE"))
    (tmp / "dir.xlsx").mkdir(exist_ok=True)
    files.append(("wrong suffix", put("list.txt", header.encode()), "FILE"))
    files.append(("empty csv", put("empty.csv", b""), "FILE"))
    files.append(("csv without the columns", put("cols.csv", "姓名,电话\n张三,1\n".encode()), "身份证号"))
    files.append(("csv in UTF-16", put("u16.csv", (header + "张三,1,低保,2023-01-01\n").encode("utf-16")), "FILE"))
    files.append(("csv of bytes no encoding takes", put("bin.csv", b"\xff\xfe\xfd\x80" * 100), "FILE"))
    files.append(("csv with an endless quote", put("quote.csv", (header + '"张三,' + "x" * 200_000 + "\n").encode()),
                  "FILE"))
    files.append(("xlsx of random bytes", put("random.xlsx", bytes(range(256)) * 40), "FILE"))
    files.append(("xlsx that is a csv", put("csv.xlsx", header.encode()), "FILE"))
    files.append(("xlsx zip without a workbook", _zip_only(tmp / "nowb.xlsx"), "FILE"))
    files.append(("xlsx zip bomb", _zip_bomb(tmp / "bomb.xlsx"), "MB"))
    files.append(("xlsx without the columns", _xlsx(tmp / "cols.xlsx", [["序号", "姓名"], [1, "张三"]]), "身份类别"))
    files.append(("csv over the size limit", _sparse(tmp / "huge.csv", 64 * 1024 * 1024 + 1), "MB"))
    return files


def _zip_only(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    return path


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


IMPORT_IDS = ["missing file", "a folder named xlsx", "wrong suffix", "empty csv", "csv without the columns",
              "csv in UTF-16", "csv of bytes no encoding takes", "csv with an endless quote", "xlsx of random bytes",
              "xlsx that is a csv", "xlsx zip without a workbook", "xlsx zip bomb", "xlsx without the columns",
              "csv over the size limit"]


@pytest.fixture(scope="module")
def import_files(data):
    folder = data.parent / "imports"
    folder.mkdir(exist_ok=True)
    return {name: (path, field) for name, path, field in _import_files(folder)}


@pytest.mark.parametrize("name", IMPORT_IDS)
def test_import_of_an_unusable_file_is_refused(name, import_files, data, capsys):
    path, field = import_files[name]
    before = snapshot(data)
    code, out, err = run(["cases", "--data-dir", str(data), "import-persons", str(path), "--operator", "王五"],
                         capsys=capsys)
    assert_refused(code, out, err, field)
    assert snapshot(data) == before


def test_import_over_200000_rows_is_refused_naming_the_limit(data, capsys):
    path = data.parent / "many.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("姓名,身份证号,身份类别,认定日期\n")
        fh.write("张三,1,低保,2023-01-01\n" * 200_001)
    before = snapshot(data)
    code, out, err = run(["cases", "--data-dir", str(data), "import-persons", str(path), "--operator", "王五"],
                         capsys=capsys)
    assert_refused(code, out, err, "200,000")
    assert snapshot(data) == before


# ---- restore: the FILE argument ----------------------------------------------------------

RESTORE_IDS = ["missing", "folder", "empty", "text", "json", "random bytes", "half a header"]


@pytest.fixture(scope="module")
def restore_files(data):
    folder = data.parent / "restores"
    folder.mkdir(exist_ok=True)
    (folder / "folder").mkdir(exist_ok=True)
    contents = {"empty": b"", "text": "这不是备份".encode(), "json": json.dumps(GOOD).encode(),
                "random bytes": bytes(range(256)) * 8, "half a header": b"SQLite for"}
    out = {"missing": folder / "none.sqlite3", "folder": folder / "folder"}
    for name, body in contents.items():
        out[name] = folder / f"{name}.sqlite3"
        out[name].write_bytes(body)
    return out


@pytest.mark.parametrize("name", RESTORE_IDS)
def test_restore_of_a_bad_file_is_refused(name, restore_files, data, capsys):
    before = snapshot(data)
    code, out, err = run(["cases", "--data-dir", str(data), "restore", str(restore_files[name])], capsys=capsys)
    assert_refused(code, out, err, "FILE")
    assert snapshot(data) == before


# ---- verify: the QR text -----------------------------------------------------------------

VERIFY_INPUTS = [
    ("plain words", "你好"),
    ("empty", ""),
    ("magic only", "SCJ/1"),
    ("missing keys", "SCJ/1\nno=2023-000001\noffice=本经办点"),
    ("a line without =", "SCJ/1\nno 2023-000001"),
    ("another program", "WIFI:S:x;T:WPA;P:y;;"),
    ("control characters", "SCJ/1\x1b[2J\nno=1"),
    ("lone surrogate", "SCJ/1\nno=\ud800"),
    ("too long", "SCJ/1\n" + "x=" + "9" * 5000),
]


@pytest.mark.parametrize("name,qr", VERIFY_INPUTS, ids=[v[0] for v in VERIFY_INPUTS])
def test_verify_refuses_unreadable_text(name, qr, data, capsys, monkeypatch):
    before = snapshot(data)
    code, out, err = run(["cases", "--data-dir", str(data), "verify", qr], capsys=capsys)
    assert_refused(code, out, err, "QR")
    code, out, err = run(["cases", "--data-dir", str(data), "verify", "-"], qr.encode("utf-8", "surrogatepass"),
                         capsys, monkeypatch)
    assert_refused(code, out, err, "QR" if name != "lone surrogate" else "FILE")
    assert snapshot(data) == before


def test_verify_stdin_in_gbk_is_refused(data, capsys, monkeypatch):
    code, out, err = run(["cases", "--data-dir", str(data), "verify", "-"], "SCJ/1\n回执".encode("gbk"), capsys, monkeypatch)
    assert_refused(code, out, err, "FILE")


def test_corpus_is_large():
    assert len(CASE_INPUTS) * 2 + len(ARG_IDS) + len(IMPORT_IDS) + len(RESTORE_IDS) + len(VERIFY_INPUTS) * 2 >= 150
