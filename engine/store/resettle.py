"""Re-settlement (补差): settling what a later case should have paid after the person's year changed.

A case's stored result never changes. When a void, or a case entered late (dated before cases
already stored), changes what replaying the person's year gives for a later case, that case is
*pending*: what it should pay (the replay) differs from what was paid (its stored result plus
the 补差 records already made for it). Settling it adds one 补差 record with the difference per
layer (positive: pays more; negative: 应退, to be recovered) and in `to_pay`, what this office itself
pays (医疗救助 less what the hospital already paid in one-stop settlement, plus the tilt: case-format.md
"Already paid"; 基本医保 and 大病保险 are the funds' and the insurer's), its own receipt number
from the same series as the cases of the original's office and policy year, the reason, and the
replayed result. So, after settling, what was paid for the year is what the replay gives.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

import sqlite_utils

from ..calculate import calculate_case
from ..case import mask_id, parse_case
from ..codec import from_json_text, result_hash, to_json_text
from .. import validate
from ..errors import InputError
from ..ledger import Ledger
from ..money import ZERO, fmt
from .cases import _case_row, _next_receipt, stored_year
from .database import Store, audit, now
from .offices import imported_codes, refuse_imported
from .review import pay_amount

LAYERS = ("basic", "critical", "assistance", "tilt")
AMOUNTS = LAYERS + ("hospital_borne", "out_of_pocket")


def amounts_of(result: dict[str, Any]) -> dict[str, Decimal]:
    """A result's layer payouts, hospital-borne and out-of-pocket amounts, and what this office pays."""
    payouts = result["payouts"]
    out = {k: Decimal(str(payouts[k])) for k in LAYERS}
    out["hospital_borne"] = Decimal(str(result["hospital_borne"]))
    out["out_of_pocket"] = Decimal(str(result["out_of_pocket"]))
    out["to_pay"] = Decimal(str(result["to_pay"]))
    return out


