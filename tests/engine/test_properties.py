"""Properties over generated cases and years (hypothesis; the profile is set in tests/conftest.py).

Each yearly cap is checked on its own, against the limit the document gives, on years drawn to reach it
(tests/strategies.py); a year of 威海 cases is compared with an independent re-computation of its ledger.
"""
import copy
import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.calculate import calculate
from engine.policy import params_for
from strategies import case, person_facts, reached, year_of_cases

D = Decimal
LAYERS = ("basic", "critical", "assistance", "tilt")


def results_of(cases):
    return calculate({"cases": cases})["results"]


def paid(result, layer):
    return D(result["payouts"][layer])


def _base(case_in, result):
    a = case_in["amounts"]
    scope, total = D(a["policy_scope"]), D(a["total"])
    if case_in["person"]["insurance"] == "none" and case_in["region"] == "changchun":
        return (total / 2).quantize(D("0.01"), rounding=ROUND_HALF_UP)   # 长春 第十三条: 50% of the total
    if "drg" in case_in["flags"] and case_in["region"] == "changchun":
        return total - paid(result, "basic") - paid(result, "critical")
    return scope - paid(result, "basic") - paid(result, "critical")


@given(year_of_cases())
def test_each_layer_within_what_is_left_and_sums_to_total(cases):
    for c, r in zip(cases, results_of(cases)):
        p = {k: D(v) for k, v in r["payouts"].items()}
        scope = D(c["amounts"]["policy_scope"])
        assert all(v >= 0 for v in p.values()), r["payouts"]
        assert D(r["out_of_pocket"]) >= 0 and D(r["hospital_borne"]) >= 0
        assert p["basic"] <= scope
        assert p["critical"] <= scope - p["basic"]
        base = _base(c, r)
        assert p["assistance"] <= base
        assert p["tilt"] <= base - p["assistance"]
        for cap in r["caps"]:
            if cap["limit"] is not None:
                assert D(cap["used"]) <= D(cap["limit"]), cap
        for v in list(r["payouts"].values()) + [r["out_of_pocket"], r["hospital_borne"]]:
            assert v == f"{D(v):.2f}"


# -- each yearly cap on its own, with the document's limit ----------------------------------------------------

# 基本医保 统筹基金年度最高支付限额 by region and fund (the regions' local files; the documents do not give them)
BASIC_CAP = {"wuhan": {"resident": 150000, "employee": 400000}, "dianjiang": {"resident": 150000, "employee": 300000},
             "weihai": {"resident": 200000, "employee": 400000}, "changchun": {"resident": 200000, "employee": 300000}}
# 大病保险 年度最高支付限额 (ordinary treatment; the tilted classes have none)
CRITICAL_CAP = {"wuhan": {"resident": 400000, "employee": 400000}, "dianjiang": {"resident": 200000, "employee": 300000},
                "weihai": {"resident": 400000, "employee": 400000}, "changchun": {"resident": 300000, "employee": 300000}}
TILTED = {"wuhan": {"extreme_poverty", "orphan", "subsistence", "relapsed_poverty"},
          "dianjiang": {"extreme_poverty", "subsistence", "relapsed_poverty"},
          "weihai": {"extreme_poverty", "orphan", "unsupported_child", "subsistence", "relapsed_poverty"},
          "changchun": {"extreme_poverty", "orphan", "subsistence", "relapsed_poverty"}}


def computed(cases):
    """A year whose basic and 大病保险 amounts are all computed (no slip amounts), in one region, one fund."""
    return [c for c in cases if "basic_paid" not in c["amounts"] and "critical_paid" not in c["amounts"]]


@st.composite
def insured_year(draw, tilted=False):
    """Cases of one insured person, amounts computed by the engine; tilted=False: none of the 倾斜 identities."""
    cases = draw(year_of_cases(max_cases=6))
    region = cases[0]["region"]
    person = cases[0]["person"]
    assume(person["insurance"] != "none")
    assume(tilted or not set(person["identities"]) & TILTED[region])
    return [{**c, "amounts": {k: v for k, v in c["amounts"].items() if k in ("total", "policy_scope")}} for c in cases]


