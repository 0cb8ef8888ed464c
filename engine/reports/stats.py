"""The year at a glance (the window's 统计 page and the month report's charts):

- per month of the policy year (by settlement date), the money paid per layer: the cases not void,
  plus the 补差 made for them (so a month shows what was actually paid);
- how much of each yearly cap persons have used: for each person, region and cap with a limit,
  the share used after the person's last case of the year, in tenths (0–10 %, …, 90–100 %);
- the number of early warnings by month (cases whose result carries one).

`cap_use_list` lists the (person, cap) pairs of one histogram bar (the 统计 page's click on it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..case import mask_id
from ..errors import InputError
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
    for r in _last_cases(store, year, "json_extract(c.result, '$.caps') AS caps"):
        for cap in json.loads(r["caps"] or "[]"):
            bucket = bucket_of(cap)
            if bucket is not None:
                cap_use[bucket] += 1
    return YearStats(year, paid, cases, cap_use, warnings)


def bucket_of(cap: dict) -> int | None:
    """The tenth of its limit a cap has used (0: 0–10 %, …, 9: 90–100 % and over); None without a limit."""
    if cap.get("limit") in (None, "", "0.00"):
        return None
    share = Decimal(cap["used"]) / Decimal(cap["limit"])
    return min(BUCKETS - 1, max(0, int(share * BUCKETS)))


# The last case (by date, then saving order) of each person and region in the year, not void: its
# stored result's caps are the person's caps after the year so far.
_LAST_IDS = ("SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY person_id, region ORDER BY date DESC, "
             "id DESC) AS k FROM cases WHERE policy_year = ? AND void = 0) WHERE k = 1")


def _last_cases(store: Store, year: int, columns: str) -> list[dict]:
    return store.query(f"SELECT {columns} FROM cases c WHERE c.id IN ({_LAST_IDS})", (year,))


def cap_use_list(store: Store, year: int, bucket: int) -> list[dict]:
    """The (person, cap) pairs of one histogram bar: the person (ID number masked), the cap's name,
    used and limit, the share in percent, and the person's last case of the year (its id, receipt
    number and date), by name then cap."""
    if not 0 <= bucket < BUCKETS:
        raise InputError("bucket", f"限额使用比例分组应为 0 到 {BUCKETS - 1}", f"bucket must be 0..{BUCKETS - 1}")
    out = []
    for r in _last_cases(store, year, _LIST_COLUMNS):
        for cap in json.loads(r["caps"] or "[]"):
            if bucket_of(cap) != bucket:
                continue
            share = (Decimal(cap["used"]) / Decimal(cap["limit"]) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
            out.append({"case_id": r["id"], "receipt_no": r["receipt_no"], "name": r["name"],
                        "id_number": mask_id(r["id_number"]), "region": r["region"], "date": r["date"],
                        "cap": cap["name"], "used": cap["used"], "limit": cap["limit"], "share": f"{share}%"})
    return sorted(out, key=lambda x: (x["name"], x["id_number"], x["region"], x["cap"]))


_LIST_COLUMNS = ("c.id, c.region, c.date, json_extract(c.result, '$.caps') AS caps, "
                 "(SELECT number FROM receipts r WHERE r.case_id = c.id) AS receipt_no, "
                 "(SELECT name FROM persons p WHERE p.id = c.person_id) AS name, "
                 "(SELECT id_number FROM persons p WHERE p.id = c.person_id) AS id_number")
