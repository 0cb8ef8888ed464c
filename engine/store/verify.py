"""Checking a printed receipt against the database: the QR code's receipt number, person,
amounts and result hash must be what is stored, and the case must not have been voided.
Codes of every earlier format (SCJ/1) still verify.

The amounts are checked twice: against the stored result and against the case row's own amount
columns (what lists, reports and the 发放名单 read), so an amount column edited with `sqlite3`
is caught even while the stored result is left alone. The person (masked ID number and name,
SCJ/2) is read from the persons table as it stands: a name or ID number edited there is caught."""
from __future__ import annotations

from typing import Any

from ..receipt import payload
from .cases import show_case
from .database import Store
from .persons import mask_id

# The QR code's amounts and the case row's columns holding the same amount.
AMOUNT_COLUMNS = {"total": "total", "basic": "basic", "critical": "critical", "assistance": "assistance",
                  "tilt": "tilt", "oop": "out_of_pocket"}


def _column_problems(store: Store, case_id: int, code: dict[str, str]) -> list[str]:
    """Where the case row's amount columns differ from the code's amounts."""
    row = store.query(f"SELECT {', '.join(AMOUNT_COLUMNS.values())} FROM cases WHERE id = ?", (case_id,))[0]
    return [f"{payload.LABELS[key]}：回执上为 {code.get(key, '（无）')}，数据库案件记录中为 {row[column]}"
            for key, column in AMOUNT_COLUMNS.items() if code.get(key) != row[column]]


def verify(store: Store, text: str) -> dict[str, Any]:
    """{"ok": bool, "case_id", "receipt_no", "void", "problems": [...]} for a QR code's text.
    ok is True only for a genuine receipt of a case that stands (not void)."""
    try:
        code = payload.parse(text)
    except ValueError as exc:
        return {"ok": False, "case_id": None, "receipt_no": None, "void": None,
                "problems": [f"二维码内容无法识别：{exc}"]}
    if code.get("code"):   # a receipt of an office with a code: its number is the code's
        rows = store.query("SELECT case_id FROM receipts WHERE office_code = ? AND number = ?", (code["code"], code["no"]))
        where = f"经办点代码 {code['code']}"
    else:                  # printed before the office had a code: by the office name it was saved under
        rows = store.query("SELECT case_id FROM receipts WHERE office = ? AND number = ?", (code["office"], code["no"]))
        where = f"经办机构“{code['office']}”"
    if not rows:
        return {"ok": False, "case_id": None, "receipt_no": code["no"], "void": None,
                "problems": [f"本数据库中没有{where}的回执 {code['no']}"]}
    stored = show_case(store, rows[0]["case_id"])
    want = payload.amounts(stored["input"], stored["result"])
    problems = []
    if str(stored["case_id"]) != code["case"]:
        problems.append(f"案件编号：回执上为 {code['case']}，数据库中为 {stored['case_id']}")
    if code["format"] != payload.OLD_MAGIC:
        if code["id"] != mask_id(stored["id_number"]):
            problems.append(f"身份证号：回执上为 {code['id']}，数据库中为 {mask_id(stored['id_number'])}")
        if code["name"] != stored["name"]:
            problems.append(f"姓名：回执上为 {code['name']}，数据库中为 {stored['name']}")
    for key in (*payload.AMOUNT_KEYS, "to_pay"):
        if key in code or key in want:
            if code.get(key) != want.get(key):
                problems.append(f"{payload.LABELS[key]}：回执上为 {code.get(key, '（无）')}，数据库中为 {want.get(key, '（无）')}")
    problems += _column_problems(store, stored["case_id"], code)
    if not payload.matches_hash(code, stored["result_hash"]):
        problems.append("计算结果的校验码与数据库不一致（回执内容可能被改动）")
    if stored["void"]:
        problems.append(f"该回执已作废：{(stored['voided_at'] or '')[:10]} 由 {stored['voided_by'] or ''} 作废，"
                        f"原因：{stored['void_reason'] or '未注明'}")
    return {"ok": not problems, "case_id": stored["case_id"], "receipt_no": stored["receipt_no"],
            "void": stored["void"], "problems": problems}