@given(insured_year())
def test_basic_insurance_never_pays_above_its_yearly_cap(cases):
    region, fund = cases[0]["region"], cases[0]["person"]["insurance"]
    results = results_of(cases)
    paid_basic = sum(paid(r, "basic") for r in results)
    assert paid_basic <= BASIC_CAP[region][fund]
    # and when the year's computed amounts go beyond it, the cap is paid out exactly
    rates = params_for(region, dt.date.fromisoformat(cases[0]["date"]))
    raw = D(0)
    for c in cases:
        scope = D(c["amounts"]["policy_scope"])
        if c["visit"]["kind"] == "inpatient":
            level = c["visit"]["hospital_level"]
            raw += max(scope - rates.values["basic.inpatient.deductible"][fund][level], D(0)) * \
                rates.values["basic.inpatient.rate"][fund][level]
        else:
            raw += scope * rates.values["basic.outpatient.rate"][fund][c["visit"]["kind"]]
    if raw > BASIC_CAP[region][fund] + 1:
        assert paid_basic == BASIC_CAP[region][fund]


@given(insured_year())
def test_critical_insurance_never_pays_above_its_yearly_cap(cases):
    region, fund = cases[0]["region"], cases[0]["person"]["insurance"]
    results = results_of(cases)
    ordinary = [r for r in results if r["identity_used"] not in TILTED[region]]
    paid_critical = sum(paid(r, "critical") for r in ordinary if r["region"] == region)
    special_drug = sum(paid(r, "critical") for c, r in zip(cases, results) if c["visit"]["kind"] == "special_drug"
                       and region == "weihai")   # 威海 特药 is a track of its own (400,000)
    assert paid_critical - special_drug <= CRITICAL_CAP[region][fund]


def single_identity_year(region, max_cases=6, kinds=None):
    """One region, one identity all year (its class's caps are then the document's)."""
    @st.composite
    def draw_year(draw):
        cases = draw(year_of_cases(max_cases=max_cases, region=region))
        assume(len(cases[0]["person"]["identities"]) == 1)
        return cases
    return draw_year()


# 年度救助限额 by class: 武汉 武政规〔2023〕1号 二、(四) (重特大疾病 70,000/70,000/40,000/30,000);
# 威海 威政办发〔2022〕15号 二、(二) (70,000/10,000/50,000); 长春 第十一条 (30,000/30,000/10,000/10,000).
ASSISTANCE_CAP = {
    "wuhan": {"一类": 70000, "二类": 70000, "三类": 40000, "四类": 30000},
    "weihai": {"A类": 70000, "B类": 10000, "C类": 50000},
    "changchun": {"一类": 30000, "二类": 30000, "三类": 10000, "四类": 10000},
}


@pytest.mark.parametrize("region", sorted(ASSISTANCE_CAP))
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_assistance_never_pays_above_the_class_yearly_cap(region, data):
    cases = data.draw(single_identity_year(region))
    results = results_of(cases)
    klass = results[0]["assistance_class"]
    assume(klass is not None)
    in_year = [r for c, r in zip(cases, results) if "lookback" not in c["flags"]]   # 依申请一次性救助: outside the caps
    assert sum(paid(r, "assistance") for r in in_year) <= ASSISTANCE_CAP[region][klass]


# 垫江 (垫江解读 三、(四)): each pot has its own yearly limit — 普通疾病住院 6,000; 重特大疾病 门诊和住院共用
# 100,000; 大额救助 60,000; 普通疾病门诊 400 (第一类 and the 低保 elderly) or 300 (60%). Never their sum.
DIANJIANG_POTS = {"大额救助": 60000, "普通疾病住院": 6000, "重特大疾病": 100000, "普通疾病门诊": 400}


def dianjiang_pot(result) -> str | None:
    """Which yearly pot a 垫江 result's 医疗救助 came from, by the rule its step names."""
    rule = next((s["text"] for s in result["steps"] if s["layer"] == "assistance"
                 and s["text"].startswith(("大额救助", "住院救助", "重特大疾病门诊", "普通疾病门诊"))), "")
    if rule.startswith(("大额救助", "普通疾病门诊")):
        return rule[:4] if rule.startswith("大额") else "普通疾病门诊"
    if rule.startswith("重特大疾病门诊") or "重特大疾病（" in rule:
        return "重特大疾病"
    return "普通疾病住院" if rule else None


@given(single_identity_year("dianjiang", max_cases=8))
def test_dianjiang_each_pot_within_its_own_yearly_limit(cases):
    results = results_of(cases)
    assume(results[0]["assistance_class"] is not None)
    used = Counter()
    for r in results:
        pot = dianjiang_pot(r)
        if pot:
            used[pot] += paid(r, "assistance")
    for pot, limit in DIANJIANG_POTS.items():
        assert used[pot] <= limit, (pot, used)


