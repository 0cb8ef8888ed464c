"""What a township did to a case after the case went out in a bundle — a review decision (审核通过,
退回), a payment (发放), a print or reprint (补打), a void, a 补差 — carried by the office's next bundle
and applied at the district.

At the export, `changes.jsonl` holds one row per audit row of those actions since the previous bundle,
with the state the action left (the case's review or payment columns, or the print). At the import
every carried change (and every void and 补差 row) is kept once in imported_changes, keyed by office
code and source, so importing a bundle twice, or the same change in two bundles, keeps it once. Then
the office's changes that wait are applied in the township's order (by time): one whose case is not at
the district yet waits for the bundle that brings it (bundles may be imported in either order); one the
district holds already is `same`; one that meets another state (another payment, another decision, a
different 补差 under the same number) is a conflict, reported and never overwritten. Each change
applied gets a chained audit row at the district.
"""
from __future__ import annotations

from typing import Any, Callable

import sqlite_utils

from ..codec import from_json_text, to_json_text
from .database import audit

REVIEW_STATE = ("review", "reviewed_by", "reviewed_at", "review_note")
PAY_STATE = ("paid_at", "paid_by", "pay_method", "pay_account")
CHANGE_STATE = {"approve": REVIEW_STATE, "return": REVIEW_STATE, "pay": PAY_STATE,
                "print": ("printed_at", "operator", "reprint"), "reprint": ("printed_at", "operator", "reprint")}
ZH = {"approve": "审核通过", "return": "退回", "pay": "发放", "print": "打印回执", "reprint": "补打回执",
      "void": "作废", "resettle": "补差"}


def changes_since(db: sqlite_utils.Database, code: str, last_audit: int, end: str) -> list[dict[str, Any]]:
    """changes.jsonl's rows: the review, payment and print actions on the office's cases after the
    audit row `last_audit` and before `end`, each with the state it left."""
    actions = ", ".join(f"'{a}'" for a in CHANGE_STATE)
    rows = db.query(
        "SELECT a.id, a.at, a.operator AS by, a.action, r.number AS receipt_no, c.review, c.reviewed_by, "
        "c.reviewed_at, c.review_note, c.paid_at, c.paid_by, c.pay_method, c.pay_account "
        "FROM audit a JOIN cases c ON c.id = a.case_id JOIN receipts r ON r.case_id = c.id "
        f"WHERE a.action IN ({actions}) AND a.id > ? AND a.at < ? AND c.office_code = ? ORDER BY a.id",
        (last_audit, end, code))
    out = []
    for r in rows:
        if r["action"] in ("print", "reprint"):
            state = {"printed_at": r["at"], "operator": r["by"], "reprint": int(r["action"] == "reprint")}
        else:
            state = {k: r[k] for k in CHANGE_STATE[r["action"]]}
        out.append({"office_code": code, "source_id": r["id"], "at": r["at"], "action": r["action"],
                    "receipt_no": r["receipt_no"], "state": state})
    return out


def kept(db: sqlite_utils.Database, code: str) -> dict[str, str]:
    """The office's changes kept so far: source -> state (JSON text)."""
    return {r["source"]: r["state"] for r in db.query("SELECT source, state FROM imported_changes WHERE office_code = ?",
                                                      (code,))}


def keep(db: sqlite_utils.Database, known: dict[str, str], code: str, source: str, receipt_no: str, action: str,
         at: str, state: dict[str, Any]) -> dict | None:
    """Keep a carried change once (`known`: kept(), updated here); a conflict (the same source with
    another state) or None."""
    text = to_json_text(state)
    if source not in known:
        db["imported_changes"].insert({"office_code": code, "source": source, "receipt_no": receipt_no,
                                       "action": action, "at": at, "state": text})
        known[source] = text
        return None
    if known[source] == text:
        return None
    return {"kind": action, "receipt_no": receipt_no,
            "zh": f"经办点 {code} 回执号 {receipt_no} 的{ZH[action]}记录与此前导入的不同：保留此前导入的记录"}


def _case(db: sqlite_utils.Database, code: str, number: str) -> dict | None:
    year, _, seq = number.partition("-")
    rows = list(db.query("SELECT c.*, r.id AS receipt_id FROM receipts r JOIN cases c ON c.id = r.case_id "
                         "WHERE r.office_code = ? AND r.year = ? AND r.seq = ?", (code, int(year), int(seq))))
    return rows[0] if rows else None


