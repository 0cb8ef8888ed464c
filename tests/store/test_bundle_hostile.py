"""Hostile bundles at the district (issue 15): a file that is not a zip, a truncated one, a member that
unpacks huge, names that climb out of the folder, a file or key named twice, a list where a string
belongs, an amount "1e400", a stored result or input nested deeper than input may be, a control character or a formula in a name, the district's own office code,
a code that is not 8 digits. Each is refused by `cases import-bundle` with exit 2 and the file, row and
field named in Chinese, and nothing is written. The manifest of each is re-signed to match its rows, so
the refusal comes from the check of the rows themselves, not from the hashes."""
from __future__ import annotations

import copy
import hashlib
import json
import struct
import warnings
import zipfile

import pytest

from days import frozen_today  # noqa: F401 (the fixture)
from engine.office import Office
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")

SUN = valid_id("1970-01-01", 7)
CASE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
TOWN, DISTRICT = "42010601", "42010000"
TABLES = ("cases", "receipts", "persons", "resettlements", "audit", "imported_audit", "imported_changes", "offices",
          "bundle_imports")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A township's real bundle with two cases and a reprint: {member name: bytes}."""
    folder = tmp_path_factory.mktemp("town")
    with Office.open(folder / "t", daily_backup=False) as town:
        town.set_office(TOWN, "城关镇")
        for date in ("2023-03-01", "2023-04-01"):
            [saved] = town.save({**copy.deepcopy(CASE), "date": date}, operator="李四", office=TOWN).value
        town.record_print(saved.case_id, operator="李四", reprint=True)
        town.export_bundle(folder / "a.zip", 2026)
    with zipfile.ZipFile(folder / "a.zip") as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rows_of(files: dict, name: str) -> list[dict]:
    return [json.loads(line) for line in files[name].decode("utf-8").splitlines()]


def signed(files: dict, edits: dict[str, list[dict]] | None = None, manifest: dict | None = None) -> dict:
    """The files with `edits` (file -> rows) written and the manifest's hashes made to match them."""
    out = dict(files)
    doc = manifest or json.loads(files["manifest.json"])
    for name, rows in (edits or {}).items():
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
        out[name] = "".join(line + "\n" for line in lines).encode("utf-8")
        doc["files"][name] = {"rows": len(lines), "sha256": hashlib.sha256(out[name]).hexdigest(),
                              "row_sha256": [hashlib.sha256(line.encode("utf-8")).hexdigest() for line in lines]}
    out["manifest.json"] = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    return out


def zipped(path, files: dict | list) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")     # (zipfile warns of a name written twice: that is the point)
        for name, data in (files.items() if isinstance(files, dict) else files):
            zf.writestr(name, data)


def edited(files: dict, name: str, field: str, value, row: int = 0) -> dict:
    rows = rows_of(files, name)
    rows[row][field] = value
    return signed(files, {name: rows})


def recoded(files: dict, code) -> dict:
    """Every row and the manifest under another office code."""
    doc = json.loads(files["manifest.json"])
    doc["office_code"] = code
    edits = {}
    for name in doc["files"]:
        if name != "persons.jsonl":
            edits[name] = [{**r, "office_code": code} for r in rows_of(files, name)]
    return signed(files, edits, doc)


def huge(path, files: dict) -> None:
    """A real zip whose central directory says cases.jsonl unpacks to 3 GiB (a zip bomb's header)."""
    zipped(path, files)
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == b"cases.jsonl":
            struct.pack_into("<I", data, at + 24, 3 << 30)
        at += 4
    path.write_bytes(bytes(data))


def _manifest_with_a_file_twice(files: dict) -> dict:
    text = files["manifest.json"].decode("utf-8")
    entry = json.dumps(json.loads(text)["files"]["cases.jsonl"])
    return {**files, "manifest.json": text.replace('"files": {', f'"files": {{"cases.jsonl": {entry}, ', 1).encode()}