# 倾斜救助 / 再救助: 长春 第十四条 20,000 a year; 威海 再救助 A类 20,000, B类 10,000, C类 none.
@pytest.mark.parametrize("region, limits", [("changchun", {"一类": 20000, "二类": 20000, "三类": 20000, "四类": 20000}),
                                            ("weihai", {"A类": 20000, "B类": 10000, "C类": 0})])
@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(data=st.data())
def test_tilt_never_pays_above_its_yearly_limit(region, limits, data):
    cases = data.draw(single_identity_year(region))
    results = results_of(cases)
    klass = results[0]["assistance_class"]
    assume(klass is not None)
    assert sum(paid(r, "tilt") for r in results) <= limits[klass]


@st.composite
def backstop_year(draw):
    """武汉, a city resident (21号 does not apply) who applied for 托底 and is at risk: every 倾斜 paid is 托底."""
    facts = draw(person_facts("wuhan", 2025))
    facts.update(rural=False, insurance="resident")
    assume(facts["identities"])
    months = sorted(draw(st.lists(st.integers(1, 12), min_size=2, max_size=6)))
    cases = [draw(case(region="wuhan", year=2025, person=facts, month=m)) for m in months]
    for c in cases:
        c["flags"] = {"tilt_applied": True, "poverty_risk": True}
        c["visit"].update(referral=True, in_province=True)
    return sorted(cases, key=lambda c: c["date"])


@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(backstop_year())
def test_wuhan_backstop_never_pays_above_30000_a_year(cases):
    """武政规〔2023〕1号 二、(四) 托底保障: 50% above 7,000 of the year's remaining costs, at most 30,000 a year."""
    results = results_of(cases)
    tilt = sum(paid(r, "tilt") for r in results)
    assume(tilt > 0)   # the check fires: 托底 was paid this year
    assert tilt <= 30000


@given(st.data())
def test_highest_identity_pays_at_least_each_alone(data):
    region = data.draw(st.sampled_from(["wuhan", "dianjiang", "weihai", "changchun"]))
    from strategies import IDENTITIES

    two = data.draw(st.lists(st.sampled_from(IDENTITIES[region]), min_size=2, max_size=2, unique=True))
    c = data.draw(case(region=region, identities=two))
    both = calculate(c)
    total_paid = sum(D(v) for v in both["payouts"].values())
    for ident in two:
        alone = copy.deepcopy(c)
        alone["person"]["identities"] = [ident]
        r = calculate(alone)
        assert total_paid >= sum(D(v) for v in r["payouts"].values())


@given(st.data())
def test_paying_more_never_lowers_a_layer(data):
    history = data.draw(year_of_cases(max_cases=4))
    last = copy.deepcopy(history[-1])
    extra = D(data.draw(st.integers(1, 5_000_000))) / 100
    bigger = copy.deepcopy(last)
    a = bigger["amounts"]
    a["total"] = f"{D(a['total']) + extra:.2f}"
    a["policy_scope"] = f"{D(a['policy_scope']) + extra:.2f}"
    small = results_of(history)[-1]
    large = results_of(history[:-1] + [bigger])[-1]
    for layer in LAYERS:
        assert D(large["payouts"][layer]) >= D(small["payouts"][layer]), (layer, small["steps"], large["steps"])


# -- a year of 威海 cases against an independent, minimal ledger ---------------------------------------------

