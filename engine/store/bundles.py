"""Township -> district: a bundle of one office's cases, and its import at the district.

A bundle is a zip file holding JSON-lines files — cases.jsonl, persons.jsonl, resettlements.jsonl
(补差), voids.jsonl, audit.jsonl — and manifest.json: the office (code and name), the period, and
for each file its row count, its SHA-256 and each row's SHA-256. Bundles go by the time of saving:
a bundle carries what the office added up to the end of the period that no earlier bundle of the
office carried (its high-water marks are recorded in bundle_exports), so a slip entered late goes
in the next bundle and is never dropped.

The import checks the manifest first (a changed row is refused by name, nothing written), then
in one transaction adds what is new: a case is known by its office code and receipt number; one
already there with the same content is skipped (importing twice adds nothing), one with other
content is a conflict, reported and never overwritten. Imported cases keep their stored results,
office code and receipt number; each is recorded by a chained audit row at the district, so
`cases audit-verify` still passes there; the township's own audit rows are kept in imported_audit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils

from ..codec import from_json_text, to_json_text
from ..errors import InputError
from .. import validate
from . import bundle_changes, bundle_rows, chain
from .database import Store, audit, now
from .offices import OWN_CODE, check_code

FORMAT = "SCJ-BUNDLE/2"
FORMATS = {"SCJ-BUNDLE/1": 5, "SCJ-BUNDLE/2": 6}   # format -> how many of FILES it holds (/1: no changes.jsonl)
MANIFEST = "manifest.json"
FILES = ("persons.jsonl", "cases.jsonl", "resettlements.jsonl", "voids.jsonl", "audit.jsonl", "changes.jsonl")
# what a case is: two rows with the same office code and receipt number and these equal are the same case
CASE_CONTENT = ("region", "policy_year", "date", "kind", "input", "result", "policy_version", "total", "policy_scope",
                "basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket", "operator", "office",
                "created_at")
CASE_STATE = ("warning_kind", "year_out_of_pocket", "review", "reviewed_by", "reviewed_at", "review_note", "paid_at",
              "paid_by", "pay_method", "pay_account")
RESETTLEMENT_CONTENT = ("reason", "basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket", "to_pay",
                        "result", "policy_version", "operator", "created_at")
PERSON_FIELDS = ("id_number", "name", "birth_date", "sex", "phone", "address", "insurance", "rural")
AMOUNT_CHECKS = ("basic", "critical", "assistance", "tilt")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _period_end(year: int, month: int | None) -> str:
    if month is None:
        return dt.date(year + 1, 1, 1).isoformat()
    return (dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)).isoformat()


def _marks(db: sqlite_utils.Database, code: str) -> tuple[int, int, int]:
    rows = list(db.query("SELECT last_case, last_resettlement, last_audit FROM bundle_exports "
                         "WHERE office_code = ? ORDER BY id DESC LIMIT 1", (code,)))
    return (rows[0]["last_case"], rows[0]["last_resettlement"], rows[0]["last_audit"]) if rows else (0, 0, 0)


def _lines(rows: list[dict]) -> tuple[bytes, list[str]]:
    texts = [to_json_text(r) for r in rows]
    return "".join(t + "\n" for t in texts).encode("utf-8"), [_sha(t.encode("utf-8")) for t in texts]


def export_bundle(store: Store, out: str | Path, year: int, month: int | None, *, operator: str,
                  code: str | None = None) -> dict[str, Any]:
    """Write the office's bundle for the period (year, or year and month) to `out`; returns the manifest's
    summary. The office is this folder's own code unless `code` is given."""
    if month is not None and not 1 <= month <= 12:
        raise InputError("--month", f"月份应为 1 到 12，不能是 {month}", f"month must be 1..12, not {month}")
    if not 2000 <= year <= 2100:
        raise InputError("--year", f"年度 {year} 不合理，应为四位年份（如 2026）", f"year {year} is not a four-digit year")
    code = check_code(code, "--office") if code else store.setting(OWN_CODE)
    if not code:
        raise InputError("--office", "本数据文件夹尚未设置经办点代码：请先执行 python -m engine cases office set 代码 名称",
                         "this data folder has no office code; run cases office set CODE NAME first")
    target = Path(out)
    end = _period_end(year, month)
    with store.write() as db:
        names = list(db.query("SELECT name FROM offices WHERE code = ?", (code,)))
        if not names:
            raise InputError("--office", f"经办点代码 {code} 尚未登记（cases office list 查看已登记的代码）",
                             f"office code {code} is not registered")
        last_case, last_res, last_audit = _marks(db, code)
        unbound = [r["office"] for r in db.query(
            "SELECT DISTINCT office FROM cases WHERE office_code IS NULL AND id > ? AND created_at < ?", (last_case, end))]
        if unbound:
            listed = "、".join(f"“{n}”" for n in unbound)
            raise InputError("--office", f"有案件的经办点名称 {listed} 尚未对应经办点代码，数据包未生成：请先执行 "
                                         f"python -m engine cases office set 代码 名称 为其确认代码",
                             f"cases saved under {', '.join(unbound)} have no office code yet; bind them with cases office set")
        cases = [dict(r) for r in db.query(
            "SELECT c.*, r.number AS receipt_no, r.year AS receipt_year, r.seq AS receipt_seq, p.id_number "
            "FROM cases c JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
            "WHERE c.office_code = ? AND c.id > ? AND c.created_at < ? ORDER BY c.id", (code, last_case, end))]
        resettlements = [dict(r) for r in db.query(
            "SELECT s.*, r.number AS case_receipt_no FROM resettlements s JOIN receipts r ON r.case_id = s.case_id "
            "WHERE s.office_code = ? AND s.id > ? AND s.created_at < ? ORDER BY s.id", (code, last_res, end))]
        voids = [dict(r) for r in db.query(
            "SELECT a.id AS audit_id, r.number AS receipt_no, c.void_reason, c.voided_at, c.voided_by "
            "FROM audit a JOIN cases c ON c.id = a.case_id JOIN receipts r ON r.case_id = c.id "
            "WHERE a.action = 'void' AND a.id > ? AND c.office_code = ? AND c.void = 1 AND c.voided_at < ? "
            "ORDER BY a.id", (last_audit, code, end))]
        audit_rows = [dict(r) for r in db.query(
            "SELECT a.id, a.at, a.operator, a.action, a.detail, a.row_hash, r.number AS receipt_no "
            "FROM audit a LEFT JOIN cases c ON c.id = a.case_id LEFT JOIN receipts r ON r.case_id = c.id "
            "WHERE a.id > ? AND a.at < ? AND (a.case_id IS NULL OR c.office_code = ?) ORDER BY a.id",
            (last_audit, end, code))]
        changes = bundle_changes.changes_since(db, code, last_audit, end)
        high_audit = next(db.query("SELECT coalesce(max(id), 0) AS n FROM audit WHERE at < ?", (end,)))["n"]
        person_ids = sorted({c["person_id"] for c in cases})
        persons = []
        for pid in person_ids:
            p = next(db.query("SELECT * FROM persons WHERE id = ?", (pid,)))
            grants = [dict(g) for g in db.query("SELECT identity, granted_on, ends_on, source FROM person_identities "
                                                "WHERE person_id = ? ORDER BY id", (pid,))]
            persons.append({**{k: p[k] for k in PERSON_FIELDS}, "identities": grants})
        rows = {
            "persons.jsonl": persons,
            "cases.jsonl": [{"office_code": code, "receipt_no": c["receipt_no"], "receipt_year": c["receipt_year"],
                             "receipt_seq": c["receipt_seq"], "id_number": c["id_number"],
                             "to_pay": c["to_pay"], **{k: c[k] for k in CASE_CONTENT + CASE_STATE}} for c in cases],
            "resettlements.jsonl": [{"office_code": code, "receipt_no": s["number"], "year": s["year"], "seq": s["seq"],
                                     "case_receipt_no": s["case_receipt_no"], **{k: s[k] for k in RESETTLEMENT_CONTENT}}
                                    for s in resettlements],
            "voids.jsonl": [{"office_code": code, "receipt_no": v["receipt_no"], "void_reason": v["void_reason"],
                             "voided_at": v["voided_at"], "voided_by": v["voided_by"]} for v in voids],
            "audit.jsonl": [{"office_code": code, "source_id": a["id"], "at": a["at"], "operator": a["operator"],
                             "action": a["action"], "receipt_no": a["receipt_no"], "detail": a["detail"],
                             "row_hash": a["row_hash"]} for a in audit_rows],
            "changes.jsonl": changes,
        }
        made_at = now()
        manifest: dict[str, Any] = {"format": FORMAT, "office_code": code, "office_name": names[0]["name"], "year": year,
                                    "month": month, "made_at": made_at, "made_by": operator, "files": {}}
        blobs = {}
        for name in FILES:
            data, hashes = _lines(rows[name])
            blobs[name] = data
            manifest["files"][name] = {"rows": len(hashes), "sha256": _sha(data), "row_sha256": hashes}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MANIFEST, manifest_bytes)
                for name in FILES:
                    zf.writestr(name, blobs[name])
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError("-o", f"无法写入 {target}（{exc.strerror or exc}），请检查文件夹是否存在、是否可写",
                             f"cannot write {target} ({exc.strerror or exc})") from None
        db["bundle_exports"].insert({
            "office_code": code, "year": year, "month": month, "made_at": made_at, "operator": operator,
            "last_case": max([last_case] + [c["id"] for c in cases]),
            "last_resettlement": max([last_res] + [s["id"] for s in resettlements]),
            "last_audit": max(last_audit, high_audit), "cases": len(cases), "sha256": _sha(manifest_bytes)})
        period = f"{year} 年{'' if month is None else f' {month} 月'}"
        audit(db, operator, "export-bundle",
              f"生成数据包（{code}，{period}）：案件 {len(cases)} 件，补差 {len(resettlements)} 件，作废 {len(voids)} 件，"
              f"其他变更 {len(changes)} 项",
              at=made_at)
    os.replace(tmp, target)
    return {"path": str(target), "office_code": code, "year": year, "month": month,
            "cases": len(cases), "resettlements": len(resettlements), "voids": len(voids), "persons": len(persons),
            "audit": len(audit_rows), "changes": len(changes), "sha256": _sha(manifest_bytes)}


