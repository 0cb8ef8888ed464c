"""日结: what an office did on one day, by the recorded time of each action (saving, voiding,
补差, printing), not by the settlement dates of the cases: per operator the cases saved and their
sums per layer, the voids with their reasons, the reprints, the 补差 paid and to be recovered, and
the payments (发放) recorded that day, counted and summed per method and operator.

A day's report stays the same when made again later: a case saved that day is counted among that
day's saved cases even if it is voided on another day (that void is in the other day's report).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..money import ZERO
from ..store.database import Store
from ..store.persons import mask_id
from ..store.review import METHODS, mask_account, pay_amount
from .review_note import review_note

# The sums per layer, in the report's column order, with the breakdown's names.
SUMS = ("total", "basic", "critical", "assistance", "tilt", "out_of_pocket", "hospital_borne")
SUM_NAMES = {"total": "医疗总费用", "basic": "基本医保", "critical": "大病保险", "assistance": "医疗救助",
             "tilt": "倾斜/再救助/托底", "out_of_pocket": "个人自付", "hospital_borne": "医疗机构承担"}


def zero_sums() -> dict[str, Decimal]:
    return {k: ZERO for k in SUMS}


@dataclass
class OperatorDay:
    operator: str
    cases: int = 0
    sums: dict[str, Decimal] = field(default_factory=zero_sums)
    voids: int = 0
    reprints: int = 0
    resettled_paid: Decimal = ZERO        # 补差 paid out (positive differences)
    resettled_recovered: Decimal = ZERO   # 补差 to be recovered (应退, as a positive amount)
    payments: int = 0                     # 发放 recorded
    paid: Decimal = ZERO                  # their amount


@dataclass
class MethodRow:
    """Payments of one method, by one operator (or 合计 over the operators)."""
    operator: str
    method: str
    count: int = 0
    amount: Decimal = ZERO


@dataclass
class DayReport:
    day: dt.date
    office: str | None
    operators: list[OperatorDay]
    totals: OperatorDay
    cases: list[dict[str, Any]]
    voids: list[dict[str, Any]]
    reprints: list[dict[str, Any]]
    resettlements: list[dict[str, Any]]
    payments: list[dict[str, Any]] = field(default_factory=list)
    by_method: list[MethodRow] = field(default_factory=list)   # per operator and method, then 合计 per method
    review_off: str = ""      # when review was switched off that day (engine/reports/review_note.py)

    @property
    def title(self) -> str:
        return f"{self.office or '全部经办机构'} {self.day.isoformat()} 日结报表"


def _range(day: dt.date) -> tuple[str, str]:
    """Recorded times are ISO text beginning with the local date: that day's are within [day, day+1)."""
    return day.isoformat(), (day + dt.timedelta(days=1)).isoformat()


def day_report(store: Store, day: dt.date, office: str | None = None) -> DayReport:
    start, end = _range(day)
    where_office = " AND (c.office = ? OR c.office_code = ?)" if office else ""   # by name or by office code
    extra = (office, office) if office else ()
    cases = store.query(
        "SELECT c.id, r.number, p.name, p.id_number, c.date, c.created_at, c.operator, c.office, c.void, "
        "c.total, c.basic, c.critical, c.assistance, c.tilt, c.out_of_pocket, c.hospital_borne FROM cases c "
        "JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        "WHERE c.created_at >= ? AND c.created_at < ?" + where_office + " ORDER BY c.created_at, c.id",
        (start, end, *extra))
    voids = store.query(
        "SELECT c.id, r.number, p.name, p.id_number, c.date, c.voided_at, c.voided_by, c.void_reason, c.office, "
        "c.total, c.basic, c.critical, c.assistance, c.tilt, c.out_of_pocket, c.hospital_borne FROM cases c "
        "JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        "WHERE c.void = 1 AND c.voided_at >= ? AND c.voided_at < ?" + where_office + " ORDER BY c.voided_at, c.id",
        (start, end, *extra))
    reprints = store.query(
        "SELECT c.id, r.number, p.name, rp.printed_at, rp.operator FROM receipt_prints rp "
        "JOIN receipts r ON r.id = rp.receipt_id JOIN cases c ON c.id = r.case_id JOIN persons p ON p.id = c.person_id "
        "WHERE rp.reprint = 1 AND rp.printed_at >= ? AND rp.printed_at < ?"
        + where_office + " ORDER BY rp.printed_at, rp.id", (start, end, *extra))
    settled = store.query(
        "SELECT s.id, s.number, s.case_id, r.number AS case_receipt_no, p.name, s.reason, s.operator, s.created_at, "
        "s.basic, s.critical, s.assistance, s.tilt, s.to_pay FROM resettlements s "
        "JOIN receipts r ON r.case_id = s.case_id JOIN cases c ON c.id = s.case_id JOIN persons p ON p.id = c.person_id "
        "WHERE s.created_at >= ? AND s.created_at < ?" + where_office
        + " ORDER BY s.created_at, s.id", (start, end, *extra))
    payments = store.query(
        "SELECT c.id, r.number, p.name, p.id_number, a.at AS recorded_at, a.operator, c.paid_at, c.pay_method, "
        "c.pay_account, c.office, c.assistance, c.tilt, c.to_pay FROM audit a JOIN cases c ON c.id = a.case_id "
        "JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        "WHERE a.action = 'pay' AND a.at >= ? AND a.at < ?" + where_office + " ORDER BY a.at, a.id",
        (start, end, *extra))

    people: dict[str, OperatorDay] = {}

    def of(name: str) -> OperatorDay:
        if name not in people:
            people[name] = OperatorDay(name)
        return people[name]

    for c in cases:
        row = of(c["operator"])
        row.cases += 1
        for k in SUMS:
            row.sums[k] += Decimal(c[k])
    for v in voids:
        of(v["voided_by"]).voids += 1
    for p in reprints:
        of(p["operator"]).reprints += 1
    for s in settled:
        amount = Decimal(s["to_pay"])
        row = of(s["operator"])
        if amount >= 0:
            row.resettled_paid += amount
        else:
            row.resettled_recovered -= amount
    methods: dict[tuple[str, str], MethodRow] = {}
    for pay in payments:
        pay["amount"] = pay_amount(pay)
        pay["pay_account"] = mask_account(pay["pay_account"])
        row = of(pay["operator"])
        row.payments += 1
        row.paid += pay["amount"]
        for who in (pay["operator"], "合计"):
            method = methods.setdefault((who, pay["pay_method"]), MethodRow(who, pay["pay_method"]))
            method.count += 1
            method.amount += pay["amount"]
    operators = [people[k] for k in sorted(people)]
    totals = OperatorDay("合计")
    for row in operators:
        totals.cases += row.cases
        for k in SUMS:
            totals.sums[k] += row.sums[k]
        totals.voids += row.voids
        totals.reprints += row.reprints
        totals.resettled_paid += row.resettled_paid
        totals.resettled_recovered += row.resettled_recovered
        totals.payments += row.payments
        totals.paid += row.paid

    def order(key: tuple[str, str]) -> tuple:
        who, method = key
        return who == "合计", who, METHODS.index(method) if method in METHODS else len(METHODS), method
    by_method = [methods[k] for k in sorted(methods, key=order)]
    for group in (cases, voids, payments):
        for r in group:
            r["id_number"] = mask_id(r["id_number"])
    return DayReport(day, office, operators, totals, cases, voids, reprints, settled, payments, by_method,
                     review_off=review_note(store, start, end))
