"""Hypothesis strategies: valid cases and years for every region, drawn so that they reach the rules.

Amounts come from a realistic mixture, not a uniform draw: many small outpatient bills, hospital stays of
5,000–300,000 and a few catastrophic years (300,000–1,500,000), so that yearly deductibles, 大额救助,
托底, the 大病保险 cap and the assistance caps are actually reached. Identities, children's ages, the
flags each region reads (drg, lookback, tilt_applied, poverty_risk, cancer_chemo, long_term_care) and the
visit kinds each region's rules distinguish are drawn per region (case-format.md; engine/regions/*.py).

`reached(results)` names the rules a year reached, for the test that counts them over the strategy's
examples (tests/engine/test_properties.py).
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

IDENTITIES = {
    "wuhan": ["extreme_poverty", "orphan", "subsistence", "relapsed_poverty", "subsistence_edge", "monitored_rural",
              "illness_impoverished", "other_special", "stable_exit"],
    "dianjiang": ["extreme_poverty", "subsistence", "orphan", "unsupported_child", "relapsed_poverty",
                  "veteran_priority", "severe_disability", "illness_impoverished", "subsistence_edge", "monitored_rural"],
    "weihai": ["extreme_poverty", "orphan", "unsupported_child", "subsistence", "relapsed_poverty", "subsistence_edge",
               "monitored_rural", "illness_impoverished"],
    "changchun": ["extreme_poverty", "orphan", "subsistence", "relapsed_poverty", "subsistence_edge", "monitored_rural",
                  "illness_impoverished"],
}
DISEASES = {
    "wuhan": ["恶性肿瘤门诊放化疗", "慢性肾功能衰竭透析", "重性精神病", "高血压"],
    "dianjiang": ["肺癌", "尿毒症", "白血病", "脑梗死", "阑尾炎", "阑尾炎"],
    "weihai": ["肺癌", "阑尾炎"],
    "changchun": ["尿毒症", "自闭症", "精神病", "高脂血症", "青光眼", "骨折"],
}
# The visit kinds each region's rules tell apart (an inpatient stay is the most frequent bill that matters).
KINDS = {
    "wuhan": ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special", "outpatient_general", "special_drug"],
    "dianjiang": ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special", "outpatient_general"],
    "weihai": ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special", "special_drug", "outpatient_general"],
    "changchun": ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special", "rare_disease",
                  "outpatient_general"],
}
# The flags a region's rules read (its module's FLAGS_USED, plus drg for the assistance base everywhere).
FLAGS = {
    "wuhan": ["tilt_applied", "poverty_risk", "drg"],
    "dianjiang": ["drg", "long_term_care"],
    "weihai": ["drg"],
    "changchun": ["cancer_chemo", "drg"],
}
YEARS = (2023, 2026)


def fen(low: int, high: int):
    """An amount in yuan between low and high, to the fen."""
    return st.integers(low * 100, high * 100).map(lambda f: Decimal(f) / 100)


# many small outpatient bills, then stays, then the rare catastrophic bill
BILL = st.one_of(fen(0, 1_000), fen(0, 1_000), fen(1_000, 5_000), fen(5_000, 60_000), fen(30_000, 300_000),
                 fen(300_000, 1_500_000), fen(300_000, 1_500_000))


@st.composite
def person_facts(draw, region: str, year: int, identities=None) -> dict:
    """One person's facts for a year: identities (0–2), insurance, rural, and often a birth date (a third are
    children, who hold one identity: the children the assistance rules single out)."""
    group = draw(st.sampled_from(["child", "adult", "unknown"]))   # 长春's uplift is for children up to 14
    if identities is None:   # one identity in most years, none (普通参保人员) or two (就高不重复) in some
        count = 1 if group == "child" else draw(st.sampled_from([1, 1, 1, 0, 2]))
        identities = draw(st.lists(st.sampled_from(IDENTITIES[region]), min_size=count, max_size=count, unique=True))
    facts = {"identities": identities,
             "insurance": draw(st.sampled_from(["resident", "resident", "resident", "employee", "none"])),
             "rural": draw(st.booleans())}
    age = draw(st.integers(0, 15)) if group == "child" else draw(st.integers(18, 95)) if group == "adult" else None
    if age is not None:
        facts["birth_date"] = f"{year - 1 - age}-0{draw(st.integers(1, 9))}-15"
    return facts


@st.composite
def amounts(draw, kind: str, insured: bool, slips: bool | None = None) -> dict:
    total = draw(BILL)
    if kind != "inpatient" and total > 60_000:   # outpatient bills stay outpatient-sized
        total = (total / 20).quantize(Decimal("0.01"))
    # the policy scope: most of a bill, sometimes all of it
    share = draw(st.sampled_from([Decimal(1), Decimal("0.95"), Decimal("0.85"), Decimal("0.7")]))
    scope = (total * share).quantize(Decimal("0.01"))
    out = {"total": f"{total:.2f}", "policy_scope": f"{scope:.2f}"}
    # In a quarter of the years the bills up to 30,000 come with the slip's amounts (so a year's slips never
    # go beyond a fund's yearly cap); the rest are computed by the engine.
    if slips is None:
        slips = draw(st.integers(0, 3)) == 0
    if insured and slips and scope <= 30_000:
        basic = (scope * draw(st.sampled_from([Decimal("0.5"), Decimal("0.6"), Decimal("0.7")]))).quantize(Decimal("0.01"))
        out["basic_paid"] = f"{basic:.2f}"
        if draw(st.booleans()):
            out["critical_paid"] = f"{(scope - basic) * Decimal('0.3'):.2f}"
    return out


@st.composite
def case(draw, region=None, year=None, identities=None, person=None, month=None, applied=None, slips=None):
    """One valid case. Within a year the caller passes the person (their facts stay the same)."""
    region = region or draw(st.sampled_from(sorted(IDENTITIES)))
    year = year or draw(st.integers(*YEARS))
    month = month or draw(st.integers(1, 12))
    if person is None:
        person = draw(person_facts(region, year, identities))
    kind = draw(st.sampled_from(KINDS[region]))
    in_province = draw(st.sampled_from([True, True, True, False]))
    in_district = in_province and draw(st.sampled_from([True, True, False]))
    flags = {f: True for f in draw(st.lists(st.sampled_from(FLAGS[region]), max_size=2, unique=True))}
    if region == "wuhan" and kind == "inpatient" and person["identities"] and draw(st.integers(0, 9)) == 0:
        flags["lookback"] = True   # 依申请一次性救助: an inpatient stay of an identified person
    if region == "wuhan" and (applied if applied is not None else draw(st.booleans())):
        flags.update(tilt_applied=True, poverty_risk=True)   # 托底 needs both: a person applies for the year
    diseases = draw(st.lists(st.sampled_from(DISEASES[region]), max_size=2, unique=True))
    return {
        "region": region, "date": f"{year}-{month:02d}-{draw(st.integers(1, 28)):02d}", "person": dict(person),
        "visit": {"kind": kind, "hospital_level": draw(st.integers(1, 3)),
                  "referral": draw(st.sampled_from([True, True, True, False])),
                  "in_province": in_province, "in_district": in_district, "diseases": diseases},
        "amounts": draw(amounts(kind, person["insurance"] != "none", slips)),
        "flags": flags,
    }


@st.composite
def year_of_cases(draw, max_cases=8, region=None, min_cases=1):
    """One person's cases in one region and policy year, in date order."""
    region = region or draw(st.sampled_from(sorted(IDENTITIES)))
    year = draw(st.integers(*YEARS))
    person = draw(person_facts(region, year))
    months = sorted(draw(st.lists(st.integers(1, 12), min_size=min_cases, max_size=max_cases)))
    applied, slips = draw(st.booleans()), draw(st.integers(0, 3)) == 0
    cases = [draw(case(region=region, year=year, person=person, month=m, applied=applied, slips=slips))
             for m in months]
    cases.sort(key=lambda c: c["date"])
    return cases


def reached(cases: list[dict], results: list[dict]) -> set[str]:
    """The rules a year reached, read from the results' steps and caps."""
    seen = set()
    for c, r in zip(cases, results):
        texts = " ".join(s["text"] for s in r["steps"])
        if "大额救助（" in texts:
            seen.add("大额救助")
        if any(s["layer"] == "tilt" and s["text"].startswith("托底保障") and s["amount"] not in (None, "0.00")
               for s in r["steps"]):
            seen.add("托底 paid")
        for cap in r["caps"]:
            if cap["limit"] is not None and cap["left"] == "0.00" and Decimal(cap["limit"]) > 0:
                seen.add(f"{cap['key']} exhausted")
        if "周岁儿童比例上浮" in texts:
            seen.add("child uplift")
        if "lookback" in c["flags"]:
            seen.add("lookback")
        if "drg" in c["flags"] and "单病种定额" in texts:
            seen.add("drg")
        if "critical.cap" in {cap["key"] for cap in r["caps"] if cap["left"] == "0.00"}:
            seen.add("大病保险 cap")
    return seen