def cent(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def above(before: Decimal, amount: Decimal, threshold: Decimal) -> Decimal:
    """Of `amount` added to a year at `before`, the part above `threshold`."""
    return max(before + amount - max(before, threshold), D(0))


def weihai_year(cases):
    """威政办发〔2022〕15号 with weihai-local.yaml, written out again from the documents: one person, one identity.

    Each case: basic (slip or computed, capped by the fund's yearly cap), 大病保险 (slip, or bands on the
    year's accumulated base: A类 the 倾斜 bands without cap, others the ordinary bands with the yearly cap),
    医疗救助 (above the class's yearly deductible, at the class's rate, within its yearly cap), 再救助 (A, B:
    above the yearly threshold of what is left, 70%, within its yearly cap).
    """
    v = params_for("weihai", dt.date.fromisoformat(cases[0]["date"])).values
    used = Counter()   # the ledger: each yearly amount, by name
    out = []
    for c in cases:
        ins = c["person"]["insurance"]
        ident = (c["person"]["identities"] or [None])[0]
        klass = v["classes"].get(ident)
        kind, level = c["visit"]["kind"], c["visit"]["hospital_level"]
        total, scope = D(c["amounts"]["total"]), D(c["amounts"]["policy_scope"])
        basic = critical = assistance = tilt = D(0)
        if ins != "none":
            if "basic_paid" in c["amounts"]:
                basic = D(c["amounts"]["basic_paid"])
            else:
                if kind == "inpatient":
                    d = v["basic.inpatient.deductible"][ins][level]
                    raw = cent(max(scope - d, D(0)) * v["basic.inpatient.rate"][ins][level])
                else:
                    raw = cent(scope * v["basic.outpatient.rate"][ins][kind])
                basic = max(min(raw, v["basic.cap"][ins] - used["basic." + ins]), D(0))
            used["basic." + ins] += basic
        case_base = max(scope - basic, D(0))
        if kind == "special_drug" and ins != "none":
            if "critical_paid" in c["amounts"]:
                critical = D(c["amounts"]["critical_paid"])
            else:
                critical = max(min(cent(case_base * D("0.80")), 400000 - used["drug"]), D(0))
            used["drug"] += critical
        elif kind in ("inpatient", "outpatient_chronic", "outpatient_special"):
            before = used["critical.base"]
            used["critical.base"] += case_base
            if ins == "none":
                critical = D(0)
            elif "critical_paid" in c["amounts"]:
                critical = D(c["amounts"]["critical_paid"])
            else:
                tilted = ident in TILTED["weihai"]
                bands = v["critical.tilt.brackets" if tilted else "critical.brackets"][ins]
                raw = D(0)
                for i, b in enumerate(bands):
                    low = b["from"]
                    high = bands[i + 1]["from"] if i + 1 < len(bands) else None
                    start, end = max(before, low), before + case_base if high is None else min(before + case_base, high)
                    raw += max(end - start, D(0)) * b["rate"]
                critical = cent(raw)
                if not tilted:
                    critical = max(min(critical, v["critical.cap"][ins] - used["critical.paid"]), D(0))
            used["critical.paid"] += critical
        elif "critical_paid" in c["amounts"]:   # whatever the kind, what 大病保险 paid counts toward its yearly cap
            critical = D(c["amounts"]["critical_paid"])
            used["critical.paid"] += critical
        if klass and kind in ("inpatient", "outpatient_chronic", "outpatient_special", "special_drug"):
            base = max(scope - basic - critical, D(0))
            part = above(used["assist.base"], base, v["assistance.deductible"][klass])
            used["assist.base"] += base
            assistance = max(min(cent(part * v["assistance.rate"][klass]), v["assistance.cap"][klass] - used["assist"]),
                             D(0))
            used["assist"] += assistance
            left = base - assistance
            if klass in ("A类", "B类"):
                part = above(used["left"], left, v["reassist.threshold"][klass])
                tilt = max(min(cent(part * D("0.70")), v["reassist.cap"][klass] - used["reassist"]), D(0))
                used["reassist"] += tilt
            used["left"] += left
        out.append({"basic": basic, "critical": critical, "assistance": assistance, "tilt": tilt,
                    "out_of_pocket": total - basic - critical - assistance - tilt})
    return out


@given(year_of_cases(region="weihai", max_cases=8))
def test_a_weihai_year_matches_an_independent_ledger(cases):
    assume(len(cases[0]["person"]["identities"]) <= 1)
    for c in cases:
        c["flags"] = {}   # 威海's documents read no flag for the amounts
    want = weihai_year(cases)
    got = results_of(cases)
    for i, (w, r) in enumerate(zip(want, got)):
        assert {k: D(r["payouts"][k]) for k in LAYERS} == {k: w[k] for k in LAYERS}, (i, r["steps"])
        assert D(r["out_of_pocket"]) == w["out_of_pocket"]


def test_employee_and_resident_basic_funds_keep_their_own_caps():
    """Found by a property test: a person insured as 职工 then as 居民 in one year. 90% of
    (222422.23 − 200) = 200000.01 from the 职工 fund (cap 300000) leaves the 居民 fund's 200000 untouched
    (changchun-local.yaml: basic.inpatient.rate, basic.cap)."""
    from engine.calculate import calculate

    visit = {"kind": "inpatient", "hospital_level": 1}
    cases = [{"region": "changchun", "date": "2023-01-01", "person": {"insurance": ins}, "visit": visit,
              "amounts": {"total": amount, "policy_scope": amount}}
             for ins, amount in (("employee", "222422.23"), ("resident", "1200.00"))]
    first, second = calculate({"cases": cases})["results"]
    assert first["payouts"]["basic"] == "200000.01"
    caps = {c["name"]: (c["limit"], c["used"]) for c in second["caps"] if c["key"] == "basic.cap"}
    assert caps == {"基本医保统筹基金年度最高支付限额（城乡居民医保）": ("200000.00", "850.00")}  # (1200 − 200) × 85%


# -- the strategy reaches the rules ---------------------------------------------------------------------------

RULES_TO_REACH = ["大额救助", "托底 paid", "大病保险 cap", "assistance cap exhausted", "child uplift", "lookback", "drg",
                  "basic.cap exhausted"]
ASSISTANCE_CAPS = {"assist.cap", "dianjiang.general", "dianjiang.major", "dianjiang.large"}


def test_the_generated_years_reach_the_rules():
    """Over a fixed sample of years from the strategy (derandomized: the same years every run), each rule the
    properties are meant to test is reached at least once."""
    seen = Counter()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(year_of_cases())
    def sample(cases):
        got = reached(cases, results_of(cases))
        seen.update(got)
        if {f"{k} exhausted" for k in ASSISTANCE_CAPS} & got:
            seen["assistance cap exhausted"] += 1

    sample()
    missing = [rule for rule in RULES_TO_REACH if not seen[rule]]
    assert not missing, (missing, seen)
# ---- 武汉: 21号 (六) 倾斜救助 and 托底保障 are compared over the year (policy-readings.md 武汉) ----------------

RURAL_IDENTITIES = ["extreme_poverty", "subsistence", "relapsed_poverty", "monitored_rural"]


@st.composite
def wuhan_rural_year(draw):
    """A rural low-income person's year in 武汉 (one 21号 identity), stays and 门诊慢特病 with or without a
    referral, in or out of the district and province, 托底 applied for or not."""
    year = draw(st.integers(2023, 2026))
    identity = draw(st.sampled_from(RURAL_IDENTITIES))
    insurance = draw(st.sampled_from(["resident", "resident", "employee", "none"]))
    days = sorted(draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 28)), min_size=1, max_size=8)))
    cases = []
    for month, day in days:
        scope = draw(st.integers(0, 20_000_000)) / D(100)
        amounts = {"total": f"{scope + draw(st.integers(0, 2_000_000)) / D(100):.2f}", "policy_scope": f"{scope:.2f}"}
        if insurance != "none" and draw(st.booleans()):
            basic = (scope * draw(st.integers(0, 90)) / 100).quantize(D("0.01"))
            amounts["basic_paid"] = f"{basic:.2f}"
            amounts["critical_paid"] = f"{((scope - basic) * draw(st.integers(0, 50)) / 100).quantize(D('0.01')):.2f}"
        in_province = draw(st.booleans())
        cases.append({
            "region": "wuhan", "date": f"{year}-{month:02d}-{day:02d}",
            "person": {"identities": [identity], "insurance": insurance, "rural": True},
            "visit": {"kind": draw(st.sampled_from(["inpatient", "inpatient", "outpatient_chronic", "outpatient_special"])),
                      "hospital_level": draw(st.integers(1, 3)), "referral": draw(st.booleans()),
                      "in_province": in_province, "in_district": in_province and draw(st.booleans()),
                      "diseases": draw(st.lists(st.sampled_from(["恶性肿瘤门诊放化疗", "高血压"]), max_size=1))},
            "amounts": amounts,
            "flags": {"tilt_applied": True, "poverty_risk": True} if draw(st.booleans()) else {},
        })
    return cases


def _tilts(cases):
    return [D(r["payouts"]["tilt"]) for r in results_of(cases)]


def _running(amounts):
    total, out = D(0), []
    for a in amounts:
        total += a
        out.append(total)
    return out


@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(wuhan_rural_year())
def test_wuhan_rural_tilt_is_the_larger_track_over_the_year(cases):
    """The tilt paid by the end of any case of the year is the larger of the two tracks' year-to-date totals,
    each computed alone: 21号 alone (托底 not applied for), 托底 alone (the person not rural, so no 21号).
    So the year never pays more than the larger track (the case-by-case larger of the marginal amounts did)."""
    both = _running(_tilts(cases))
    rural_alone = _running(_tilts([{**c, "flags": {}} for c in cases]))
    backstop_alone = _running(_tilts([{**c, "person": {**c["person"], "rural": False}} for c in cases]))
    for paid, rural, backstop in zip(both, rural_alone, backstop_alone):
        assert paid <= max(rural, backstop)
        assert paid == max(rural, backstop)
