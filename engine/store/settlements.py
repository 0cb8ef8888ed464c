"""The case store's part of importing the insurer's settlement list (engine/settlements/): which
settlement IDs are already imported, who is on the office's 民政名单 on a day, the stored year of a
person as the batch computes it, and saving one chunk of imported cases with their settlement IDs
(one transaction per chunk: a cancelled import keeps the chunks committed before)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from ..case import Case
from .cases import Saved, save_in_order, stored_year
from .database import Store, audit, now
from .persons import FROM_CASE, find_by_id_number, grants


def imported(store: Store, setl_ids: Iterable[str]) -> dict[str, str]:
    """Settlement ID → receipt number, for those of `setl_ids` already imported."""
    ids = list(dict.fromkeys(setl_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        rows = store.query(f"SELECT c.setl_id, r.number FROM cases c JOIN receipts r ON r.case_id = c.id "
                           f"WHERE c.setl_id IN ({','.join('?' * len(part))})", tuple(part))
        out.update({r["setl_id"]: r["number"] for r in rows})
    return out


def listed_person(store: Store, id_number: str, day: dt.date) -> tuple[dict | None, list[str]]:
    """The stored person and the identities the 民政名单 (import-persons, or the person page) grants them on
    `day`; identities only recorded from an earlier case do not count."""
    person = find_by_id_number(store.db, id_number)
    if person is None:
        return None, []
    held = {g.identity for g in grants(store.db, person["id"]) if g.source != FROM_CASE and g.covers(day)}
    from ..case import IDENTITIES

    return person, [code for code in IDENTITIES if code in held]


def year_cases(store: Store, person_id: int, region: str, year: int) -> list[Case]:
    """A person's stored, non-void cases of a region and year, in the ledger's order."""
    return [case for _, case in stored_year(store.db, person_id, region, year)]


def save_chunk(store: Store, items: list[tuple[Case, dict, str]], *, operator: str, office: str) -> list[Saved]:
    """Save (case, normalised input, settlement ID) items in one transaction, in the given order."""
    saved = save_in_order(store, [(case, raw, None, setl_id) for case, raw, setl_id in items],
                          operator=operator, office=office)
    return saved


def record_import(store: Store, operator: str, detail: str) -> None:
    with store.write() as db:
        audit(db, operator, "import-settlements", detail, at=now())


def imported_cases(store: Store, setl_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The stored cases of these settlement IDs (void ones too, marked), by settlement date then saving order,
    each as the 拟发放名单 lists it: person, receipt number, each layer, to_pay, review state."""
    ids = list(dict.fromkeys(setl_ids))
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        out += store.query(
            "SELECT c.id AS case_id, c.setl_id, c.date, c.kind, c.region, c.total, c.policy_scope, c.basic, c.critical, "
            "c.assistance, c.tilt, c.to_pay, c.out_of_pocket, c.review, c.void, c.input, r.number AS receipt_no, "
            "p.name, p.id_number FROM cases c JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
            f"WHERE c.setl_id IN ({','.join('?' * len(part))})", tuple(part))
    return sorted(out, key=lambda r: (r["date"], r["case_id"]))
