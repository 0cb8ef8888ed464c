"""money.fmt takes a shortcut for an amount already written to the fen; every other form is
rounded half up as yuan() rounds it, and zero of any sign or exponent is "0.00"."""
from decimal import ROUND_HALF_UP, Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from engine.money import fmt


def reference(value: D) -> str:
    return "0.00" if value.is_zero() else str(value.quantize(D("0.01"), rounding=ROUND_HALF_UP))


def test_every_zero_is_written_without_a_sign():
    for text in ("0", "-0", "0.00", "-0.00", "0E-7", "-0E+3", "0.000", "-0.0"):
        assert fmt(D(text)) == "0.00", text


def test_the_fen_form_is_kept_and_other_forms_rounded():
    assert fmt(D("-12.50")) == "-12.50"
    assert fmt(D("70000")) == "70000.00"
    assert fmt(D("2400.000")) == "2400.00"
    assert fmt(D("1.5E+2")) == "150.00"


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**9, max_value=10**9, places=None)
       | st.builds(lambda n, e: D(n).scaleb(e), st.integers(-10**12, 10**12), st.integers(-8, 4)))
def test_fmt_is_the_rounded_value(value):
    assert fmt(value) == reference(value)
