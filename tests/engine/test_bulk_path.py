"""The bulk path (no steps) computes exactly what the explained path computes, for every region (issue 17).

Random years of one person (hypothesis, derandomized): every amount, the identity and class used and
the ledger left at the end of the year are the same with and without steps. The bulk path makes the
numbers and the ledger alone: no steps, caps, warnings, early warning or cited documents.
"""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.calculate import Year, calculate_cases, known_identities, parse_input
from engine.case import FLAGS, KINDS
from engine.errors import InputError
from engine.policy import bundled
from engine.region_registry import REGIONS

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
YEARS = {region: [y for y in range(2023, 2027) if bundled().region(region).core_for(dt.date(y, 6, 1))]
         for region in REGIONS}
# Diseases each region's rules look for, plus one no rule names.
DISEASES = ["恶性肿瘤门诊放化疗", "慢性肾功能衰竭透析", "肺癌", "尿毒症", "白血病", "精神病", "自闭症", "高血压", "阑尾炎"]


def fen(high: int):
    return st.integers(0, high).map(lambda f: Decimal(f) / 100)


@st.composite
def bulk_year(draw, region: str) -> list[dict]:
    """One person's year in `region`: large enough amounts and enough cases to reach the yearly caps."""
    year = draw(st.sampled_from(YEARS[region]))
    known = known_identities(bundled().params_for(region, dt.date(year, 6, 1)))
    identities = draw(st.lists(st.sampled_from(known), max_size=2, unique=True))
    insurance = draw(st.sampled_from(["resident", "employee", "none"]))
    person = {"identities": identities, "insurance": insurance, "rural": draw(st.booleans())}
    if draw(st.booleans()):
        person["birth_date"] = f"{draw(st.integers(1935, year - 1))}-03-15"
    cases = []
    for _ in range(draw(st.integers(1, 10))):
        total = draw(fen(60_000_000))
        scope = draw(fen(int(total * 100)))
        amounts = {"total": f"{total:.2f}", "policy_scope": f"{scope:.2f}"}
        if insurance != "none" and draw(st.booleans()):
            basic = draw(fen(int(scope * 100)))
            amounts["basic_paid"] = f"{basic:.2f}"
            if draw(st.booleans()):
                amounts["critical_paid"] = f"{draw(fen(int((scope - basic) * 100))):.2f}"
        in_province = draw(st.booleans())
        flags = draw(st.lists(st.sampled_from(sorted(set(FLAGS) - {"drg"})), max_size=3, unique=True))
        cases.append({
            "region": region, "date": f"{year}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}",
            "person": person,
            "visit": {"kind": draw(st.sampled_from(sorted(KINDS))), "hospital_level": draw(st.integers(1, 3)),
                      "referral": draw(st.booleans()), "in_province": in_province,
                      "in_district": in_province and draw(st.booleans()),
                      "diseases": draw(st.lists(st.sampled_from(DISEASES), max_size=2, unique=True))},
            "amounts": amounts, "flags": {f: True for f in flags},
        })
    cases.sort(key=lambda c: c["date"])
    return cases


NUMBERS = ("region", "policy_year", "identity_used", "assistance_class", "basic", "critical", "assistance", "tilt",
           "hospital_borne", "out_of_pocket", "to_pay")


def _numbers(result) -> dict:
    return {name: str(getattr(result, name)) for name in NUMBERS}   # str: the same digits, not only equal values


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_bulk_equals_explained(region):
    @SETTINGS
    @given(bulk_year(region))
    def check(raw_cases):
        cases = parse_input({"cases": raw_cases})
        explained_year, bulk_year_ = Year(), Year(explain=False)
        try:
            explained = calculate_cases(cases, explained_year)
        except InputError as exc:  # a rule refusing the input (e.g. 一次性救助 without an identity): refused alike
            with pytest.raises(InputError) as caught:
                calculate_cases(cases, bulk_year_)
            assert caught.value.message() == exc.message()
            return
        bulk = calculate_cases(cases, bulk_year_)
        assert all(r.steps for r in explained)
        assert not any(r.steps or r.caps or r.warnings or r.documents or r.unverified or r.early_warning for r in bulk)
        assert [_numbers(r) for r in bulk] == [_numbers(r) for r in explained]
        assert {k: v.data for k, v in bulk_year_.ledgers.items()} == \
            {k: v.data for k, v in explained_year.ledgers.items()}

    check()

