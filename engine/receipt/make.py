"""Building a receipt from a saved case or from a case not saved (a trial)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..case import mask_id, normalised, parse_case
from ..calculate import calculate
from ..codec import result_hash, to_json_text
from ..summary import plain_sentence
from . import payload

if TYPE_CHECKING:  # ReportLab is imported only when a receipt is made
    from .document import ReceiptData


def from_stored(stored: dict[str, Any], *, window: str = "", reprint: bool = False,
                printed_at: str | None = None) -> "ReceiptData":
    """The receipt of a saved case, as `cases show --json` gives it (with its result_hash)."""
    from .document import ReceiptData, now_text

    result = stored["result"]
    case_input = normalised(stored["input"], parse_case(stored["input"], stored=True))  # older rows as now written
    id_masked = mask_id(stored["id_number"])
    qr = payload.build(stored["receipt_no"], stored["office"], stored["case_id"], payload.amounts(stored["input"], result),
                       stored["result_hash"], id_masked=id_masked, name=stored["name"],
                       code=stored.get("office_code"))
    return ReceiptData(
        receipt_no=stored["receipt_no"], office=stored["office"], office_code=stored.get("office_code") or "",
        window=window, operator=stored["operator"],
        printed_at=printed_at or now_text(), name=stored["name"], id_masked=id_masked,
        case_input=case_input, result=result, qr_text=qr,
        void_reason=(stored.get("void_reason") or "未注明") if stored.get("void") else None, reprint=reprint,
        sentence=plain_sentence(case_input, result, office=stored["office"]))


def from_case(doc: dict[str, Any], *, office: str = "", window: str = "", operator: str = "") -> "ReceiptData":
    """A trial receipt of a case that is not saved: computed now, marked 试算, no receipt number."""
    from .document import ReceiptData, now_text

    case = parse_case(doc)
    result = calculate(doc)
    id_masked = mask_id(case.id_number) or "—"
    qr = payload.build(None, office, None, payload.amounts(doc, result),
                       result_hash(to_json_text(result)), id_masked=id_masked, name=case.name or "—")
    return ReceiptData(
        receipt_no=None, office=office or "—", window=window, operator=operator or "—",
        printed_at=now_text(), name=case.name or "—", id_masked=id_masked,
        case_input=doc, result=result, qr_text=qr, sentence=plain_sentence(doc, result, office=office),
        notes=["试算结果：案件未保存，本单不作结算凭证；未保存的案件不计入年度累计。"])


def write(data: "ReceiptData", out: str | Path | BinaryIO, layout: str = "A4", *, office_copy: bool = False) -> None:
    """The resident's receipt; with `office_copy`, the office's copy (存根) after it in the same file."""
    from .document import build_receipt

    build_receipt(data, str(out) if isinstance(out, Path) else out, layout, office_copy=office_copy)
