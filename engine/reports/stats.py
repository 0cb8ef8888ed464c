"""The year at a glance (the window's 统计 page and the month report's charts):

- per month of the policy year (by settlement date), the money paid per layer: the cases not void,
  plus the 补差 made for them (so a month shows what was actually paid);
- how much of each yearly cap persons have used: for each person, region and cap with a limit,
  the share used after the person's last case of the year, in tenths (0–10 %, …, 90–100 %);
- the number of early warnings by month (cases whose result carries one).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from ..money import ZERO
from ..store.database import Store

LAYERS = ("basic", "critical", "assistance", "tilt")
BUCKETS = 10


@dataclass
class YearStats:
    year: int
    paid: list[dict[str, Decimal]]   # 12 months × layer
    cases: list[int]                 # 12 months: cases (not void)
    cap_use: list[int]               # BUCKETS: (person, cap) pairs by share used
    warnings: list[int]              # 12 months

    def month_total(self, month: int) -> Decimal:
        return sum(self.paid[month - 1].values(), ZERO)


def year_stats(store: Store, year: int) -> YearStats:
    paid = [{k: ZERO for k in LAYERS} for _ in range(12)]
    cases = [0] * 12
    warnings = [0] * 12
    # amounts are stored as text with two decimals: summed exactly as whole fen (integers) in SQL
    fen = ", ".join(f"sum(CAST(round(CAST({k} AS REAL) * 100) AS INTEGER)) AS {k}" for k in LAYERS)
    for r in store.query(
            f"SELECT CAST(substr(date, 6, 2) AS INTEGER) AS m, count(*) AS n, count(warning_kind) AS w, {fen} "
            "FROM cases WHERE policy_year = ? AND void = 0 GROUP BY m", (year,)):
        month = paid[r["m"] - 1]
        for key in LAYERS:
            month[key] += Decimal(r[key]).scaleb(-2)
        cases[r["m"] - 1] = r["n"]
        warnings[r["m"] - 1] = r["w"]
    for r in store.query(
            "SELECT CAST(substr(c.date, 6, 2) AS INTEGER) AS m, s.basic, s.critical, s.assistance, s.tilt "
            "FROM resettlements s CROSS JOIN cases c ON c.id = s.case_id WHERE c.policy_year = ? AND c.void = 0", (year,)):
        for key in LAYERS:
            paid[r["m"] - 1][key] += Decimal(r[key])
    cap_use = [0] * BUCKETS
    # the caps after each person's last case of the year (per region): the stored result's caps
    for r in store.query(
            "SELECT json_extract(result, '$.caps') AS caps FROM cases WHERE id IN (SELECT id FROM ("
            "SELECT id, row_number() OVER (PARTITION BY person_id, region ORDER BY date DESC, id DESC) AS k "
            "FROM cases WHERE policy_year = ? AND void = 0) WHERE k = 1)", (year,)):
        for cap in json.loads(r["caps"] or "[]"):
            if cap.get("limit") in (None, "", "0.00"):
                continue
            share = Decimal(cap["used"]) / Decimal(cap["limit"])
            cap_use[min(BUCKETS - 1, max(0, int(share * BUCKETS)))] += 1
    return YearStats(year, paid, cases, cap_use, warnings)
