"""What the receipt's QR code holds, so a printout can be checked against the database
(`cases verify`).

Since SCJ/2 the text reads as a short note on a phone, in Chinese: the receipt number, the
office, the case, the resident's masked ID number and name, each layer's amount, what is to be
paid (when the result says) and a short hash of the stored result. Receipts printed earlier
carry the SCJ/1 text (key=value lines, no person, a long hash): they still parse and verify.
"""
from __future__ import annotations


MAGIC = "SCJ/2"
OLD_MAGIC = "SCJ/1"
TITLE = "医疗保障待遇结算单"
AMOUNT_KEYS = ("total", "basic", "critical", "assistance", "tilt", "oop")
SHORT_HASH = 12  # hex digits of the result's sha256 printed in the code
# The lines of an SCJ/2 text: (key, label), in order; amounts by AMOUNT_KEYS.
LABELS = {"no": "回执号", "office": "经办机构", "code": "经办点代码", "case": "案件编号", "id": "身份证号", "name": "姓名",
          "total": "医疗总费用", "basic": "基本医保", "critical": "大病保险", "assistance": "医疗救助",
          "tilt": "倾斜救助", "oop": "个人自付", "to_pay": "本次应付", "hash": "校验码"}
REQUIRED = ("no", "office", "case", "id", "name", *AMOUNT_KEYS, "hash")


def short_hash(digest: str) -> str:
    """The part of result_hash() an SCJ/2 code prints."""
    return digest.removeprefix("sha256:")[:SHORT_HASH]


def amounts(case_input: dict, result: dict) -> dict[str, str]:
    """The amounts the QR code carries: the case's total as entered, the result's payouts and, when
    the hospital already paid part of 医疗救助 (to_pay is not 医疗救助 + 倾斜救助), what is to be paid."""
    from ..case import parse_case

    p = result["payouts"]
    out = {"total": f"{parse_case(case_input, stored=True).total:.2f}", "basic": p["basic"], "critical": p["critical"],
           "assistance": p["assistance"], "tilt": p["tilt"], "oop": result["out_of_pocket"]}
    if result.get("to_pay") is not None and _differs(result):   # only where the hospital paid part (一站式):
        out["to_pay"] = str(result["to_pay"])                     # else it is 医疗救助 + 倾斜救助, and the code stays small
    return out


def _differs(result: dict) -> bool:
    from decimal import Decimal

    p = result["payouts"]
    return Decimal(str(result["to_pay"])) != Decimal(p["assistance"]) + Decimal(p["tilt"])


def build(receipt_no: str | None, office: str, case_id: int | None, money: dict[str, str], digest: str, *,
          id_masked: str = "", name: str = "", code: str | None = None) -> str:
    """The SCJ/2 text: one "标签：值" line each, the format's mark on the first line; the office code's
    line only when the office has one (receipts printed before codes, and their codes, lack it)."""
    values = {"no": receipt_no or "试算（未保存）", "office": office, "case": str(case_id or "—"),
              **({"code": code} if code else {}),
              "id": id_masked or "—", "name": name or "—", **money, "hash": short_hash(digest)}
    lines = [f"{TITLE} {MAGIC}"]
    lines += [f"{LABELS[key]}：{values[key]}" for key in LABELS if key in values]
    return "\n".join(lines)


def parse(text: str) -> dict[str, str]:
    """The code's values by key (no, office, case, amounts, hash; id and name from SCJ/2), and
    "format": "SCJ/1" or "SCJ/2". Raises ValueError saying what is wrong."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    if lines and lines[0] == OLD_MAGIC:
        out = _pairs(lines[1:], "=", {key: key for key in ("no", "office", "case", *AMOUNT_KEYS, "hash")})
        missing = [k for k in ("no", "office", "case", *AMOUNT_KEYS, "hash") if k not in out]
        out["format"] = OLD_MAGIC
    elif lines and lines[0].endswith(MAGIC):
        out = _pairs(lines[1:], "：", {label: key for key, label in LABELS.items()})
        missing = [LABELS[k] for k in REQUIRED if k not in out]
        out["format"] = MAGIC
    else:
        raise ValueError("不是本程序回执的二维码内容")
    if missing:
        raise ValueError(f"二维码内容缺少：{'、'.join(missing)}")
    return out


def _pairs(lines: list[str], sep: str, keys: dict[str, str]) -> dict[str, str]:
    out = {}
    for line in lines:
        label, found, value = line.partition(sep)
        if not found:
            raise ValueError(f"二维码内容格式不正确：{line}")
        key = keys.get(label.strip())
        if key is not None:
            out[key] = value.strip()
    return out


def matches_hash(code: dict[str, str], stored_digest: str) -> bool:
    """The code's hash against the stored result's: the whole one (SCJ/1) or its short form (SCJ/2)."""
    if code["format"] == OLD_MAGIC:
        return code["hash"] == stored_digest
    return code["hash"] == short_hash(stored_digest)
