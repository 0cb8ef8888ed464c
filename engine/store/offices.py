"""Office codes: the 6-digit 行政区划代码 plus a 2-digit site number (8 digits), never renamed.

Receipt numbers run per office code and year (one series for cases and 补差 records). A code's
name may change (the office is renamed) without its numbers starting again. A data folder where
no code was ever set works as before: its office name is the series (engine/store/cases.py).

An office name used before codes existed ("legacy" rows: cases.office_code is NULL) is bound to a
code by `set_office(code, name)`: its cases, receipts and 补差 records get the code, and the code's
series continues after their numbers. receipts.office keeps the old name there (the chain of the
audit log vouches for it), so a receipt printed before still verifies by its name.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .. import validate
from ..errors import InputError
from . import receipt_marks
from .database import Store, audit, now

CODE_LENGTH = 8
OWN_CODE = "office_code"     # settings: the code of the office this data folder is


def check_code(value: Any, field: str = "CODE") -> str:
    """An office code: exactly 8 digits (6-digit 行政区划代码 + 2-digit site number)."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) != CODE_LENGTH or not all("0" <= ch <= "9" for ch in text):
        raise InputError(field, f"经办点代码应为 8 位数字（6 位行政区划代码 + 2 位站点序号，如 42010601），"
                                f"不能是“{validate.shown(value)}”",
                         f"an office code is 8 digits (6-digit division code + 2-digit site number), not {validate.shown(value)!r}")
    if text[:6] == "000000":
        raise InputError(field, f"经办点代码 {text} 的前 6 位应为行政区划代码（如 420106），不能全为 0",
                         f"the first 6 digits of office code {text} must be an administrative division code")
    return text


def looks_like_code(value: str) -> bool:
    return len(value) == CODE_LENGTH and value.isascii() and value.isdigit()


def list_offices(store: Store) -> list[dict[str, Any]]:
    """Every office code with its name, the names bound to it, its case count, and whether it is this folder's."""
    own = store.setting(OWN_CODE)
    names: dict[str, list[str]] = {}
    for r in store.query("SELECT name, code FROM office_names ORDER BY name"):
        names.setdefault(r["code"], []).append(r["name"])
    counts = {r["office_code"]: r["n"] for r in store.query(
        "SELECT office_code, count(*) AS n FROM cases WHERE office_code IS NOT NULL GROUP BY office_code")}
    return [{"code": r["code"], "name": r["name"], "former_names": [n for n in names.get(r["code"], []) if n != r["name"]],
             "cases": counts.get(r["code"], 0), "own": r["code"] == own, "created_at": r["created_at"]}
            for r in store.query("SELECT * FROM offices ORDER BY code")]


def unbound_names(store: Store) -> list[dict[str, Any]]:
    """Office names in the folder's history with no code yet: each with its case count and years."""
    return [{"name": r["office"], "cases": r["n"], "first": r["first"], "last": r["last"]} for r in store.query(
        "SELECT office, count(*) AS n, min(date) AS first, max(date) AS last FROM cases "
        "WHERE office_code IS NULL GROUP BY office ORDER BY min(id)")]


def resolve(db: sqlite_utils.Database, value: str) -> tuple[str, str | None]:
    """(name, code) of the office a save names by code or by name. A folder with no code at all
    takes any name as before (code None); once codes exist, an unknown name is refused."""
    text = value.strip()
    if looks_like_code(text):
        rows = list(db.query("SELECT name FROM offices WHERE code = ?", (text,)))
        if not rows:
            raise InputError("office", f"经办点代码 {text} 尚未登记：请先执行 python -m engine cases office set {text} 经办点名称",
                             f"office code {text} is not registered; run cases office set {text} NAME first")
        return rows[0]["name"], text
    rows = list(db.query("SELECT code, name FROM offices WHERE name = ? ORDER BY code", (text,)))
    if len(rows) > 1:
        codes = "、".join(r["code"] for r in rows)
        raise InputError("office", f"经办点名称“{text}”对应多个代码（{codes}），请用 --office 指定代码",
                         f"office name {text!r} has several codes ({codes}); give the code")
    if rows:
        return text, rows[0]["code"]
    bound = list(db.query("SELECT o.code, o.name FROM office_names n JOIN offices o ON o.code = n.code "
                          "WHERE n.name = ?", (text,)))
    if bound:
        return bound[0]["name"], bound[0]["code"]
    if next(db.query("SELECT count(*) AS n FROM offices"))["n"]:
        raise InputError("office", f"没有名为“{text}”的经办点：已登记的经办点见 python -m engine cases office list",
                         f"no office named {text!r}; see cases office list")
    return text, None


def series(name: str, code: str | None) -> str:
    """The receipt-number series of an office: its code, else (no code ever set) its name."""
    return code or name


