"""Amounts in Chinese capitals (大写), as the rules for filling in payment vouchers write them
(中国人民银行《支付结算办法》附一《正确填写票据和结算凭证的基本规定》):

- 壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分零整; 拾 is always preceded by its digit (壹拾元整);
- 整 after 元 when there are no 角 or 分; none after 分;
- one 零 for a run of zeros in the middle (壹拾万零伍元整), and one where the 元 digit is 0
  before 角 (壹仟陆佰捌拾元零叁角贰分) or the 角 digit is 0 before 分 (叁佰贰拾伍元零肆分).
"""
from __future__ import annotations

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("仟", "佰", "拾", "")
BIG_UNITS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """1..9999 in capitals, zeros inside collapsed to one 零, trailing zeros dropped."""
    out, zero = "", False
    for unit, digit in zip(SMALL_UNITS, f"{value:04d}"):
        d = int(digit)
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + unit
    return out


def _integer(value: int) -> str:
    groups = []
    while value:
        value, group = divmod(value, 10000)
        groups.append(group)
    if len(groups) > len(BIG_UNITS):
        raise ValueError("amount too large for capitals")
    out = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        if out and group < 1000:  # a zero group or leading zeros between written digits
            out += "零"
        out += _group(group) + BIG_UNITS[index]
    return out


def capitals(amount: Decimal) -> str:
    """An amount in yuan (at most two decimals, not negative) in capitals."""
    if not isinstance(amount, Decimal):
        raise TypeError("capitals() takes a Decimal")
    if amount < 0:
        raise ValueError("capitals() takes an amount that is not negative")
    fen_total = amount * 100
    if fen_total != fen_total.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    yuan, rest = divmod(int(fen_total), 100)
    jiao, fen = divmod(rest, 10)
    out = _integer(yuan) + "元" if yuan else ""
    if jiao:
        if yuan and yuan % 10 == 0:
            out += "零"
        out += DIGITS[jiao] + "角"
    if fen:
        if yuan and jiao == 0:
            out += "零"
        out += DIGITS[fen] + "分"
    if not out:
        return "零元整"
    return out + ("整" if not jiao and not fen else "")