HOSTILE = {
    "not a zip": (lambda p, f: p.write_text("cases,persons\n1,2\n"), "zip 文件无法读取"),
    "a json file": (lambda p, f: p.write_bytes(f["manifest.json"]), "zip 文件无法读取"),
    "truncated": (lambda p, f: (zipped(p, f), p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2])),
                  "zip 文件无法读取"),
    "huge member": (huge, "cases.jsonl 解压后有 3,221,225,472 字节，超过上限"),
    "path traversal": (lambda p, f: zipped(p, {**f, "../../evil.txt": b"x"}), "不属于数据包的文件“../../evil.txt”"),
    "absolute path": (lambda p, f: zipped(p, {**f, "/etc/cron.d/x": b"x"}), "不属于数据包的文件“/etc/cron.d/x”"),
    "member twice": (lambda p, f: zipped(p, list(f.items()) + [("cases.jsonl", f["cases.jsonl"])]),
                     "文件“cases.jsonl”出现两次"),
    "manifest names a file twice": (lambda p, f: zipped(p, _manifest_with_a_file_twice(f)),
                                    "清单 manifest.json中“cases.jsonl”出现两次"),
    "a list for a name": (lambda p, f: zipped(p, edited(f, "persons.jsonl", "name", ["孙七"])),
                          "persons.jsonl 第 1 行的 name 姓名应为文字"),
    "a list for a reason": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "operator", ["李四"], 1)),
                            "cases.jsonl 第 2 行的 operator"),
    "amount 1e400 text": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "total", "1e400")),
                          "cases.jsonl 第 1 行的 total 应为金额"),
    "amount 1e400 number": (lambda p, f: zipped(p, signed(f, {"cases.jsonl": [
        {**r, "assistance": 10 ** 400} if i == 1 else r for i, r in enumerate(rows_of(f, "cases.jsonl"))]})),
        "cases.jsonl 第 2 行的 assistance 应为金额"),
    "control character in a name": (lambda p, f: zipped(p, edited(f, "persons.jsonl", "name", "孙\u0007七")),
                                     "persons.jsonl 第 1 行的 name"),
    "formula in a name": (lambda p, f: zipped(p, edited(f, "persons.jsonl", "name", "=HYPERLINK(\"x\")")),
                          "persons.jsonl 第 1 行的 name"),
    "formula in an audit row": (lambda p, f: zipped(p, edited(f, "audit.jsonl", "operator", "=cmd|'/c calc'!A1")),
                                "audit.jsonl 第 1 行的 operator 不能以“=”开头"),
    "a change with a list for its state": (lambda p, f: zipped(p, edited(f, "changes.jsonl", "state", ["reprint"])),
                                           "changes.jsonl 第 1 行的 state"),
    "a result nested 40 deep": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "result", json.dumps(
        {**json.loads(rows_of(f, "cases.jsonl")[0]["result"]), "x": json.loads("[" * 40 + "]" * 40)}))),
        "cases.jsonl 第 1 行的 result JSON 不可用：JSON 嵌套超过 32 层"),
    "an input nested 100 deep": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "input",
                                                                '{"x": ' + "[" * 100 + "]" * 100 + "}", 1)),
                                 "cases.jsonl 第 2 行的 input JSON 不可用：JSON 嵌套超过 32 层"),
    "an input nested 100,000 deep": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "input",
                                                                    '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", 1)),
                                     "cases.jsonl 第 2 行的 input 不是可读取的 JSON"),
    "the district's own code": (lambda p, f: zipped(p, recoded(f, DISTRICT)),
                                f"office_code {DISTRICT} 是本数据文件夹自己的经办点代码"),
    "a code of 7 digits": (lambda p, f: zipped(p, recoded(f, "4201060")), "office_code：经办点代码应为 8 位数字"),
    "a row of another code": (lambda p, f: zipped(p, edited(f, "cases.jsonl", "office_code", "4201060x")),
                              "cases.jsonl 第 1 行的 office_code 为“4201060x”，不属于经办点 42010601"),
}


def counts(folder) -> dict:
    with Office.open(folder, daily_backup=False) as office:
        return {t: office.store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in TABLES}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_bundle_is_refused_with_exit_2_naming_what_and_nothing_is_written(tmp_path, run, bundle, kind):
    make, named = HOSTILE[kind]
    assert run("office", "set", DISTRICT, "区医保局").returncode == 0
    before = counts(tmp_path / "d")
    path = tmp_path / "in.zip"
    make(path, bundle)
    done = run("import-bundle", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert named in done.stderr and "未导入任何内容" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert counts(tmp_path / "d") == before


def test_the_untouched_bundle_imports(tmp_path, run, bundle):
    """The same bundle, re-signed without an edit, is taken: the refusals above come from the edits."""
    assert run("office", "set", DISTRICT, "区医保局").returncode == 0
    zipped(tmp_path / "in.zip", signed(bundle))
    done = run("import-bundle", str(tmp_path / "in.zip"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["cases_added"], report["changes_applied"], report["conflicts"]) == (2, 1, [])