# ---- import --------------------------------------------------------------------------------------

def _refuse(zh: str, en: str) -> InputError:
    return InputError("FILE", zh + "；未导入任何内容", en + "; nothing was imported")


MAX_MEMBER = 2 << 30        # bytes a bundle's file may unpack to (100,000 cases take about 0.6 GB)
MAX_MANIFEST = 64 << 20


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [k for k, _ in pairs]
        raise _Twice(next(k for k in keys if keys.count(k) > 1))
    return found


class _Twice(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _strict_json(text: str) -> Any:
    """JSON as a bundle must hold it: no key twice, no NaN or Infinity, numbers with a fraction or an
    exponent read as Decimal (an amount is a string; a number where one belongs is refused by name)."""
    def no_constant(name: str) -> Any:
        raise ValueError(name)
    return json.loads(text, object_pairs_hook=_unique_keys, parse_float=Decimal, parse_constant=no_constant)


def _members(path: Path) -> tuple[bytes, dict[str, bytes]]:
    """The manifest's bytes and each file's, after checking the zip's names and sizes."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            twice = next((n for n in names if names.count(n) > 1), None)
            if twice is not None:
                raise _refuse(f"{path.name} 中文件“{validate.shown(twice, 60)}”出现两次，不是本程序生成的数据包",
                              f"{path.name} holds {twice!r} twice")
            stranger = next((n for n in names if n not in FILES and n != MANIFEST), None)
            if stranger is not None:
                raise _refuse(f"{path.name} 中有不属于数据包的文件“{validate.shown(stranger, 60)}”（数据包只含 "
                              f"{MANIFEST} 和 {'、'.join(FILES)}）", f"{path.name} holds a stray file {stranger!r}")
            if MANIFEST not in names:
                raise _refuse(f"{path.name} 中没有清单 {MANIFEST}，不是本程序生成的数据包", f"{path.name} has no manifest")
            for info in infos:
                limit = MAX_MANIFEST if info.filename == MANIFEST else MAX_MEMBER
                if info.file_size > limit:
                    raise _refuse(f"{path.name} 中的 {info.filename} 解压后有 {info.file_size:,} 字节，超过上限 "
                                  f"{limit:,} 字节：请按月分批生成数据包", f"{info.filename} is too large")
            manifest_bytes = zf.read(MANIFEST)
            blobs = {n: zf.read(n) for n in names if n != MANIFEST}
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("FILE", f"找不到文件 {path}", f"no such file {path}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise _refuse(f"{path.name} 不是有效的数据包：zip 文件无法读取（不是 zip 文件，或文件不完整、已损坏），"
                      f"请向经办点重新索取", f"{path.name} is not a readable zip bundle") from None
    return manifest_bytes, blobs


def _manifest(path: Path, manifest_bytes: bytes) -> dict[str, Any]:
    where = f"{path.name} 的清单 {MANIFEST}"
    try:
        manifest = _strict_json(manifest_bytes.decode("utf-8"))
    except _Twice as exc:
        raise _refuse(f"{where}中“{validate.shown(exc.key, 60)}”出现两次", f"the manifest names {exc.key!r} twice") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _refuse(f"{where}无法读取（不是 UTF-8 的 JSON）", f"the manifest of {path.name} is unreadable") from None
    if not isinstance(manifest, dict):
        raise _refuse(f"{where}应为 JSON 对象", "the manifest is not an object")
    if manifest.get("format") not in FORMATS:
        raise _refuse(f"{path.name} 的格式为 {validate.shown(manifest.get('format'))}，本程序只能导入 "
                      f"{'、'.join(FORMATS)}", f"{path.name} is not a bundle this program reads")
    for key in ("office_code", "office_name", "made_at", "files"):
        if key not in manifest:
            raise _refuse(f"{where}缺少 {key}", f"the manifest lacks {key}")
    try:
        check_code(manifest["office_code"], "FILE")
        validate.office_name(manifest["office_name"], "FILE", "经办点名称")
    except InputError as exc:
        field = "office_code" if "代码" in exc.zh else "office_name"
        raise _refuse(f"{where}中的 {field}：{exc.zh}", f"the manifest's {field} is invalid") from None
    if not isinstance(manifest["made_at"], str) or len(manifest["made_at"]) > 40:
        raise _refuse(f"{where}中的 made_at 应为时间文字", "the manifest's made_at is invalid")
    files = manifest["files"]
    expected = FILES[:FORMATS[manifest["format"]]]
    if not isinstance(files, dict) or set(files) != set(expected):
        named = sorted(files) if isinstance(files, dict) else []
        raise _refuse(f"{where}列出的文件（{'、'.join(validate.shown(n, 40) for n in named) or '无'}）"
                      f"应为 {'、'.join(expected)}", "the manifest's files are not a bundle's")
    for name in expected:
        entry = files[name]
        if not isinstance(entry, dict) or type(entry.get("rows")) is not int or not isinstance(entry.get("sha256"), str) \
                or not isinstance(entry.get("row_sha256"), list) \
                or not all(isinstance(h, str) for h in entry["row_sha256"]):
            raise _refuse(f"{where}中 {name} 的 rows、sha256、row_sha256 应为整数、文字和文字列表",
                          f"the manifest's entry for {name} is malformed")
    return manifest


def read_bundle(path: str | Path, own_code: str | None = None) -> tuple[dict[str, Any], dict[str, list[dict]], str]:
    """The manifest, each file's rows, and the bundle's hash, after checking the zip, the manifest,
    every row against the manifest's hashes (a changed row is named), and every field of every row
    (engine/store/bundle_rows.py). A bundle of `own_code` (the importing folder's office) is refused."""
    path = Path(path)
    manifest_bytes, blobs = _members(path)
    manifest = _manifest(path, manifest_bytes)
    code, files = manifest["office_code"], manifest["files"]
    rows: dict[str, list[dict]] = {}
    for name in files:
        entry = files[name]
        data = blobs.get(name, b"")
        try:
            lines = data.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise _refuse(f"数据包 {path.name} 的 {name} 不是 UTF-8 文字", f"{name} is not UTF-8") from None
        hashes = entry["row_sha256"]
        for i, line in enumerate(lines):
            if i >= len(hashes) or _sha(line.encode("utf-8")) != hashes[i]:
                raise _refuse(f"数据包 {path.name} 已被改动：{name} 第 {i + 1} 行{_which(line)}与清单中的校验值不符",
                              f"bundle {path.name} was changed: {name} row {i + 1} does not match the manifest")
        if len(lines) != len(hashes) or len(lines) != entry["rows"] or _sha(data) != entry["sha256"]:
            raise _refuse(f"数据包 {path.name} 已被改动：{name} 的行数或校验值与清单不符（清单 {entry['rows']} 行，"
                          f"实有 {len(lines)} 行）", f"bundle {path.name} was changed: {name} differs from the manifest")
        rows[name] = []
        for i, line in enumerate(lines):
            where = f"数据包 {path.name}：{name} 第 {i + 1} 行"
            try:
                row = _strict_json(line)
            except _Twice as exc:
                raise _refuse(f"{where}中“{validate.shown(exc.key, 40)}”出现两次", f"{name} row {i + 1}: a key twice") from None
            except (ValueError, RecursionError):
                raise _refuse(f"{where}无法读取（不是 JSON）", f"{name} row {i + 1} is unreadable") from None
            if not isinstance(row, dict):
                raise _refuse(f"{where}应为 JSON 对象", f"{name} row {i + 1} is not an object")
            if name != "persons.jsonl" and row.get("office_code") != code:
                raise _refuse(f"{where}的 office_code 为“{validate.shown(row.get('office_code'))}”，不属于经办点 {code}",
                              f"{name} row {i + 1} is not office {code}'s")
            rows[name].append(row)
        bundle_rows.check_rows(path.name, name, rows[name])
    rows.setdefault("changes.jsonl", [])
    if own_code and code == own_code:
        raise _refuse(f"数据包 {path.name} 的 office_code {code} 是本数据文件夹自己的经办点代码：本经办点的案件已在本库中，"
                      f"数据包应在区县导入", f"bundle {path.name} is this folder's own office {code}'s")
    for i, case in enumerate(rows["cases.jsonl"]):
        _check_case_row(path.name, i, case)
    return manifest, rows, _sha(manifest_bytes)


def _which(line: str) -> str:
    try:
        number = json.loads(line).get("receipt_no")
    except (ValueError, AttributeError):
        return ""
    return f"（回执号 {number}）" if number else ""


def _check_case_row(file: str, i: int, case: dict) -> None:
    """A case row's amount columns must be its stored result's (one amount changed is found even
    with a manifest written to match)."""
    try:
        result = from_json_text(case["result"])
        payouts = result["payouts"]
        same = all(str(case[k]) == str(payouts[k]) for k in AMOUNT_CHECKS) and \
            str(case["out_of_pocket"]) == str(result["out_of_pocket"]) and \
            str(case["hospital_borne"]) == str(result["hospital_borne"])
        for key in ("receipt_no", "id_number", "input", "date", "region", "policy_year"):
            case[key]
        numbered = case["receipt_no"] == f"{int(case['receipt_year'])}-{int(case['receipt_seq']):06d}"
    except (KeyError, TypeError, ValueError):
        raise _refuse(f"数据包 {file}：cases.jsonl 第 {i + 1} 行内容不完整", f"cases.jsonl row {i + 1} is incomplete") from None
    if not numbered:
        raise _refuse(f"数据包 {file}：cases.jsonl 第 {i + 1} 行的回执号 {case['receipt_no']} 与其年度、序号不符",
                      f"cases.jsonl row {i + 1}: receipt number {case['receipt_no']} does not match its year and sequence")
    if not same:
        raise _refuse(f"数据包 {file} 已被改动：cases.jsonl 第 {i + 1} 行（回执号 {case['receipt_no']}）的金额与其计算结果不一致",
                      f"bundle {file} was changed: cases.jsonl row {i + 1} ({case['receipt_no']}) amounts differ from its result")


def _chunks(items: list, size: int = 500) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _params(n: int) -> str:
    return ", ".join("?" * n)


def _next_id(db: sqlite_utils.Database, table: str) -> int:
    return next(db.query(f"SELECT coalesce(max(id), 0) + 1 AS n FROM {table}"))["n"]


def _numbered(db: sqlite_utils.Database, table: str, rows: list[tuple]) -> list[tuple]:
    """Rows with their ids given (the next after the table's highest; the import holds the write lock): on
    PostgreSQL an id not given is found per row by a trigger (SQLite's rowid), a query for each of 100,000."""
    first = _next_id(db, table) if rows else 0
    return [(first + i, *row) for i, row in enumerate(rows)]


def _insert_many(db: sqlite_utils.Database, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if rows:
        db.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_params(len(columns))})", rows)


def _differs(stored: dict, row: dict, keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if str(stored[k]) != str(row[k])]


def _persons(db: sqlite_utils.Database, people: list[dict], at: str, report: dict[str, Any]) -> dict[str, int]:
    """Each bundle person's id at the district: found by ID number (a different name is reported, the
    district's kept) or added, with the identity grants the district lacks."""
    found: dict[str, dict] = {}
    for chunk in _chunks([p["id_number"] for p in people]):
        found.update({r["id_number"]: r for r in db.query(
            f"SELECT id, id_number, name FROM persons WHERE id_number IN ({_params(len(chunk))})", chunk)})
    ids: dict[str, int] = {}
    added = []
    next_id = _next_id(db, "persons")
    for p in people:
        if p["id_number"] in ids:
            continue
        if p["id_number"] in found:
            ids[p["id_number"]] = found[p["id_number"]]["id"]
            if found[p["id_number"]]["name"] != p["name"]:
                report["conflicts"].append({
                    "kind": "person", "id_number": _mask(p["id_number"]),
                    "zh": f"身份证号 {_mask(p['id_number'])} 在本库登记为“{found[p['id_number']]['name']}”，"
                          f"数据包中为“{p['name']}”：保留本库的记录"})
        else:
            ids[p["id_number"]] = next_id
            added.append((next_id, *(p.get(k) for k in PERSON_FIELDS), at, at))
            next_id += 1
    _insert_many(db, "persons", ("id",) + PERSON_FIELDS + ("created_at", "updated_at"), added)
    report["persons_added"] += len(added)
    have = set()
    for chunk in _chunks(sorted(set(ids.values()))):
        have.update((r["person_id"], r["identity"], r["granted_on"]) for r in db.query(
            f"SELECT person_id, identity, granted_on FROM person_identities WHERE person_id IN ({_params(len(chunk))})",
            chunk))
    grants = []
    for p in people:
        for g in p.get("identities") or []:
            key = (ids[p["id_number"]], g["identity"], g["granted_on"])
            if key not in have:
                have.add(key)
                grants.append((*key, g.get("ends_on"), g.get("source"), at))
    _insert_many(db, "person_identities", ("id", "person_id", "identity", "granted_on", "ends_on", "source",
                                           "created_at"), _numbered(db, "person_identities", grants))
    return ids


def _stored_cases(db: sqlite_utils.Database, code: str, numbers: list[str]) -> dict[str, dict]:
    """The district's cases of the office under these receipt numbers, by number."""
    out: dict[str, dict] = {}
    known = {r["number"] for r in db.query("SELECT number FROM receipts WHERE office_code = ?", (code,))}
    for chunk in _chunks([n for n in numbers if n in known]):
        out.update({r["receipt_no"]: r for r in db.query(
            "SELECT c.*, p.id_number, r.number AS receipt_no FROM receipts r JOIN cases c ON c.id = r.case_id "
            f"JOIN persons p ON p.id = c.person_id WHERE r.office_code = ? AND r.number IN ({_params(len(chunk))})",
            [code, *chunk])})
    return out


CASE_COLUMNS = ("id", "person_id") + CASE_CONTENT + ("warning_kind", "year_out_of_pocket", "to_pay", "office_code") + \
    CASE_STATE[2:]


def _cases(db: sqlite_utils.Database, code: str, name: str, rows: list[dict], person_ids: dict[str, int],
           operator: str, at: str, report: dict[str, Any]) -> None:
    """The bundle's cases new at the district, added in one batch with their stored results and their
    township's review and payment state; each gets a chained audit row ('import')."""
    stored = _stored_cases(db, code, [r["receipt_no"] for r in rows])
    new = []
    for row in rows:
        if row["receipt_no"] in stored:
            differs = _differs(stored[row["receipt_no"]], row, CASE_CONTENT + ("id_number",))
            if differs:
                report["conflicts"].append({"kind": "case", "receipt_no": row["receipt_no"], "fields": differs,
                                            "zh": f"经办点 {code} 的回执号 {row['receipt_no']} 在本库已有内容不同的案件"
                                                  f"（{'、'.join(differs)} 不同）：未覆盖"})
            else:
                report["cases_skipped"] += 1
            continue
        if row["id_number"] not in person_ids:
            raise _refuse(f"cases.jsonl 中回执号 {row['receipt_no']} 的人员不在 persons.jsonl 中",
                          f"the person of {row['receipt_no']} is not in persons.jsonl")
        stored[row["receipt_no"]] = row      # (a number twice in one bundle: its second row is compared)
        new.append(row)
    if not new:
        return
    case_id, receipt_id = _next_id(db, "cases"), _next_id(db, "receipts")
    cases, receipts, states, entries = [], [], [], []
    for i, row in enumerate(new):
        cid, pid = case_id + i, person_ids[row["id_number"]]
        values = {"id": cid, "person_id": pid, "to_pay": row.get("to_pay"), "office_code": code,
                  **{k: row[k] for k in CASE_COLUMNS if k in row and k not in ("id", "person_id", "office_code")}}
        cases.append(tuple(values.get(k) for k in CASE_COLUMNS))
        receipts.append((receipt_id + i, cid, code, code, row["receipt_year"], row["receipt_seq"], row["receipt_no"]))
        states.append((row["review"], row["reviewed_by"], row["reviewed_at"], row["review_note"], cid))
        entries.append({"at": at, "operator": operator, "action": "import", "case_id": cid, "person_id": pid,
                        "detail": f"导入数据包：{name}（{code}）回执号 {row['receipt_no']}，医疗总费用 {row['total']}"})
    _insert_many(db, "cases", CASE_COLUMNS, cases)
    _insert_many(db, "receipts", ("id", "case_id", "office", "office_code", "year", "seq", "number"), receipts)
    # review as at the township (an insert at a folder without accounts is marked 免审 by its trigger)
    db.conn.executemany("UPDATE cases SET review = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?",
                        [s for s in states if s[0] != "免审"])
    chain.append_many(db, entries)
    report["cases_added"] += len(new)


def import_bundle(store: Store, path: str | Path, *, operator: str) -> dict[str, Any]:
    """Add a bundle's new rows at the district; returns what was added, skipped and in conflict."""
    digest = bundle_digest(path)
    before = store.query("SELECT imported_at, office_code FROM bundle_imports WHERE sha256 = ? ORDER BY id LIMIT 1",
                         (digest,)) if digest else []
    if before:   # the same bundle again: nothing to add (its rows were checked when it was imported)
        names = store.query("SELECT name FROM offices WHERE code = ?", (before[0]["office_code"],))
        return {**_empty(before[0]["office_code"], names[0]["name"] if names else ""),
                "already_imported": before[0]["imported_at"]}
    manifest, rows, digest = read_bundle(path, store.setting(OWN_CODE))
    if store.backend == "postgresql":
        return _import(store, manifest, rows, digest, operator)
    # SQLite: the pages of the twelve indexes on cases kept in memory while a batch goes in (256 MB at most)
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute("PRAGMA cache_size = -262144")
    try:
        return _import(store, manifest, rows, digest, operator)
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(cache)}")