def _review(db, case: dict, action: str, state: dict) -> str:
    if all(str(case[k]) == str(state[k]) for k in REVIEW_STATE):
        return "same"
    if case["review"] != "待审核" or case["void"]:
        return "conflict"
    db["cases"].update(case["id"], {k: state[k] for k in REVIEW_STATE})
    return "applied"


def _pay(db, case: dict, action: str, state: dict) -> str:
    if all(str(case[k]) == str(state[k]) for k in PAY_STATE):
        return "same"
    if case["paid_at"]:
        return "conflict"
    db["cases"].update(case["id"], {k: state[k] for k in PAY_STATE})
    return "applied"


def _print(db, case: dict, action: str, state: dict) -> str:
    if list(db.query("SELECT 1 FROM receipt_prints WHERE receipt_id = ? AND printed_at = ? AND operator = ? "
                     "AND reprint = ?", (case["receipt_id"], state["printed_at"], state["operator"],
                                         int(state["reprint"])))):
        return "same"
    db["receipt_prints"].insert({"receipt_id": case["receipt_id"], **state, "reprint": int(state["reprint"])})
    return "applied"


def _void(db, case: dict, action: str, state: dict) -> str:
    if case["void"]:
        return "same" if (case["voided_at"], case["void_reason"]) == (state["voided_at"], state["void_reason"]) \
            else "conflict"
    db["cases"].update(case["id"], {"void": 1, **state})
    return "applied"


def _resettle(content: tuple[str, ...]) -> Callable[..., str]:
    def apply(db, case: dict, action: str, state: dict) -> str:
        found = list(db.query("SELECT * FROM resettlements WHERE office_code = ? AND number = ?",
                              (case["office_code"], state["receipt_no"])))
        if found:
            return "same" if all(str(found[0][k]) == str(state[k]) for k in content) else "conflict"
        db["resettlements"].insert({"case_id": case["id"], "office": case["office_code"],
                                    "office_code": case["office_code"], "year": state["year"], "seq": state["seq"],
                                    "number": state["receipt_no"], **{k: state[k] for k in content}})
        return "applied"
    return apply


def apply_waiting(db: sqlite_utils.Database, code: str, name: str, *, operator: str, at: str,
                  resettlement_content: tuple[str, ...], report: dict[str, Any]) -> None:
    """Apply the office's kept changes that wait, in the township's order; count them in `report`
    (voids_added, resettlements_added, changes_applied, conflicts, waiting)."""
    appliers = {"approve": _review, "return": _review, "pay": _pay, "print": _print, "reprint": _print,
                "void": _void, "resettle": _resettle(resettlement_content)}
    counted = {"void": "voids_added", "resettle": "resettlements_added"}
    for row in list(db.query("SELECT * FROM imported_changes WHERE office_code = ? AND applied_at IS NULL "
                             "ORDER BY at, id", (code,))):
        case = _case(db, code, row["receipt_no"])
        what = ZH[row["action"]]
        state = from_json_text(row["state"])
        shown = state["receipt_no"] if row["action"] == "resettle" else row["receipt_no"]
        if case is None:
            report["waiting"].append({"kind": row["action"], "receipt_no": shown,
                                      "zh": f"{what}（回执号 {shown}）所属的案件 {row['receipt_no']} 尚未导入："
                                            "已保存，待该案件的数据包导入后生效"})
            continue
        outcome = appliers[row["action"]](db, case, row["action"], state)
        db["imported_changes"].update(row["id"], {"applied_at": at, "outcome": outcome})
        if outcome == "conflict":
            report["conflicts"].append({"kind": row["action"], "receipt_no": shown,
                                        "zh": f"经办点 {code} 回执号 {shown} 的{what}与本库的记录不同：未覆盖"})
        elif outcome == "applied":
            report[counted.get(row["action"], "changes_applied")] += 1
            action = {"void": "import-void", "resettle": "import-resettle"}.get(row["action"], "import-change")
            audit(db, operator, action, f"导入数据包：{name}（{code}）回执号 {shown} {what}",
                  case_id=case["id"], person_id=case["person_id"], at=at)
