"""Money helpers: Decimal yuan, two decimals, rounded half up once per rule."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ONE = Decimal("1")


def yuan(value: Decimal) -> Decimal:
    """Round to the fen, half up: the one rounding each rule applies to its result."""
    return value.quantize(CENT, ROUND_HALF_UP)   # positional: a keyword costs the C call twice as much


def fmt(value: Decimal) -> str:
    """An amount as the contract writes it: exactly two decimals; zero is never "-0.00"."""
    text = str(value)
    if text[-3:-2] == "." and text != "-0.00":
        return text  # already to the fen (no exponent can follow two digits after the point): kept cheap
    if value.is_zero():
        return "0.00"
    return str(value.quantize(CENT, ROUND_HALF_UP))


@lru_cache(maxsize=1024)
def pct(rate: Decimal) -> str:
    """A rate as a clerk reads it: 0.8 → '80%', 0.655 → '65.5%'. The rates are the documents' few
    values: each is written once."""
    text = f"{rate * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def portion_above(before: Decimal, amount: Decimal, threshold: Decimal) -> Decimal:
    """The part of `amount`, added to a year already at `before`, that lies above `threshold`.

    This is how "超过 X 元的部分" and a yearly 起付标准 are read on an accumulated base
    (policy-readings.md): the year's earlier amounts are counted first.
    """
    after = before + amount
    if after <= threshold:
        return ZERO
    return after - max(before, threshold)


def portion_between(before: Decimal, amount: Decimal, low: Decimal, high: Decimal | None) -> Decimal:
    """The part of `amount` (added on top of `before`) that falls in the band [low, high)."""
    start = max(before, low)
    end = before + amount if high is None else min(before + amount, high)
    return end - start if end > start else ZERO


def min_cap(amount: Decimal, left: Decimal | None) -> Decimal:
    """Limit a payout by what is left of a cap (None: no cap)."""
    if left is None:
        return amount
    return amount if amount <= left else max(left, ZERO)
