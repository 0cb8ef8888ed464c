from decimal import Decimal as D

from engine.money import fmt, pct, portion_above, portion_between, yuan


def test_yuan_rounds_half_up_once():
    assert yuan(D("0.005")) == D("0.01")
    assert yuan(D("2.675")) == D("2.68")
    assert yuan(D("-0.005")) == D("-0.01")


def test_fmt_two_decimals():
    assert fmt(D("26000")) == "26000.00"
    assert fmt(D("1.5")) == "1.50"
    assert fmt(D("12.34")) == "12.34"
    assert fmt(D("1E+3")) == "1000.00"


def test_fmt_of_an_amount_below_the_fen_rounds_half_up_as_the_rules_do():
    """An amount not yet to the fen is written as yuan() would round it (half up), so a text never shows another
    figure than the one paid: 0.125 → 0.13 and 2.675 → 2.68 (half-even would give 0.12 and 2.68, down 0.12 and
    2.67). Found by mutation testing: the rounding mode in fmt could be dropped with no test noticing."""
    assert fmt(D("0.125")) == "0.13" == fmt(yuan(D("0.125")))
    assert fmt(D("2.675")) == "2.68"
    assert fmt(D("-0.125")) == "-0.13"


def test_fmt_writes_every_zero_as_0_00():
    """A zero is never shown as "-0.00" nor without its two decimals: a negative amount below half a fen rounds to
    -0.00 (yuan(-0.004)), and 0 × a rate keeps the rate's exponent. (tests/engine/test_fmt_forms.py checks every
    form; it is outside the mutation selection, so these few are here.) Kills (engine/money.py): `fmt`'s fast path
    taken only for "-0.00" or for every "-0.00" (8, 9), the zero branch's text changed (10)."""
    assert fmt(yuan(D("-0.004"))) == fmt(D("-0.00")) == fmt(D("0")) == fmt(D("0E-7")) == fmt(D("-0")) == "0.00"
    assert fmt(D("0.00") * D("0.7")) == fmt(D("0.00")) == "0.00" and fmt(D("-12.50")) == "-12.50"


def test_pct():
    assert pct(D("0.8")) == "80%"
    assert pct(D("0.655")) == "65.5%"
    assert pct(D("1.00")) == "100%"


def test_portion_above_counts_the_year_first():
    # a 3,000 deductible met over three stays of 1,000, 1,500, 2,000
    assert portion_above(D(0), D(1000), D(3000)) == 0
    assert portion_above(D(1000), D(1500), D(3000)) == 0
    assert portion_above(D(2500), D(2000), D(3000)) == D(1500)
    assert portion_above(D(5000), D(100), D(3000)) == D(100)


def test_portion_between_bands():
    assert portion_between(D(0), D(20000), D(9000), D(100000)) == D(11000)
    assert portion_between(D(95000), D(10000), D(9000), D(100000)) == D(5000)
    assert portion_between(D(95000), D(10000), D(100000), None) == D(5000)


def test_portion_between_is_zero_outside_the_band():
    """A year still below a band, or already past it, has nothing in it: 0, never a negative part that would
    take from the other bands' 大病保险 (found by mutation testing: `end - start` returned unconditionally)."""
    assert portion_between(D(0), D(1000), D(5000), D(10000)) == D(0)        # 0 → 1000, band from 5000
    assert portion_between(D(12000), D(3000), D(5000), D(10000)) == D(0)    # 12000 → 15000, band up to 10000
    assert portion_between(D(0), D(5000), D(5000), D(10000)) == D(0)        # reaches the band's start exactly