def _import(store: Store, manifest: dict[str, Any], rows: dict[str, list[dict]], digest: str,
            operator: str) -> dict[str, Any]:
    code, name = manifest["office_code"], manifest["office_name"]
    report = _empty(code, name)
    conflicts = report["conflicts"]
    with store.write() as db:
        if store.backend == "postgresql":
            # the triggers' queries planned for the table as it grows in this transaction: a plan cached while
            # receipts was small scans it whole for each of 100,000 rows
            db.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        at = now()
        if not list(db.query("SELECT 1 FROM offices WHERE code = ?", (code,))):
            db["offices"].insert({"code": code, "name": name, "created_at": at, "created_by": operator})
        person_ids = _persons(db, rows["persons.jsonl"], at, report)
        _cases(db, code, name, rows["cases.jsonl"], person_ids, operator, at, report)
        kept = bundle_changes.kept(db, code)
        for row in rows["resettlements.jsonl"]:
            state = {k: row[k] for k in ("receipt_no", "year", "seq") + RESETTLEMENT_CONTENT}
            _kept(db, kept, code, f"resettle:{row['receipt_no']}", row["case_receipt_no"], "resettle", row["created_at"],
                  state, conflicts)
        for row in rows["voids.jsonl"]:
            state = {k: row[k] for k in ("void_reason", "voided_at", "voided_by")}
            _kept(db, kept, code, f"void:{row['receipt_no']}", row["receipt_no"], "void", row["voided_at"], state,
                  conflicts)
        for row in rows["changes.jsonl"]:
            _kept(db, kept, code, f"audit:{row['source_id']}", row["receipt_no"], row["action"], row["at"], row["state"],
                  conflicts)
        bundle_changes.apply_waiting(db, code, name, operator=operator, at=at,
                                     resettlement_content=RESETTLEMENT_CONTENT, report=report)
        seen = {r["source_id"] for r in db.query("SELECT source_id FROM imported_audit WHERE office_code = ?", (code,))}
        columns = ("office_code", "source_id", "at", "operator", "action", "receipt_no", "detail", "row_hash")
        fresh = [tuple(row[k] for k in columns) for row in rows["audit.jsonl"] if row["source_id"] not in seen]
        _insert_many(db, "imported_audit", ("id",) + columns, _numbered(db, "imported_audit", fresh))
        report["audit_added"] = len(fresh)
        added = report["cases_added"] + report["resettlements_added"] + report["voids_added"] + report["changes_applied"]
        db["bundle_imports"].insert({"sha256": digest, "office_code": code, "made_at": manifest["made_at"],
                                     "imported_at": at, "operator": operator, "added": added,
                                     "skipped": report["cases_skipped"], "conflicts": len(conflicts)})
        audit(db, operator, "import-bundle",
              f"导入{name}（{code}）的数据包（{manifest['made_at']} 生成）：新增案件 {report['cases_added']} 件，"
              f"补差 {report['resettlements_added']} 件，作废 {report['voids_added']} 件，其他变更 {report['changes_applied']} 项，"
              f"已有 {report['cases_skipped']} 件，"
              f"冲突 {len(conflicts)} 处", at=at)
    return report


def _kept(db: sqlite_utils.Database, kept: dict[str, str], code: str, source: str, receipt_no: str, action: str,
          at: str, state: dict[str, Any], conflicts: list[dict]) -> None:
    conflict = bundle_changes.keep(db, kept, code, source, receipt_no, action, at, state)
    if conflict:
        conflicts.append(conflict)


def _empty(code: str, name: str) -> dict[str, Any]:
    return {"office_code": code, "office_name": name, "cases_added": 0, "cases_skipped": 0, "resettlements_added": 0,
            "voids_added": 0, "changes_applied": 0, "persons_added": 0, "audit_added": 0, "conflicts": [],
            "waiting": [], "already_imported": None}


def bundle_digest(path: str | Path) -> str | None:
    """The SHA-256 of a bundle's manifest (what names a bundle), or None when it cannot be read (read_bundle
    then says why)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(MANIFEST)
            if info.file_size > MAX_MANIFEST:
                return None
            return _sha(zf.read(info))
    except (KeyError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return None


def _mask(id_number: str) -> str:
    from .persons import mask_id

    return mask_id(id_number)
