"""The district's merged years: a person's cases from several offices (imported bundles) replayed
as one year, and the persons whose merged replay differs from what was paid (the district
decides what to do; no 补差 is made at the district)."""
from __future__ import annotations

from typing import Any

from ..money import ZERO, fmt
from .database import Store
from .persons import mask_id
from .resettle import LAYERS, year_differences


def merged_differences(store: Store, year: int) -> list[dict[str, Any]]:
    """Persons of the policy year with non-void cases from more than one office whose merged replay
    differs from what was paid (stored amounts plus 补差): per person and region, the offices, the
    cases that differ and the difference per layer (replay − paid; to_pay their sum)."""
    years = store.query(
        "SELECT c.person_id, c.region, p.name, p.id_number, count(*) AS cases, "
        "count(DISTINCT coalesce(c.office_code, c.office)) AS offices FROM cases c JOIN persons p ON p.id = c.person_id "
        "WHERE c.policy_year = ? AND c.void = 0 GROUP BY c.person_id, c.region, p.name, p.id_number "
        "HAVING count(DISTINCT coalesce(c.office_code, c.office)) > 1 ORDER BY c.person_id, c.region", (year,))
    out = []
    for y in years:
        diffs = year_differences(store, y["person_id"], y["region"], year)
        if not diffs:
            continue
        ids = ",".join(str(case_id) for case_id, _, _ in diffs)
        numbers = {r["id"]: (r["office_code"] or r["office"], r["number"]) for r in store.query(
            f"SELECT c.id, c.office_code, c.office, r.number FROM cases c JOIN receipts r ON r.case_id = c.id "
            f"WHERE c.id IN ({ids})")}
        offices = [r["o"] for r in store.query(
            "SELECT DISTINCT coalesce(office_code, office) AS o FROM cases WHERE person_id = ? AND region = ? "
            "AND policy_year = ? AND void = 0 ORDER BY o", (y["person_id"], y["region"], year))]
        total = {k: sum((d[k] for _, _, d in diffs), ZERO) for k in LAYERS + ("to_pay",)}
        out.append({"id_number": mask_id(y["id_number"]), "name": y["name"], "region": y["region"],
                    "offices": offices, "cases": y["cases"],
                    "differing": [{"case_id": cid, "office_code": numbers[cid][0], "receipt_no": numbers[cid][1],
                                   "to_pay": fmt(d["to_pay"])} for cid, _, d in diffs],
                    "difference": {k: fmt(v) for k, v in total.items()}})
    return out