def paid(db: sqlite_utils.Database, case_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """What was paid for each case: its stored amounts (and what the office paid) plus every 补差 made for it."""
    ids = list(case_ids)
    out: dict[int, dict[str, Decimal]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for r in db.query(f"SELECT id, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, to_pay "
                          f"FROM cases WHERE id IN ({marks})", chunk):
            out[r["id"]] = {k: Decimal(r[k]) for k in AMOUNTS} | {"to_pay": pay_amount(r)}
        for r in db.query(f"SELECT case_id, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, result "
                          f"FROM resettlements WHERE case_id IN ({marks}) ORDER BY id", chunk):
            row = out[r["case_id"]]
            for k in AMOUNTS:
                row[k] += Decimal(r[k])
            row["to_pay"] = _office_paid_after(r, row["to_pay"])
    return out


def _office_paid_after(record: dict[str, Any], before: Decimal) -> Decimal:
    """What the office has paid for a case after one of its 补差 records: after settling, what was
    paid is the replay, so the replayed result's `to_pay`. (Not `before` + the record's `to_pay`
    column: a record made before that column meant only the office's part held the four layers'
    sum.) A replay made before results carried `to_pay` had no one-stop payment: 医疗救助 + 倾斜."""
    result = from_json_text(record["result"])
    if isinstance(result, dict) and "to_pay" in result:
        return Decimal(str(result["to_pay"]))
    return before + Decimal(record["assistance"]) + Decimal(record["tilt"])


def difference(should: dict[str, Decimal], was: dict[str, Decimal]) -> dict[str, Decimal]:
    """should − was per amount and for to_pay (what the office pays more; negative: 应退)."""
    return {k: should[k] - was[k] for k in AMOUNTS + ("to_pay",)}


def _office_money(to_pay: Decimal) -> str:
    """What the office pays or recovers in a 补差, in words."""
    if to_pay > 0:
        return f"补付 {fmt(to_pay)}"
    if to_pay < 0:
        return f"应退 {fmt(-to_pay)}"
    return "本经办点不补付也不追回（差额在基本医保、大病保险或医院已支付部分）"


def _nonzero(diff: dict[str, Decimal]) -> bool:
    return any(diff[k] != 0 for k in AMOUNTS)


def _public(diff: dict[str, Decimal]) -> dict[str, str]:
    """The difference as the CLI prints it: the four layers and to_pay, as strings."""
    return {k: fmt(diff[k]) for k in LAYERS + ("to_pay",)}


def candidate_years(db: sqlite_utils.Database) -> list[tuple[int, str, int]]:
    """The person-years whose replay may differ from what was stored: those with a void case, or with
    a case saved after a case of a later date (a late entry). Every other year replays as stored."""
    rows = db.query(
        "SELECT DISTINCT person_id, region, policy_year FROM cases c WHERE c.void = 1 OR EXISTS ("
        "SELECT 1 FROM cases d WHERE d.person_id = c.person_id AND d.region = c.region "
        "AND d.policy_year = c.policy_year AND d.id < c.id AND d.date > c.date) "
        "ORDER BY person_id, region, policy_year")
    return [(r["person_id"], r["region"], r["policy_year"]) for r in rows]


def year_differences(store: Store, person_id: int, region: str, year: int,
                     db: sqlite_utils.Database | None = None) -> list[tuple[int, dict[str, Any], dict[str, Decimal]]]:
    """(case_id, replayed result, difference) for each case of a person's year whose replay differs
    from what was paid, in the year's order."""
    db = db or store.db
    book = store.book
    ledger = Ledger()
    replayed = [(case_id, calculate_case(case, ledger, book).to_json())
                for case_id, case in stored_year(db, person_id, region, year)]
    was = paid(db, [case_id for case_id, _ in replayed])
    out = []
    for case_id, result in replayed:
        diff = difference(amounts_of(result), was[case_id])
        if _nonzero(diff):
            out.append((case_id, result, diff))
    return out


def pending(store: Store) -> list[dict[str, Any]]:
    """Every case waiting for 补差: {"case_id", "receipt_no", "difference"} and, for lists, who and when.
    Cases of other offices merged at the district are not: their 补差 is their township's (the district
    sees their merged years in merged-differences)."""
    out = []
    for person_id, region, year in candidate_years(store.db):
        for case_id, _, diff in year_differences(store, person_id, region, year):
            out.append((case_id, diff))
    if not out:
        return []
    info = {r["id"]: r for r in store.query(
        "SELECT c.id, c.date, c.region, c.policy_year, c.office, c.office_code, r.number, p.name, p.id_number "
        "FROM cases c JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        f"WHERE c.id IN ({','.join(str(case_id) for case_id, _ in out)})")}
    merged = imported_codes(store.db)
    out = [(case_id, diff) for case_id, diff in out if info[case_id]["office_code"] not in merged]
    return [{"case_id": case_id, "receipt_no": info[case_id]["number"], "difference": _public(diff),
             "name": info[case_id]["name"], "id_number": mask_id(info[case_id]["id_number"]),
             "date": info[case_id]["date"], "region": info[case_id]["region"], "office": info[case_id]["office"]}
            for case_id, diff in sorted(out, key=lambda item: item[0])]


def pending_ids(store: Store, person_id: int, region: str, year: int) -> set[int]:
    return {case_id for case_id, _, _ in year_differences(store, person_id, region, year)}


def settle(store: Store, case_id: int, reason: str, *, operator: str) -> dict[str, Any]:
    """补差 one case: its difference becomes a record with its own receipt number; returns
    {"case_id", "receipt_no", "resettlement_id", "resettlement_receipt_no", "difference"}."""
    operator = validate.account_name(operator, "operator")
    reason = validate.free_text(reason, "reason", "补差原因（--reason）", limit=100)
    with store.write() as db:
        row = _case_row(db, case_id)
        refuse_imported(db, row, "补差")
        if row["void"]:
            raise InputError("CASE_ID", f"案件 {case_id}（回执号 {row['receipt_no']}）已作废，作废的案件不补差",
                             f"case {case_id} is void; a void case is not re-settled")
        found = [(result, diff) for cid, result, diff in
                 year_differences(store, row["person_id"], row["region"], row["policy_year"], db) if cid == case_id]
        if not found:
            raise InputError("CASE_ID", f"案件 {case_id}（回执号 {row['receipt_no']}）已支付的金额与按台账重算的结果一致，无需补差；"
                             "待补差的案件见 cases resettle --pending",
                             f"case {case_id} needs no re-settlement; see cases resettle --pending")
        result, diff = found[0]
        at = now()
        key = row["office_code"] or row["office"]   # the series: the office code, else (none ever set) the name
        seq, number = _next_receipt(db, key, row["policy_year"])
        result_text = to_json_text(result)
        resettlement_id = db["resettlements"].insert({
            "case_id": case_id, "office": key, "office_code": row["office_code"], "year": row["policy_year"],
            "seq": seq, "number": number,
            "reason": reason, **{k: fmt(diff[k]) for k in AMOUNTS + ("to_pay",)}, "result": result_text,
            "policy_version": store.book.version, "operator": operator, "created_at": at,
        }).last_pk
        audit(db, operator, "resettle",
              f"补差：回执号 {number}（原回执号 {row['receipt_no']}），{_office_money(diff['to_pay'])}，原因：{reason}",
              case_id=case_id, person_id=row["person_id"], at=at)
    return {"case_id": case_id, "receipt_no": row["receipt_no"], "resettlement_id": resettlement_id,
            "resettlement_receipt_no": number, "difference": _public(diff)}


def resettlements_of(store: Store, case_id: int) -> list[dict[str, Any]]:
    """The 补差 records of a case, oldest first (amounts as strings, the replayed result parsed)."""
    rows = store.query("SELECT * FROM resettlements WHERE case_id = ? ORDER BY id", (case_id,))
    return [{**r, "result": from_json_text(r["result"]), "result_hash": result_hash(r["result"])} for r in rows]


def resettlement(store: Store, resettlement_id: int) -> dict[str, Any]:
    rows = store.query("SELECT * FROM resettlements WHERE id = ?", (resettlement_id,))
    if not rows:
        raise InputError("RESETTLEMENT_ID", f"没有编号为 {resettlement_id} 的补差记录",
                         f"no re-settlement {resettlement_id}")
    r = rows[0]
    return {**r, "result": from_json_text(r["result"]), "result_hash": result_hash(r["result"])}


def late_entry(store: Store, doc: Any) -> list[dict[str, Any]]:
    """The stored cases a new case would change if saved now (it is dated before them): each with
    the difference its replay would then make to what was paid. Nothing is written."""
    case = parse_case(doc)
    if not case.id_number:
        return []
    rows = store.query("SELECT id FROM persons WHERE id_number = ?", (case.id_number,))
    if not rows:
        return []
    person_id = rows[0]["id"]
    day = case.date.isoformat()
    stored = stored_year(store.db, person_id, case.region, case.year)
    if not any(c.date.isoformat() > day for _, c in stored):
        return []
    book = store.book
    ordered = sorted([(c.date.isoformat(), cid, c) for cid, c in stored] + [(day, float("inf"), case)],
                     key=lambda item: (item[0], item[1]))
    ledger = Ledger()
    replayed = [(cid, calculate_case(c, ledger, book).to_json()) for _, cid, c in ordered]
    later = {cid for cid, c in stored if c.date.isoformat() > day}
    was = paid(store.db, later)
    info = {r["id"]: r for r in store.query(
        f"SELECT c.id, c.date, r.number FROM cases c JOIN receipts r ON r.case_id = c.id "
        f"WHERE c.id IN ({','.join(str(i) for i in later)})")}
    out = []
    for cid, result in replayed:
        if cid in later:
            diff = difference(amounts_of(result), was[cid])
            if _nonzero(diff):
                out.append({"case_id": cid, "receipt_no": info[cid]["number"], "date": info[cid]["date"],
                            "difference": _public(diff)})
    return out


def year_payments(store: Store, person_id: int, region: str, year: int) -> dict[str, Any]:
    """A person's year as paid: each case's stored amounts, its 补差 records, what was paid in all,
    whether it waits for 补差; and the year's totals paid."""
    cases = store.query(
        "SELECT c.id, c.date, r.number FROM cases c JOIN receipts r ON r.case_id = c.id "
        "WHERE c.person_id = ? AND c.region = ? AND c.policy_year = ? AND c.void = 0 ORDER BY c.date, c.id",
        (person_id, region, year))
    ids = [c["id"] for c in cases]
    was = paid(store.db, ids)
    waiting = {cid: diff for cid, _, diff in year_differences(store, person_id, region, year)}
    records: dict[int, list[dict]] = {}
    if ids:
        for r in store.query(f"SELECT id, case_id, number, reason, to_pay, created_at FROM resettlements "
                             f"WHERE case_id IN ({','.join(map(str, ids))}) ORDER BY id"):
            records.setdefault(r["case_id"], []).append(
                {"resettlement_id": r["id"], "receipt_no": r["number"], "reason": r["reason"], "to_pay": r["to_pay"],
                 "created_at": r["created_at"]})
    totals = {k: ZERO for k in AMOUNTS}
    rows = []
    for c in cases:
        for k in AMOUNTS:
            totals[k] += was[c["id"]][k]
        rows.append({"case_id": c["id"], "receipt_no": c["number"], "date": c["date"],
                     "paid": {k: fmt(v) for k, v in was[c["id"]].items()},
                     "resettlements": records.get(c["id"], []),
                     "pending": _public(waiting[c["id"]]) if c["id"] in waiting else None})
    return {"cases": rows, "paid": {k: fmt(v) for k, v in totals.items()}}
