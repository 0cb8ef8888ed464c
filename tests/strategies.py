"""Hypothesis strategies: random valid cases and years for every region."""
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
    "dianjiang": ["肺癌", "尿毒症", "白血病", "脑梗死", "阑尾炎"],
    "weihai": ["肺癌", "阑尾炎"],
    "changchun": ["尿毒症", "自闭症", "精神病", "高脂血症", "青光眼", "骨折"],
}
FLAGS = ["tilt_applied", "poverty_risk", "cancer_chemo", "drg", "long_term_care"]
KINDS = ["inpatient", "outpatient_chronic", "outpatient_special", "outpatient_general", "special_drug", "rare_disease"]


def money(max_fen: int):
    return st.integers(min_value=0, max_value=max_fen).map(lambda f: Decimal(f) / 100)


@st.composite
def case(draw, region=None, year=None, identities=None, lookback=False, person=None):
    region = region or draw(st.sampled_from(sorted(IDENTITIES)))
    year = year or draw(st.integers(2023, 2026))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    if identities is None:
        identities = draw(st.lists(st.sampled_from(IDENTITIES[region]), max_size=2, unique=True))
    insurance = draw(st.sampled_from(["resident", "resident", "employee", "none"]))
    kind = draw(st.sampled_from(KINDS))
    in_province = draw(st.booleans())
    in_district = in_province and draw(st.booleans())
    total = draw(money(40_000_000))
    scope = draw(money(int(total * 100))) if total else Decimal(0)
    amounts = {"total": f"{total:.2f}", "policy_scope": f"{scope:.2f}"}
    if insurance != "none":
        if draw(st.booleans()):
            basic = draw(money(int(scope * 100)))
            amounts["basic_paid"] = f"{basic:.2f}"
            if draw(st.booleans()):
                amounts["critical_paid"] = f"{draw(money(int((scope - basic) * 100))):.2f}"
    flags = {f: True for f in draw(st.lists(st.sampled_from(FLAGS), max_size=3, unique=True))}
    if lookback and region == "wuhan" and kind == "inpatient" and identities:
        flags["lookback"] = True
    if flags.get("drg"):  # the slip may then pay above the itemised scope; keep the simple case
        flags.pop("drg")
    if person is None:  # a person's own facts; a year keeps them, and their long-term-care status
        person = {"rural": draw(st.booleans()), "long_term_care": draw(st.booleans())}
        if draw(st.booleans()):
            person["birth_date"] = f"{draw(st.integers(1930, year - 1))}-0{draw(st.integers(1, 9))}-15"
    flags.pop("long_term_care", None)
    if person["long_term_care"]:
        flags["long_term_care"] = True
    person = {"identities": identities, "insurance": insurance,
              **{k: v for k, v in person.items() if k != "long_term_care"}}
    return {
        "region": region, "date": f"{year}-{month:02d}-{day:02d}", "person": person,
        "visit": {"kind": kind, "hospital_level": draw(st.integers(1, 3)), "referral": draw(st.booleans()),
                  "in_province": in_province, "in_district": in_district,
                  "diseases": draw(st.lists(st.sampled_from(DISEASES[region]), max_size=2, unique=True))},
        "amounts": amounts, "flags": flags,
    }


@st.composite
def year_of_cases(draw, max_cases=8):
    region = draw(st.sampled_from(sorted(IDENTITIES)))
    year = draw(st.integers(2023, 2026))
    identities = draw(st.lists(st.sampled_from(IDENTITIES[region]), max_size=2, unique=True))
    person = {"rural": draw(st.booleans()), "long_term_care": draw(st.booleans())}
    if draw(st.booleans()):
        person["birth_date"] = f"{draw(st.integers(1930, year - 1))}-0{draw(st.integers(1, 9))}-15"
    cases = draw(st.lists(case(region=region, year=year, identities=identities, person=person),
                          min_size=1, max_size=max_cases))
    cases.sort(key=lambda c: c["date"])
    return cases
