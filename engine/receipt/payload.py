"""What the receipt's QR code holds: the receipt number, the amounts and a hash of the
stored result, so a printout can be checked against the database (`cases verify`)."""
from __future__ import annotations

MAGIC = "SCJ/1"
AMOUNT_KEYS = ("total", "basic", "critical", "assistance", "tilt", "oop")


def amounts(case_input: dict, result: dict) -> dict[str, str]:
    """The amounts the QR code carries: the case's total as entered, and the result's payouts."""
    from ..case import parse_case

    p = result["payouts"]
    return {"total": f"{parse_case(case_input, stored=True).total:.2f}", "basic": p["basic"], "critical": p["critical"], "assistance": p["assistance"],
            "tilt": p["tilt"], "oop": result["out_of_pocket"]}


def build(receipt_no: str | None, office: str, case_id: int | None, money: dict[str, str], digest: str) -> str:
    lines = [MAGIC, f"no={receipt_no or '试算'}", f"office={office}", f"case={case_id or ''}"]
    lines += [f"{k}={money[k]}" for k in AMOUNT_KEYS]
    lines.append(f"hash={digest}")
    return "\n".join(lines)


def parse(text: str) -> dict[str, str]:
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != MAGIC:
        raise ValueError("不是本程序回执的二维码内容")
    out = {}
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"二维码内容格式不正确：{line}")
        out[key.strip()] = value.strip()
    missing = [k for k in ("no", "office", "case", *AMOUNT_KEYS, "hash") if k not in out]
    if missing:
        raise ValueError(f"二维码内容缺少：{'、'.join(missing)}")
    return out
