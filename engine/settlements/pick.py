"""The wizard's 从结算单导入: a settlement list's rows as the clerk picks one (by ID number or name),
each with what it fills on the 就诊 and 费用 pages; nothing is written and the clerk still confirms."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..policy import PolicyBook
from .slips import Rejected, kind_for, parse_sheet, read_sheet


def rows_for_wizard(path: str | Path, book: PolicyBook, region: str) -> list[dict[str, Any]]:
    """Every data row: {"row", "setl_id", "id_number", "name", "date", "visit", "amounts", "marks"} for a usable
    row, {"row", "reason"} (and what could be read) for one that is not. InputError when the file is unusable."""
    out: list[dict[str, Any]] = []
    for number, item in parse_sheet(read_sheet(path)):
        if isinstance(item, Rejected):
            out.append({"row": number, "reason": str(item)})
            continue
        visit: dict[str, Any] = {"kind": kind_for(item, region, book), "referral": item.referral,
                                 "in_province": item.in_province, "in_district": item.in_district,
                                 "diseases": list(item.diseases)}
        if item.hospital_level is not None:
            visit["hospital_level"] = item.hospital_level
        out.append({"row": number, "setl_id": item.setl_id, "id_number": item.id_number, "name": item.name,
                    "date": item.date.isoformat(), "insurance": item.insurance, "hospital": item.hospital,
                    "visit": visit,
                    "amounts": {"total": f"{item.total:.2f}", "policy_scope": f"{item.policy_scope:.2f}",
                                "basic_paid": f"{item.basic_paid:.2f}", "critical_paid": f"{item.critical_paid:.2f}",
                                "assistance_paid": f"{item.assistance_paid:.2f}"},
                    "marks": item.marks})
    return out
