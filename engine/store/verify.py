"""Checking a printed receipt against the database: the QR code's receipt number, amounts
and result hash must be what is stored."""
from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..receipt import payload
from .cases import show_case
from .database import Store


def verify(store: Store, text: str) -> dict[str, Any]:
    """{"ok": bool, "case_id", "receipt_no", "void", "problems": [...]} for a QR code's text."""
    try:
        code = payload.parse(text)
    except ValueError as exc:
        raise InputError("QR", str(exc), "not the QR code of this program's receipt") from None
    rows = store.query("SELECT case_id FROM receipts WHERE office = ? AND number = ?", (code["office"], code["no"]))
    if not rows:
        return {"ok": False, "case_id": None, "receipt_no": code["no"], "void": None,
                "problems": [f"本数据库中没有经办机构“{code['office']}”的回执 {code['no']}"]}
    stored = show_case(store, rows[0]["case_id"])
    want = payload.amounts(stored["input"], stored["result"])
    problems = [f"{key} 回执上为 {code[key]}，数据库中为 {want[key]}" for key in payload.AMOUNT_KEYS if code[key] != want[key]]
    if code["hash"] != stored["result_hash"]:
        problems.append("计算结果的校验值与数据库不一致")
    if str(stored["case_id"]) != code["case"]:
        problems.append(f"案件编号回执上为 {code['case']}，数据库中为 {stored['case_id']}")
    return {"ok": not problems, "case_id": stored["case_id"], "receipt_no": stored["receipt_no"],
            "void": stored["void"], "problems": problems}