def set_office(store: Store, code: str, name: str, *, operator: str) -> dict[str, Any]:
    """Register a code with its name, or give a code a new name (the code never changes). A name
    in the folder's history without a code is bound to it: its cases and numbers get the code.
    The folder's own office becomes this code when it has none yet."""
    code = check_code(code)
    name = validate.office_name(name, "NAME", "经办点名称")
    with store.write() as db:
        at = now()
        old = list(db.query("SELECT name FROM offices WHERE code = ?", (code,)))
        others = [r["code"] for r in db.query("SELECT code FROM offices WHERE name = ? AND code <> ?", (name, code))]
        if old:
            db.conn.execute("UPDATE offices SET name = ? WHERE code = ?", (name, code))
        else:
            db["offices"].insert({"code": code, "name": name, "created_at": at, "created_by": operator})
        bound = _bind(db, code, name, operator, at)
        own = db.conn.execute("SELECT value FROM settings WHERE key = ?", (OWN_CODE,)).fetchone()
        made_own = own is None
        if made_own:
            db["settings"].upsert({"key": OWN_CODE, "value": code}, pk="key")
            db["settings"].upsert({"key": "office", "value": name}, pk="key")
        elif own[0] == code:
            db["settings"].upsert({"key": "office", "value": name}, pk="key")
        what = (f"经办点代码 {code} 改名：{old[0]['name']} → {name}" if old and old[0]["name"] != name
                else f"经办点代码 {code}：{name}")
        if bound:
            what += f"；此前以“{name}”保存的 {bound} 件案件归入该代码"
        audit(db, operator, "office-set", what, at=at)
    return {"code": code, "name": name, "former_name": old[0]["name"] if old and old[0]["name"] != name else None,
            "bound_cases": bound, "own": made_own or (own is not None and own[0] == code), "same_name_codes": others}


def _bind(db: sqlite_utils.Database, code: str, name: str, operator: str, at: str) -> int:
    """The legacy rows saved under `name` (no code) get `code`; their numbers must not meet the code's."""
    count = db.conn.execute("SELECT count(*) FROM cases WHERE office = ? AND office_code IS NULL", (name,)).fetchone()[0]
    if not count:
        return 0
    legacy = "SELECT year, number FROM {t} WHERE office = ? AND office_code IS NULL"
    mine = "SELECT year, number FROM {t} WHERE office_code = ?"
    theirs = {tuple(r) for t in ("receipts", "resettlements") for r in db.conn.execute(legacy.format(t=t), (name,))}
    clash = sorted(theirs & {tuple(r) for t in ("receipts", "resettlements") for r in db.conn.execute(mine.format(t=t), (code,))})
    if clash:
        number = clash[0][1]
        raise InputError("CODE", f"代码 {code} 下已有回执号 {number}，与此前以“{name}”发出的回执号重复："
                                 f"请为“{name}”另设一个经办点代码",
                         f"code {code} already has receipt {number}, which {name!r} issued before; give {name!r} its own code")
    db.conn.execute("UPDATE cases SET office_code = ? WHERE office = ? AND office_code IS NULL", (code, name))
    db.conn.execute("UPDATE receipts SET office_code = ? WHERE office = ? AND office_code IS NULL", (code, name))
    db.conn.execute("UPDATE resettlements SET office_code = ? WHERE office = ? AND office_code IS NULL", (code, name))
    for key, value in db.conn.execute("SELECT key, value FROM settings WHERE key LIKE ?",
                                      (receipt_marks.FLOOR_PREFIX + "%",)).fetchall():
        year, _, office = key[len(receipt_marks.FLOOR_PREFIX):].partition(":")
        if office == name:
            mine = receipt_marks.floor_key(code, int(year))
            have = db.conn.execute("SELECT value FROM settings WHERE key = ?", (mine,)).fetchone()
            if have is None or int(have[0]) < int(value):
                db["settings"].upsert({"key": mine, "value": value}, pk="key")
    db["office_names"].upsert({"name": name, "code": code, "bound_at": at, "bound_by": operator}, pk="name")
    return count


# ---- cases of other offices, merged at the district -------------------------------------------

IMPORTED_CODES = "SELECT DISTINCT office_code FROM bundle_imports"


def imported_codes(db: sqlite_utils.Database) -> set[str]:
    """The office codes whose cases came in bundles (the district's merged townships)."""
    return {r["office_code"] for r in db.query(IMPORTED_CODES)}


def refuse_imported(db: sqlite_utils.Database, row: dict, what: str) -> None:
    """InputError when the case `row` (with id, office_code, receipt_no) came in a bundle: its review,
    payment, void and 补差 are its township's business; the district lists it and replays the merged year."""
    if row.get("office_code") and row["office_code"] in imported_codes(db):
        raise InputError("CASE_ID", f"案件 {row['id']}（回执号 {row['receipt_no']}）是经办点 {row['office_code']} 由数据包"
                                    f"导入的案件，区县不能{what}：请由该经办点办理，其结果随下一个数据包送达",
                         f"case {row['id']} came in office {row['office_code']}'s bundle; {what} is that office's")
