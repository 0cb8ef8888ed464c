"""Properties over random cases and random years (hypothesis)."""
import copy
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import calculate
from strategies import case, year_of_cases

D = Decimal
LAYERS = ("basic", "critical", "assistance", "tilt")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The largest yearly 医疗救助 and 倾斜/再救助/托底 a class can receive, from the documents.
ASSISTANCE_MAX = {
    "wuhan": {"一类": D(70000), "二类": D(70000), "三类": D(40000), "四类": D(30000)},
    "weihai": {"A类": D(70000), "B类": D(10000), "C类": D(50000)},
    "changchun": {"一类": D(30000), "二类": D(30000), "三类": D(10000), "四类": D(10000)},
    # 普通疾病住院 6,000 + 重特大 100,000 + 大额 60,000 + 普通门诊 400
    "dianjiang": {k: D(166400) for k in ("第一类", "第二类", "第三类", "第四类", "第五类", "第六类")},
}
TILT_MAX = {"weihai": {"A类": D(20000), "B类": D(10000), "C类": D(0)}, "changchun": D(20000), "dianjiang": D(0)}


def results_of(cases):
    return calculate({"cases": cases})["results"]


def _base(case_in, result):
    a = case_in["amounts"]
    scope, total = D(a["policy_scope"]), D(a["total"])
    paid = D(result["payouts"]["basic"]) + D(result["payouts"]["critical"])
    if case_in["person"]["insurance"] == "none" and case_in["region"] == "changchun":
        return (total / 2).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return scope - paid


@SETTINGS
@given(year_of_cases())
def test_each_layer_within_what_is_left_and_sums_to_total(cases):
    for c, r in zip(cases, results_of(cases)):
        p = {k: D(v) for k, v in r["payouts"].items()}
        total, scope = D(c["amounts"]["total"]), D(c["amounts"]["policy_scope"])
        assert all(v >= 0 for v in p.values()), r["payouts"]
        assert D(r["out_of_pocket"]) >= 0 and D(r["hospital_borne"]) >= 0
        assert p["basic"] <= scope
        assert p["critical"] <= scope - p["basic"]
        base = _base(c, r)
        assert p["assistance"] <= base
        assert p["tilt"] <= base - p["assistance"]
        assert sum(p.values()) + D(r["hospital_borne"]) + D(r["out_of_pocket"]) == total
        for cap in r["caps"]:
            if cap["limit"] is not None:
                assert D(cap["used"]) <= D(cap["limit"]), cap
        for v in list(r["payouts"].values()) + [r["out_of_pocket"], r["hospital_borne"]]:
            assert v == f"{D(v):.2f}"


@SETTINGS
@given(year_of_cases(max_cases=10))
def test_no_yearly_cap_is_exceeded(cases):
    results = results_of(cases)
    region = cases[0]["region"]
    by_class: dict[str, list] = {}
    for r in results:
        if r["assistance_class"]:
            by_class.setdefault(r["assistance_class"], []).append(r)
    if len(by_class) != 1 or any(r["assistance_class"] is None for r in results):
        return  # one class all year: the documents' caps can be checked independently
    klass, rs = next(iter(by_class.items()))
    assert sum(D(r["payouts"]["assistance"]) for r in rs) <= ASSISTANCE_MAX[region][klass]
    limit = TILT_MAX.get(region)
    if isinstance(limit, dict):
        limit = limit[klass]
    if limit is not None:
        assert sum(D(r["payouts"]["tilt"]) for r in rs) <= limit
    if region == "wuhan" and not any(c["person"]["rural"] for c in cases):  # 托底 only: 30,000 a year
        assert sum(D(r["payouts"]["tilt"]) for r in rs) <= D(30000)


@SETTINGS
@given(st.data())
def test_highest_identity_pays_at_least_each_alone(data):
    c = data.draw(case())
    ids = c["person"]["identities"]
    if len(ids) < 2:
        return
    both = calculate(c)
    paid = sum(D(v) for v in both["payouts"].values())
    for ident in ids:
        alone = copy.deepcopy(c)
        alone["person"]["identities"] = [ident]
        r = calculate(alone)
        assert paid >= sum(D(v) for v in r["payouts"].values())


@SETTINGS
@given(st.data())
def test_paying_more_never_lowers_a_layer(data):
    history = data.draw(year_of_cases(max_cases=4))
    last = copy.deepcopy(history[-1])
    extra = data.draw(st.integers(1, 5_000_000)).__truediv__(100)
    bigger = copy.deepcopy(last)
    a = bigger["amounts"]
    a["total"] = f"{D(a['total']) + D(str(extra)):.2f}"
    a["policy_scope"] = f"{D(a['policy_scope']) + D(str(extra)):.2f}"
    small = results_of(history)[-1]
    large = results_of(history[:-1] + [bigger])[-1]
    for layer in LAYERS:
        assert D(large["payouts"][layer]) >= D(small["payouts"][layer]), (layer, small["steps"], large["steps"])


@SETTINGS
@given(year_of_cases())
def test_a_year_in_one_list_equals_cases_one_after_another(cases):
    from engine import Year, calculate_cases, parse_input

    together = results_of(cases)
    year = Year()
    for c, want in zip(cases, together):
        got = calculate_cases(parse_input(c), year)[0].to_json()
        assert got["payouts"] == want["payouts"] and got["out_of_pocket"] == want["out_of_pocket"]


def test_employee_and_resident_basic_funds_keep_their_own_caps():
    """Found by the property above: a person insured as 职工 then as 居民 in one year. 90% of
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


@SETTINGS
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
