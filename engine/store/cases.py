"""Saving, voiding and reading cases.

A case is computed against the person's ledger for its region and policy year *as
stored*: the ledger is rebuilt by replaying the person's non-void cases of that year in
the order of their settlement dates (saving order within a day; calculate.Year). So saving
a year's cases one by one gives what `python -m engine calc` gives for the list, and a void
case drops out of every later computation. A case entered late (dated before cases already
stored) is computed on the cases dated up to its own date, and changes the results of the
later ones: those are settled by 补差 (engine/store/resettle.py), never rewritten. The case,
its result, its receipt number and the audit entry are committed in one transaction; a list
of cases too, all or nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlite_utils

from .. import clock
from ..calculate import Result, calculate_case, is_list
from .. import validate
from ..case import Case, normalised, parse_case
from ..codec import from_json_text, result_hash, to_json_text
from ..errors import InputError
from ..ledger import Ledger
from ..policy import PolicyBook
from . import receipt_marks
from .database import Store, audit, now
from .offices import refuse_imported, resolve as resolve_office, series
from .persons import check_case_identities, upsert_person


@dataclass(frozen=True, slots=True)
class Saved:
    case_id: int
    receipt_no: str
    result: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "receipt_no": self.receipt_no, "result": self.result}




def parse_for_save(doc: Any) -> list[tuple[Case, dict]]:
    """One CASE or {"cases": [...]} (any persons), each with an ID number and a name; all checked first.
    Each case comes with its input in the normalised form a save stores."""
    batch = is_list(doc)
    if batch:
        if set(doc) != {"cases"} or not isinstance(doc["cases"], list) or not doc["cases"]:
            raise InputError("cases", "应为 {\"cases\": [案件, …]}，且列表非空", 'expected {"cases": [CASE, ...]}, non-empty')
        validate.case_count(doc["cases"])
        raws = doc["cases"]
    else:
        raws = [doc]
    out = []
    for i, raw in enumerate(raws):
        try:
            case = parse_case(raw)
            if not case.id_number:
                raise InputError("person.id_number", "保存案件需要身份证号", "an ID number is required to save a case")
            if not case.name:
                raise InputError("person.name", "保存案件需要姓名", "a name is required to save a case")
            check_savable(case)
        except InputError as exc:
            raise (exc.within(f"cases[{i}]") if batch else exc) from None
        out.append((case, normalised(raw, case)))  # what is stored is what parsing accepted
    return out


def check_savable(case: Case) -> None:
    """What `calc` and a trial receipt accept but a saved case, with its receipt number, may not:
    a settlement date after today (the program's clock), or a bill of nothing."""
    today = clock.today()
    if case.date > today:
        raise InputError("date", f"结算日期 {case.date} 晚于今天（{today}）：尚未发生的结算不能保存，请核对结算单日期",
                         f"settlement date {case.date} is after today ({today}); a future settlement cannot be saved")
    if case.total <= 0:
        raise InputError("amounts.total", "医疗总费用为 0：没有可结算的费用，不生成回执号；请按结算单填写医疗总费用",
                         "the total is 0: nothing to settle, no receipt number is issued")


def stored_year(db: sqlite_utils.Database, person_id: int, region: str, year: int,
                until: str | None = None) -> list[tuple[int, Case]]:
    """A person's non-void cases of a region and policy year, by settlement date then saving order
    (`until`: only those dated on or before that ISO date)."""
    rows = db.query("SELECT id, input FROM cases WHERE person_id = ? AND region = ? AND policy_year = ? AND void = 0 "
                    + ("AND date <= ? " if until else "") + "ORDER BY date, id",
                    (person_id, region, year) + ((until,) if until else ()))
    return [(r["id"], parse_case(from_json_text(r["input"]), stored=True)) for r in rows]


def replay(db: sqlite_utils.Database, person_id: int, region: str, year: int,
           book: PolicyBook, until: str | None = None) -> tuple[Ledger, list[tuple[int, Result]]]:
    """The year's ledger rebuilt from the stored cases (dated up to `until`), with each case's result on it."""
    ledger = Ledger()
    results = [(case_id, calculate_case(case, ledger, book))
               for case_id, case in stored_year(db, person_id, region, year, until)]
    return ledger, results


def _next_receipt(db: sqlite_utils.Database, series: str, year: int) -> tuple[int, str]:
    """The next number of a series (an office code, or the name of an office without one) and year,
    one series for cases and 补差 records: after the highest stored one (an office code's series
    includes the rows of the names bound to it: engine/store/offices.py) and after the floor a
    restore of an older backup left (receipt_marks), so no number is ever issued twice."""
    highest = " ".join(f"coalesce((SELECT max(seq) FROM {table} WHERE {column} = ? AND year = ?), 0),"
                       for table in ("receipts", "resettlements") for column in ("office", "office_code"))
    row = next(db.query(f"SELECT max({highest} "   # each by its index: the highest, not every row of the year
                        "coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?), 0)) + 1 AS seq",
                        (series, year) * 4 + (receipt_marks.floor_key(series, year),)))
    return row["seq"], f"{year}-{row['seq']:06d}"


def _save_one(db: sqlite_utils.Database, book: PolicyBook, case: Case, raw: dict, operator: str, office: str,
              index: int | None, code: str | None = None, setl_id: str | None = None) -> Saved:
    """One case saved in the open transaction under the office `office` (its name) with its code (None:
    numbered by the name); `setl_id`: the settlement list's ID of an imported case."""
    office_name = office
    at = now()
    try:
        told = raw.get("person") or {}
        person_id = upsert_person(db, case.id_number, case.name, at,
                                  insurance=case.insurance if "insurance" in told else None,
                                  rural=case.rural if "rural" in told else None)
        check_case_identities(db, person_id, case, at)
        ledger, _ = replay(db, person_id, case.region, case.year, book, until=case.date.isoformat())
        result = calculate_case(case, ledger, book)
    except InputError as exc:
        raise (exc.within(f"cases[{index}]") if index is not None else exc) from None
    data = result.to_json()
    payouts = data["payouts"]
    warning = result.early_warning or {}
    case_id = db["cases"].insert({
        "person_id": person_id, "region": case.region, "policy_year": case.year, "date": case.date.isoformat(),
        "kind": case.kind, "input": to_json_text(raw), "result": to_json_text(data),
        "policy_version": book.version, "total": str(case.total), "policy_scope": str(case.policy_scope),
        "basic": payouts["basic"], "critical": payouts["critical"], "assistance": payouts["assistance"],
        "tilt": payouts["tilt"], "hospital_borne": data["hospital_borne"], "out_of_pocket": data["out_of_pocket"],
        "to_pay": data["to_pay"], "setl_id": setl_id,
        "warning_kind": warning.get("kind"), "year_out_of_pocket": warning.get("year_out_of_pocket"),
        "operator": operator, "office": office_name, "office_code": code, "created_at": at,
    }).last_pk
    key = series(office_name, code)
    seq, number = _next_receipt(db, key, case.year)
    db["receipts"].insert({"case_id": case_id, "office": key, "office_code": code, "year": case.year, "seq": seq,
                           "number": number})
    audit(db, operator, "save", f"保存案件，回执号 {number}，医疗总费用 {case.total}", case_id=case_id,
          person_id=person_id, at=at)
    return Saved(case_id, number, data)


def preview_case(store: Store, doc: Any) -> dict[str, Any]:
    """What saving one case would give now, against the person's stored year; nothing is written.
    Without an ID number (or for a person not yet stored) the year starts empty."""
    case = parse_case(doc)
    ledger = Ledger()
    if case.id_number:
        rows = store.query("SELECT id FROM persons WHERE id_number = ?", (case.id_number,))
        if rows:
            ledger, _ = replay(store.db, rows[0]["id"], case.region, case.year, store.book,
                               until=case.date.isoformat())
    return calculate_case(case, ledger, store.book).to_json()


def save_cases(store: Store, doc: Any, *, operator: str, office: str,
               on_saved: Callable[[Saved], None] | None = None) -> list[Saved]:
    """Save one case or a list, in one transaction: a bad case anywhere in a list, or a
    conflicting save by another window while it runs, saves nothing. `on_saved` is called for
    each case after the commit. The data folder's receipt-number marks are raised within the
    transaction (under its write lock)."""
    operator = validate.account_name(operator, "operator")
    office = validate.office_name(office, "office")
    items = parse_for_save(doc)
    index = (lambda i: i) if is_list(doc) else (lambda i: None)
    saved = save_in_order(store, [(case, raw, index(i), None) for i, (case, raw) in enumerate(items)],
                          operator=operator, office=office)
    if on_saved:
        for one in saved:
            on_saved(one)
    return saved


def save_in_order(store: Store, items: list[tuple[Case, dict, int | None, str | None]], *, operator: str,
                  office: str) -> list[Saved]:
    """Save (case, normalised input, index in the list, settlement ID) items in one transaction, in the
    given order, numbered in the office's series (its code's, once it has one). The data folder's
    receipt-number marks are raised within the transaction (under its write lock)."""
    with store.write() as db:
        book = store.book
        named = resolve_office(db, office)
        saved = [_save_one(db, book, case, raw, operator, named[0], index, named[1], setl_id)
                 for case, raw, index, setl_id in items]
        if store.backend == "sqlite":   # (the marks guard a restored SQLite file; a server keeps its own)
            key = series(*named)
            receipt_marks.raise_to(store.folder, {(key, year): _next_receipt(db, key, year)[0] - 1
                                                  for year in {item[0].year for item in items}})
    return saved


def _case_row(db: sqlite_utils.Database, case_id: int) -> dict:
    rows = list(db.query("SELECT c.*, r.number AS receipt_no, r.id AS receipt_id, p.id_number, p.name "
                         "FROM cases c JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
                         "WHERE c.id = ?", (case_id,)))
    if not rows:
        raise InputError("CASE_ID", f"没有编号为 {case_id} 的案件，请用 list 命令查找案件编号",
                         f"no case {case_id}; find case numbers with the list command")
    return rows[0]


def void_case(store: Store, case_id: int, reason: str, *, operator: str) -> dict[str, Any]:
    """作废: the case stays, marked void, and leaves the ledger. Later cases of the same person
    and year whose results would now differ are listed (they are not changed)."""
    operator = validate.account_name(operator, "operator")
    reason = validate.free_text(reason, "reason", "作废原因（--reason）", limit=100)
    with store.write() as db:
        row = _case_row(db, case_id)
        refuse_imported(db, row, "作废")
        if row["void"]:
            raise InputError("CASE_ID", f"案件 {case_id}（回执号 {row['receipt_no']}）已于 {row['voided_at']} 作废，不能重复作废",
                             f"case {case_id} is already void")
        at = now()
        db["cases"].update(case_id, {"void": 1, "void_reason": reason, "voided_at": at, "voided_by": operator})
        audit(db, operator, "void", f"作废：{reason}", case_id=case_id, person_id=row["person_id"], at=at)
        _, results = replay(db, row["person_id"], row["region"], row["policy_year"], store.book)
        stored = {r["id"]: from_json_text(r["result"]) for r in db.query(
            "SELECT id, result FROM cases WHERE person_id = ? AND region = ? AND policy_year = ? AND void = 0 "
            "AND (date > ? OR (date = ? AND id > ?))",   # later in the year's order: by date, then saving
            (row["person_id"], row["region"], row["policy_year"], row["date"], row["date"], case_id))}
    changed = []
    for later_id, result in results:
        if later_id in stored:
            now_payouts = result.to_json()["payouts"]
            if now_payouts != stored[later_id]["payouts"]:
                changed.append({"case_id": later_id, "stored": stored[later_id]["payouts"], "recomputed": now_payouts})
    return {"case_id": case_id, "receipt_no": row["receipt_no"], "later_changed": changed}


def record_print(store: Store, case_id: int, *, operator: str, reprint: bool) -> dict[str, Any]:
    """A receipt was printed (or reprinted, 补打); returns the case as `show` gives it."""
    operator = validate.account_name(operator, "operator")
    with store.write() as db:
        row = _case_row(db, case_id)
        db["receipt_prints"].insert({"receipt_id": row["receipt_id"], "printed_at": now(), "operator": operator,
                                     "reprint": int(reprint)})
        audit(db, operator, "reprint" if reprint else "print", f"{'补打' if reprint else '打印'}回执 {row['receipt_no']}",
              case_id=case_id, person_id=row["person_id"])
    return show_case(store, case_id)


def show_case(store: Store, case_id: int) -> dict[str, Any]:
    row = _case_row(store.db, case_id)
    prints = store.query("SELECT printed_at, operator, reprint FROM receipt_prints WHERE receipt_id = ? ORDER BY id",
                         (row["receipt_id"],))
    entries = store.query("SELECT at, operator, action, detail FROM audit WHERE case_id = ? ORDER BY id", (case_id,))
    return {
        "case_id": row["id"], "receipt_no": row["receipt_no"], "id_number": row["id_number"], "name": row["name"],
        "region": row["region"], "policy_year": row["policy_year"], "date": row["date"],
        "operator": row["operator"], "office": row["office"], "office_code": row["office_code"],
        "created_at": row["created_at"],
        "policy_version": row["policy_version"],
        "void": bool(row["void"]), "void_reason": row["void_reason"], "voided_at": row["voided_at"],
        "voided_by": row["voided_by"],
        "input": from_json_text(row["input"]), "result": from_json_text(row["result"]),
        "result_hash": result_hash(row["result"]),
        "prints": [{"printed_at": p["printed_at"], "operator": p["operator"], "reprint": bool(p["reprint"])} for p in prints],
        "audit": entries,
    }
