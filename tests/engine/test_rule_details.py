"""Rule details the hand-worked cases did not pin down, found by mutation testing (tools/mutation.py):
each test names the mutant it kills. Amounts worked by hand from the documents; slip amounts given."""
from decimal import Decimal

import pytest

from engine.calculate import calculate
from engine.errors import InputError
from engine.policy import load_book
from ids import valid_id


def wuhan(amounts, date="2024-05-01"):
    """武汉, 低保边缘家庭成员 = 三类 (武政规〔2023〕1号 二、(一)): not a 大病保险 倾斜 identity, so the 大病保险 起付线
    is the residents' 12,000 (wuhan-local.yaml critical.brackets); 住院救助 above 3,000 a year at 70%."""
    return {"region": "wuhan", "date": date, "person": {"identities": ["subsistence_edge"], "insurance": "resident"},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": amounts, "flags": {}}


def caps(result):
    return {c["key"]: (c["limit"], c["used"]) for c in result["caps"]}


def test_wuhan_major_year_from_a_base_exactly_at_the_critical_deductible():
    """大病保险基数 36000.00 − 24000.00 = 12000.00 reaches the 起付线 12000 (≥, not >): 重特大疾病, so the class's
    重特大疾病 yearly cap 40,000 applies, not the 一般疾病 10,000 (二、(四)).
    S = 36000.00 − 24000.00 − 0.00 = 12000.00; 救助 (12000.00 − 3000.00) × 70% = 6300.00;
    个人自付 40000.00 − 24000.00 − 6300.00 = 9700.00.
    Kills: `reached = critical > 0 and …`, `… > critical_deductible`, `view.get(None)` (engine/regions/wuhan.py)."""
    r = calculate(wuhan({"total": "40000.00", "policy_scope": "36000.00", "basic_paid": "24000.00",
                         "critical_paid": "0.00"}))
    assert r["payouts"]["assistance"] == "6300.00" and r["out_of_pocket"] == "9700.00"
    assert caps(r) == {"assist.cap": ("40000.00", "6300.00")}


def test_wuhan_major_year_from_a_critical_payment_stays_major_all_year():
    """Case 1: the slip's 大病保险 0.50 > 0 makes the year 重特大疾病 although the base 5000.00 is below 12000.
    S = 8000.00 − 3000.00 − 0.50 = 4999.50; 救助 (4999.50 − 3000.00) × 70% = 1399.65; 自付 4599.85.
    Case 2: base 6000.00 in all, still below the 起付线 and no 大病保险 now, but the year stays 重特大疾病 (cap 40,000).
    S = 1000.00, the year's S already above 3000: 1000.00 × 70% = 700.00; 自付 2000.00 − 500.00 − 700.00 = 800.00.
    Kills: `critical > 1`, `view.flag(None)`, `view.set_flag(None)`."""
    first, second = calculate({"cases": [
        wuhan({"total": "9000.00", "policy_scope": "8000.00", "basic_paid": "3000.00", "critical_paid": "0.50"}),
        wuhan({"total": "2000.00", "policy_scope": "1500.00", "basic_paid": "500.00", "critical_paid": "0.00"},
              date="2024-07-01")]})["results"]
    assert (first["payouts"]["assistance"], first["out_of_pocket"]) == ("1399.65", "4599.85")
    assert caps(first) == {"assist.cap": ("40000.00", "1399.65")}
    assert (second["payouts"]["assistance"], second["out_of_pocket"]) == ("700.00", "800.00")
    assert caps(second) == {"assist.cap": ("40000.00", "2099.65")}


def dianjiang(identity, kind, amounts, date="2024-05-01", diseases=()):
    return {"region": "dianjiang", "date": date,
            "person": {"identities": [identity], "insurance": "resident", "birth_date": "1940-03-01"},
            "visit": {"kind": kind, "hospital_level": 2, "referral": True, "in_province": True, "in_district": True,
                      "diseases": list(diseases)},
            "amounts": amounts, "flags": {}}


def test_dianjiang_elderly_priority_veteran_gets_the_partial_ordinary_outpatient_rule():
    """在乡重点优抚对象 = 第四类 (垫江解读 三、(一)), aged 84: the full 400-a-year rule is for 第一类 and for 低保对象
    aged 80 or more only; 第四类 get 60% within 300 a year (三、(四)3. 一是). S = 900.00 − 500.00 − 0.00 = 400.00;
    400.00 × 60% = 240.00; 自付 1000.00 − 500.00 − 240.00 = 260.00.
    The step names the class (the reason for the partial rule). Kills: `if not full or ctx.identity == "subsistence"`,
    the step's details dropped (engine/regions/dianjiang.py)."""
    r = calculate(dianjiang("veteran_priority", "outpatient_general",
                            {"total": "1000.00", "policy_scope": "900.00", "basic_paid": "500.00", "critical_paid": "0.00"}))
    assert r["assistance_class"] == "第四类"
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("240.00", "260.00")
    assert "普通疾病门诊救助（第四类）：政策范围内的自付门诊费用 400.00 × 60% = 240.00" in [s["text"] for s in r["steps"]]
    assert caps(r)["dianjiang.outpatient"] == ("300.00", "240.00")


def test_dianjiang_large_assistance_yearly_limit_holds_across_stays():
    """低保对象 = 第二类; 阑尾炎 is not one of the 重特大疾病; 2级医院, 政策范围内 over 30,000: 大额救助 at the
    重特大疾病 rate 75%, 60,000 a year (垫江解读 三、(四)).
    Stay 1: S = 200000.00 − 100000.00 − 20000.00 = 80000.00 × 75% = 60000.00: the yearly limit used up.
    Stay 2: S = 50000.00 − 30000.00 − 0.00 = 20000.00; 大额 20000.00 × 75% = 15000.00, limit left 0.00 → 0.00;
    the stay is still a 普通疾病住院 (policy-readings.md 垫江): 20000.00 × 70% = 14000.00 within the ordinary
    住院救助 limit 6,000 (none used) → 6000.00, the larger of the two; 自付 52000.00 − 30000.00 − 6000.00 = 16000.00.
    The first stay's two steps say both amounts, the larger paid (a clerk checks them with a pen).
    Kills: the 大额救助 ledger key renamed in capped() or in its add, the steps' nouns dropped (engine/regions/dianjiang.py)."""
    first, second = calculate({"cases": [
        dianjiang("subsistence", "inpatient", {"total": "210000.00", "policy_scope": "200000.00",
                                               "basic_paid": "100000.00", "critical_paid": "20000.00"}, diseases=["阑尾炎"]),
        dianjiang("subsistence", "inpatient", {"total": "52000.00", "policy_scope": "50000.00",
                                               "basic_paid": "30000.00", "critical_paid": "0.00"},
                  date="2024-08-01", diseases=["阑尾炎"])]})["results"]
    assert first["payouts"]["assistance"] == "60000.00"
    assert [(s["layer"], s["text"]) for s in first["steps"] if s["text"].startswith(("住院救助", "大额救助"))] == [
        ("info", "住院救助（第二类，普通疾病，不设起付标准）：政策范围内自付费用 80000.00 × 70% = 56000.00；普通疾病住院年度救助限额 "
                 "6000.00，已用 0.00，剩余 6000.00，支付 6000.00；与大额救助就高，不重复支付"),
        ("assistance", "大额救助（第二类，2级医院一次住院政策范围内费用 200000.00 超过 30000.00）：经基本医保、大病保险"
                       "报销后的政策范围内费用 80000.00 × 重特大疾病住院救助比例 75% = 60000.00")]
    assert (second["payouts"]["assistance"], second["out_of_pocket"]) == ("6000.00", "16000.00")
    assert caps(second)["dianjiang.large"] == ("60000.00", "60000.00")


def test_a_ledger_reads_zero_for_what_is_unused_and_round_trips_through_json():
    """The store keeps a person's yearly ledger as JSON (engine/ledger.py): unused keys read 0.00, and the text
    form gives back exactly the amounts. Kills the mutants of Ledger.get, to_json and from_json."""

    from engine.ledger import Ledger

    ledger = Ledger({"assist.paid": Decimal("26000.00"), "critical.base": Decimal("12000.50")})
    assert ledger.get("tilt.paid") == Decimal("0.00") and str(ledger.get("tilt.paid")) == "0.00"
    assert ledger.get("assist.paid") == Decimal("26000.00")
    text = ledger.to_json()
    assert text == {"assist.paid": "26000.00", "critical.base": "12000.50"}
    assert list(text) == ["assist.paid", "critical.base"]
    again = Ledger.from_json(text)
    assert again.data == ledger.data and all(isinstance(v, Decimal) for v in again.data.values())


def test_a_case_adding_twice_to_one_ledger_key_counts_both():
    """A case works on a view of the year's ledger (engine/ledger.py) and commits it once: two additions to one key
    within the case accumulate on what the view already holds, 26000.00 + 1000.00 + 500.00 = 27500.00, each
    returning the amount before it; nothing reaches the ledger until the commit. Kills in `LedgerView.add`: the
    amount before read from the ledger instead of the case's own copy."""
    from engine.ledger import Ledger, LedgerView

    ledger = Ledger({"assist.paid": Decimal("26000.00")})
    view = LedgerView(ledger)
    assert view.add("assist.paid", Decimal("1000.00")) == Decimal("26000.00")
    assert view.add("assist.paid", Decimal("500.00")) == Decimal("27000.00")
    assert ledger.get("assist.paid") == Decimal("26000.00")
    view.commit()
    assert ledger.get("assist.paid") == Decimal("27500.00")


VISIT = {"hospital_level": 2, "referral": True, "in_province": True, "in_district": True}


def test_weihai_special_drug_from_the_slip_and_its_own_yearly_cap():
    """威海 低保对象 = A类; 大病保险特药 from the slip 40000.00 (特药 has its own 400,000 a year, 二、(二)).
    S = 50000.00 − 0.00 − 40000.00 = 10000.00 × 70% = 7000.00 (A类 不设起付标准, 二、(三)3.);
    left 3000.00 ≤ 5000 → 再救助 0.00; 自付 50000.00 − 40000.00 − 7000.00 = 3000.00.
    Kills: the slip's 特药 amount dropped, and the 特药 cap's report mutants (engine/insurance.py _special_drug)."""
    r = calculate({"region": "weihai", "date": "2024-03-01",
                   "person": {"identities": ["subsistence"], "insurance": "resident", "birth_date": "1960-01-01"},
                   "visit": {"kind": "special_drug", **VISIT, "diseases": []},
                   "amounts": {"total": "50000.00", "policy_scope": "50000.00", "basic_paid": "0.00",
                               "critical_paid": "40000.00"}, "flags": {}})
    assert r["payouts"] == {"basic": "0.00", "critical": "40000.00", "assistance": "7000.00", "tilt": "0.00"}
    assert r["out_of_pocket"] == "3000.00"
    drug = next(c for c in r["caps"] if c["key"] == "special_drug.cap")
    assert (drug["name"], drug["limit"], drug["used"], drug["left"]) == (
        "大病保险特药年度最高支付限额", "400000.00", "40000.00", "360000.00")
    assert drug["source"]


def changchun(kind, amounts, diseases=(), date="2024-03-01", birth="1960-01-01", **visit):
    person = {"identities": ["subsistence"], "insurance": "resident"}
    if birth:
        person["birth_date"] = birth
    return {"region": "changchun", "date": date, "person": person,
            "visit": {"kind": kind, **VISIT, **visit, "diseases": list(diseases)}, "amounts": amounts, "flags": {}}


def test_changchun_a_later_special_disease_counts_when_an_earlier_one_is_age_limited():
    """低保对象 = 二类 (第三条). 自闭症 counts only under 16 (第十一条), the person is 64; 尿毒症, listed second, is one
    of the 13: 不设起付标准, 100%. S = 10000.00 − 6000.00 − 0.00 = 4000.00 → 4000.00 (not (4000 − 1000) × 70%).
    Kills: `continue` → `break` in _special_disease (engine/regions/changchun.py)."""
    r = calculate(changchun("inpatient", {"total": "12000.00", "policy_scope": "10000.00", "basic_paid": "6000.00",
                                          "critical_paid": "0.00"}, diseases=["自闭症", "尿毒症"]))
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("4000.00", "2000.00")
    assert r["warnings"] == []   # the age is known: no warning about it


def test_changchun_chronic_outpatient_shares_the_yearly_assistance_cap():
    """二类, 尿毒症 stay: S = 90000.00 − 50000.00 − 10000.00 = 30000.00 × 100% = 30000.00, the yearly 30,000 (第十一条,
    住院与门诊共用) used up. Then 门诊慢性病: 400.00 × 50% = 200.00 within its own 1,000 (第十二条), but nothing is left of
    the shared 30,000 → 0.00; 自付 1000.00 − 600.00 = 400.00.
    The step says the class, that there is no deductible, and why nothing is paid.
    Kills: the shared cap's ledger key dropped in _chronic, the step's details dropped (engine/regions/changchun.py)."""
    stay, chronic = calculate({"cases": [
        changchun("inpatient", {"total": "100000.00", "policy_scope": "90000.00", "basic_paid": "50000.00",
                                "critical_paid": "10000.00"}, diseases=["尿毒症"]),
        changchun("outpatient_chronic", {"total": "1000.00", "policy_scope": "1000.00", "basic_paid": "600.00",
                                         "critical_paid": "0.00"}, date="2024-05-01", referral=False)]})["results"]
    assert stay["payouts"]["assistance"] == "30000.00"
    assert (chronic["payouts"]["assistance"], chronic["out_of_pocket"]) == ("0.00", "400.00")
    assert ("门诊慢性病救助（二类，不设起付标准）：政策范围内个人自付医疗费用 400.00 × 50% = 200.00；年度最高救助限额（住院与门诊共用）"
            " 30000.00，已用 30000.00，剩余 0.00，支付 0.00") in [s["text"] for s in chronic["steps"]]


def test_changchun_without_a_birth_date_warns_once_and_computes_as_an_adult():
    """No birth date and no ID number: the age is unknown, the person is taken as an adult (no children's uplift,
    第十一条) and the result says so, once. 二类: (4000.00 − 1000.00) × 70% = 2100.00.
    Kills: the mutants of age_or_warn (engine/regions/common.py)."""
    r = calculate(changchun("inpatient", {"total": "12000.00", "policy_scope": "10000.00", "basic_paid": "6000.00",
                                          "critical_paid": "0.00"}, birth=None))
    assert r["payouts"]["assistance"] == "2100.00"
    assert r["warnings"] == ["未提供出生日期或身份证号，年龄无法确定，按成年人计算；如为儿童或高龄老人请补录。"]


def test_wuhan_backstop_paid_and_its_yearly_limit_reported():
    """武汉 城镇 低保对象 = 二类, applied for 托底 and at risk (flags), referred, in the province. 大病保险 10000.00 was
    paid: 重特大疾病, cap 70,000. S = 100000.00 − 50000.00 − 10000.00 = 40000.00 × 80% = 32000.00; left 8000.00;
    托底保障 (武政规〔2023〕1号 二、(四)): (8000.00 − 7000.00) × 50% = 500.00 within 30,000 a year;
    自付 110000.00 − 50000.00 − 10000.00 − 32000.00 − 500.00 = 17500.00.
    Then the same stay outside the province: no 托底 (须规范转诊且在省域内就医), and no 托底 limit reported.
    Kills: the 托底 limit's report mutants and its conditions (engine/regions/wuhan.py _tilt)."""
    paid = wuhan({"total": "110000.00", "policy_scope": "100000.00", "basic_paid": "50000.00", "critical_paid": "10000.00"})
    paid["person"]["identities"] = ["subsistence"]
    paid["flags"] = {"tilt_applied": True, "poverty_risk": True}
    r = calculate(paid)
    assert (r["payouts"]["assistance"], r["payouts"]["tilt"], r["out_of_pocket"]) == ("32000.00", "500.00", "17500.00")
    assert caps(r) == {"assist.cap": ("70000.00", "32000.00"), "wuhan.backstop": ("30000.00", "500.00")}
    backstop = next(c for c in r["caps"] if c["key"] == "wuhan.backstop")
    assert backstop["name"] == "托底保障年度救助限额（按托底保障单独计算的年度累计）" and backstop["left"] == "29500.00" and backstop["source"]
    away = wuhan({"total": "110000.00", "policy_scope": "100000.00", "basic_paid": "50000.00", "critical_paid": "10000.00"})
    away["person"]["identities"] = ["subsistence"]
    away["visit"].update(in_province=False, in_district=False)
    r = calculate(away)
    assert (r["payouts"]["tilt"], r["out_of_pocket"]) == ("0.00", "18000.00")
    assert caps(r) == {"assist.cap": ("70000.00", "32000.00")}


def test_dianjiang_a_major_disease_named_as_the_clerk_writes_it():
    """垫江 lists 终末期肾病（尿毒症） among the 重特大疾病 (垫江解读 三、(四)); 尿毒症 as written on the slip is the same
    disease. 第二类: 重特大疾病 75%, 不设起付标准, 100,000 a year: S = 30000.00 − 10000.00 − 0.00 = 20000.00 × 75% =
    15000.00 (as 普通疾病 it would be 70% within 6,000); 自付 32000.00 − 10000.00 − 15000.00 = 7000.00.
    Kills: the disease aliases dropped (engine/regions/dianjiang.py _major_disease)."""
    r = calculate(dianjiang("subsistence", "inpatient", {"total": "32000.00", "policy_scope": "30000.00",
                                                         "basic_paid": "10000.00", "critical_paid": "0.00"},
                            diseases=["尿毒症"]))
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("15000.00", "7000.00")
    assert caps(r)["dianjiang.major"] == ("100000.00", "15000.00")


def _special_outpatient_step(birth, identity="subsistence_edge"):
    """长春 低保边缘家庭成员 = 三类 (第三条), 门诊特殊疾病 on 2023-06-15: S = 6000.00 − 2000.00 − 0.00 = 4000.00."""
    r = calculate({"region": "changchun", "date": "2023-06-15",
                   "person": {"identities": [identity], "insurance": "resident", "birth_date": birth},
                   "visit": {"kind": "outpatient_special", **VISIT, "diseases": []},
                   "amounts": {"total": "6500.00", "policy_scope": "6000.00", "basic_paid": "2000.00",
                               "critical_paid": "0.00"}, "flags": {}})
    [step] = [s for s in r["steps"] if s["text"].startswith("门诊特殊疾病救助")]
    return r, step


def test_changchun_special_outpatient_step_of_a_child_on_the_day_of_turning_14_says_why_no_uplift():
    """Born 2009-06-15, 14周岁 on the settlement date: still a child ("14周岁（含）以下", 第十一条), but 门诊特殊疾病
    borrows the class's 住院救助比例 (第十二条(二)), not the child's raised one: 4000.00 × 40% = 1600.00, and the
    step says why, citing 第十二条(二) (the rule), 第十一条 (the rate and the uplift) and 第十三条 (the yearly cap).
    An adult's step ends with the amount. Kills: `age < child.age`, the age dropped, the note always added,
    the step's details dropped, its clauses replaced (engine/regions/changchun.py _child_note, _special_outpatient)."""
    r, step = _special_outpatient_step("2009-06-15")
    assert r["payouts"]["assistance"] == "1600.00" and r["assistance_class"] == "三类"
    assert step["text"] == ("门诊特殊疾病救助（三类，参照相应类别住院救助比例，不设起付标准）：政策范围内个人自付医疗费用 "
                            "4000.00 × 40% = 1600.00；14周岁儿童的比例上浮只适用于住院救助（第十一条），此处按类别比例")
    assert step["source"] == "长春市实施办法（征求意见稿） 第十二条(二)；第十一条；第十三条"
    r, step = _special_outpatient_step("1960-01-01")
    assert r["payouts"]["assistance"] == "1600.00"
    assert step["text"] == ("门诊特殊疾病救助（三类，参照相应类别住院救助比例，不设起付标准）：政策范围内个人自付医疗费用 "
                            "4000.00 × 40% = 1600.00")
    r, step = _special_outpatient_step("1960-01-01", identity="subsistence")   # 二类 has its own rates (第十二条(二))
    assert r["payouts"]["assistance"] == "2800.00"
    assert step["text"] == "门诊特殊疾病救助（二类，不设起付标准）：政策范围内个人自付医疗费用 4000.00 × 70% = 2800.00"


def test_dianjiang_ordinary_stay_reports_what_its_yearly_limit_has_used():
    """垫江 低保对象 = 第二类; 阑尾炎 is no 重特大疾病; 2级医院, 政策范围内 20,000 (under the 大额救助 30,000): 普通疾病住院,
    no deductible for 第二类, 70% within 6,000 a year (垫江解读 三、(四)3. 二是、五是).
    S = 20000.00 − 10000.00 − 0.00 = 10000.00 × 70% = 7000.00 → 6000.00 (the limit); 自付 21000.00 − 10000.00 − 6000.00
    = 5000.00, and the limit's report shows it used up.
    Kills: the 普通疾病 limit's ledger key renamed where the stay is paid (engine/regions/dianjiang.py _inpatient)."""
    r = calculate(dianjiang("subsistence", "inpatient", {"total": "21000.00", "policy_scope": "20000.00",
                                                         "basic_paid": "10000.00", "critical_paid": "0.00"},
                            diseases=["阑尾炎"]))
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("6000.00", "5000.00")
    assert caps(r)["dianjiang.general"] == ("6000.00", "6000.00")


def test_weihai_reassist_step_and_its_yearly_limit_for_class_b():
    """威海 低保边缘家庭成员 = B类 (威政办发〔2022〕15号 二、(三)1.). S = 30000.00 − 10000.00 − 0.00 = 20000.00;
    医疗救助 (20000.00 − 3000.00) × 50% = 8500.00 within 10,000 (二、(三)3.); left 20000.00 − 8500.00 = 11500.00;
    再救助 (11500.00 − 10000.00) × 70% = 1050.00 within its 10,000 a year; 自付 32000.00 − 10000.00 − 8500.00 − 1050.00
    = 12450.00. The step names the class; both limits are reported under their keys.
    Kills: the steps' details dropped, the limits' keys and names dropped (engine/regions/weihai.py assist, _reassist)."""
    r = calculate({"region": "weihai", "date": "2024-03-01",
                   "person": {"identities": ["subsistence_edge"], "insurance": "resident", "birth_date": "1960-01-01"},
                   "visit": {"kind": "inpatient", **VISIT, "diseases": []},
                   "amounts": {"total": "32000.00", "policy_scope": "30000.00", "basic_paid": "10000.00",
                               "critical_paid": "0.00"}, "flags": {}})
    assert r["assistance_class"] == "B类"
    assert (r["payouts"]["assistance"], r["payouts"]["tilt"], r["out_of_pocket"]) == ("8500.00", "1050.00", "12450.00")
    assert [s["text"] for s in r["steps"] if s["layer"] == "tilt"] == [
        "再救助（B类）：“三重制度”保障后政策范围内个人负担费用本次 11500.00，年度累计 0.00 → 11500.00，超过 10000.00 的部分 "
        "1500.00 × 70% = 1050.00"]
    assert caps(r) == {"assist.cap": ("10000.00", "8500.00"), "tilt.cap": ("10000.00", "1050.00")}
    assert [c["name"] for c in r["caps"]] == ["医疗救助年度累计救助限额（B类）", "再救助年度累计救助限额（B类）"]
    assert ("医疗救助（B类）：政策范围内个人负担费用本次 20000.00，年度累计 0.00 → 20000.00，超过 3000.00 的部分 17000.00 × "
            "50% = 8500.00") in [s["text"] for s in r["steps"]]


def test_weihai_lookback_is_noted_only_when_asked_for():
    """威海 因病致贫重病患者 = C类: 政策范围内个人负担费用 may be counted back to 12 months before the application
    (威政办发〔2022〕15号 二、(三)4.); the clerk enters those bills and marks `lookback`, and the result says so.
    Without the mark, no such note. S = 30000.00 − 10000.00 − 0.00 = 20000.00; (20000.00 − 10000.00) × 60% = 6000.00
    within 50,000 either way. Kills: the `lookback` condition inverted or misspelt (engine/regions/weihai.py assist)."""
    def run(flags):
        return calculate({"region": "weihai", "date": "2024-03-01",
                          "person": {"identities": ["illness_impoverished"], "insurance": "resident",
                                     "birth_date": "1960-01-01"},
                          "visit": {"kind": "inpatient", **VISIT, "diseases": []},
                          "amounts": {"total": "32000.00", "policy_scope": "30000.00", "basic_paid": "10000.00",
                                      "critical_paid": "0.00"}, "flags": flags})
    note = "因病致贫重病患者：政策范围内个人负担费用追溯至申请之月前12个月，按本类待遇和年度限额计算"
    asked, plain = run({"lookback": True}), run({})
    assert asked["assistance_class"] == plain["assistance_class"] == "C类"
    assert asked["payouts"]["assistance"] == plain["payouts"]["assistance"] == "6000.00"
    assert [s["text"] for s in asked["steps"] if s["layer"] == "info"] == [note]
    assert not any(s["text"] == note for s in plain["steps"])


def test_weihai_general_outpatient_is_outside_assistance_and_says_which_clause():
    """威海 低保对象 = A类; 普通门诊 is not among the costs 医疗救助 covers (住院、门诊慢特病、特药: 威政办发〔2022〕15号
    二、(三)2.), so 医疗救助 0.00 and 自付 300.00 − 150.00 = 150.00; the step cites that clause.
    Kills: the clause's name misspelt in the out-of-scope step (engine/regions/weihai.py assist)."""
    r = calculate({"region": "weihai", "date": "2024-03-01",
                   "person": {"identities": ["subsistence"], "insurance": "resident", "birth_date": "1960-01-01"},
                   "visit": {"kind": "outpatient_general", **VISIT, "diseases": []},
                   "amounts": {"total": "300.00", "policy_scope": "300.00", "basic_paid": "150.00",
                               "critical_paid": "0.00"}, "flags": {}})
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("0.00", "150.00")
    [step] = [s for s in r["steps"] if s["text"].startswith("普通门诊费用不在")]
    assert step["source"] == "威政办发〔2022〕15号 二、(三)2. 明确救助费用保障范围"


def test_a_yearly_threshold_reached_exactly_by_an_earlier_case_is_said_so_in_the_documents_words():
    """武汉 三类 (低保边缘家庭成员): 住院救助 起付标准 3,000 a year, "起付标准以上部分" at 70% (武政规〔2023〕1号 二、(四)).
    Case 1: S = 8000.00 − 5000.00 = 3000.00, the year's base reaches 3000.00 exactly: (3000.00 − 3000.00) × 70% = 0.00.
    Case 2: S = 4000.00 − 2000.00 = 2000.00, all above: 2000.00 × 70% = 1400.00, and the step says the threshold was
    reached by the year's earlier cases ("已由…达到", a 起付标准). 威海 B类: "超过 3000 元的部分" at 50% (威政办发〔2022〕15号
    二、(三)3.): case 1 S = 20000.00 → (20000.00 − 3000.00) × 50% = 8500.00; case 2 S = 1000.00 → 1000.00 × 50% = 500.00,
    "本年度此前的案件已超过" (an 超过 threshold). Kills: `before > threshold`, the two wordings swapped or fixed
    (engine/regions/common.py yearly_above)."""
    first, second = calculate({"cases": [
        wuhan({"total": "9000.00", "policy_scope": "8000.00", "basic_paid": "5000.00", "critical_paid": "0.00"}),
        wuhan({"total": "5000.00", "policy_scope": "4000.00", "basic_paid": "2000.00", "critical_paid": "0.00"},
              date="2024-07-01")]})["results"]
    assert (first["payouts"]["assistance"], second["payouts"]["assistance"]) == ("0.00", "1400.00")
    assert any("本次 2000.00，年度累计 3000.00 → 5000.00，起付标准 3000.00（已由本年度此前的案件达到） 以上部分 2000.00 × 70% "
               "= 1400.00" in s["text"] for s in second["steps"])
    def weihai_b(scope, date):
        return {"region": "weihai", "date": date,
                "person": {"identities": ["subsistence_edge"], "insurance": "resident", "birth_date": "1960-01-01"},
                "visit": {"kind": "inpatient", **VISIT, "diseases": []},
                "amounts": {"total": scope, "policy_scope": scope, "basic_paid": "0.00", "critical_paid": "0.00"},
                "flags": {}}
    first, second = calculate({"cases": [weihai_b("20000.00", "2024-03-01"), weihai_b("1000.00", "2024-04-01")]})["results"]
    assert (first["payouts"]["assistance"], second["payouts"]["assistance"]) == ("8500.00", "500.00")
    assert ("医疗救助（B类）：政策范围内个人负担费用本次 1000.00，年度累计 20000.00 → 21000.00，超过 3000.00（本年度此前的案件已超过） "
            "的部分 1000.00 × 50% = 500.00") in [s["text"] for s in second["steps"]]


RURAL_PLAN_ENDED = ("武医保〔2022〕21号《武汉市巩固拓展医疗保障脱贫攻坚成果有效衔接乡村振兴战略实施方案》已于 2026-12-31 到期，"
                    "本案结算日期 2027-07-07 在其施行期之后：农村低收入人口的重特大疾病倾斜救助（二、(六)）和住院政策范围外"
                    "费用比例控制（二、(九)）不再适用，本案未计算。如已有接续文件，请联系管理员添加其政策参数文件。")


def rural_stay(identities, date="2027-07-07"):
    """tests/engine/cases/wuhan.yaml "农村低保 区内三级住院", a rural person: 政策范围内 100000.00, 基本医保 50000.00,
    大病保险 10000.00, so the 住院救助 base S = 100000.00 − 50000.00 − 10000.00 = 40000.00."""
    return {"region": "wuhan", "date": date,
            "person": {"identities": list(identities), "insurance": "resident", "rural": True},
            "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": "120000.00", "policy_scope": "100000.00", "basic_paid": "50000.00",
                        "critical_paid": "10000.00"}}


def ended_notices(result):
    return [w for w, kind in zip(result["warnings"], result["warning_kinds"]) if kind == "rule_ended"]


def test_wuhan_rural_plan_ended_is_said_once_and_only_for_its_identities():
    """武医保〔2022〕21号 (农村低收入人口 倾斜救助 二、(六) and 政策范围外费用比例控制 二、(九)) is in force
    2022-01-01 to 2026-12-31 (末段: 5年过渡期) and no later document gives its rates.
    2027-07-07, 农村低保: 倾斜救助 and 医疗机构承担 no longer computed, and the case says so once, as `rule_ended`;
    医疗救助 stays (40000.00 − 0) × 80% = 32000.00 (武政规〔2023〕1号, 二类 80%, cap 40,000 重特大疾病);
    自付 120000.00 − 50000.00 − 10000.00 − 32000.00 = 28000.00.
    特困 + 低保 (two identities of the plan, each tried for 就高): still one notice; 特困 (一类) 100%: 40000.00.
    农村低保边缘 (not one of the plan's identities, 二、(六)): it never applied to them, nothing is said.
    2026-07-07, the plan in force: no notice (倾斜救助 1980.00 is computed).
    Kills in `_rural_plan_ended` (engine/regions/wuhan.py): `ended is not None`, the parameter names changed,
    `identities is None or …`, `ctx.identity in …`, `text in ctx.warnings`, the notice kind or text dropped."""
    subsistence = calculate(rural_stay(["subsistence"]))
    assert ended_notices(subsistence) == [RURAL_PLAN_ENDED]
    assert subsistence["payouts"] == {"basic": "50000.00", "critical": "10000.00", "assistance": "32000.00",
                                      "tilt": "0.00"}
    assert (subsistence["hospital_borne"], subsistence["out_of_pocket"]) == ("0.00", "28000.00")

    both = calculate(rural_stay(["extreme_poverty", "subsistence"]))
    assert ended_notices(both) == [RURAL_PLAN_ENDED]
    assert (both["payouts"]["assistance"], both["out_of_pocket"]) == ("40000.00", "20000.00")

    edge = calculate(rural_stay(["subsistence_edge"]))
    assert ended_notices(edge) == [] and not any("到期" in w for w in edge["warnings"])

    in_force = calculate(rural_stay(["subsistence"], date="2026-07-07"))
    assert ended_notices(in_force) == [] and in_force["payouts"]["tilt"] == "1980.00"


def test_each_step_and_cap_cites_its_clauses_word_for_word():
    """武汉 低保 (二类, 倾斜支付 of 大病保险), 门诊慢特病 in 2024: the clerk checks each line against the clause it cites.
    大病保险: base 10000.00 − 5000.00 = 5000.00 below the halved 起付线 12000 × 50% = 6000.00 (武政规〔2023〕1号
    二、(三)): 0.00. 门诊慢特病救助 二类 50%, 不设起付标准: 5000.00 × 50% = 2500.00 (二、(四)); 自付 12000.00 − 5000.00
    − 2500.00 = 4500.00.
    The 大病保险 step cites a document the system does not hold (its citation alone, no number) and three parameters
    of one clause of 武政规〔2023〕1号 (said once); the 门诊慢特病 step two clauses of one document (the number once);
    the slip's amounts cite "结算单". The parameters of unheld documents used are listed for checking.
    Kills in `Ctx._cite`/`Ctx.cite`/`Ctx.p` (engine/context.py): the grouping by document, the verified test, the
    de-duplication of a clause, the separators, the cache returning None, the used parameters not remembered;
    the 门诊慢特病 step's details (class, disease group, 不设起付标准) dropped (engine/regions/wuhan.py `_outpatient`);
    the 一般疾病 year given the 重特大 cap, the caps' keys, names, limits and used amounts (wuhan.py `assist`)."""
    r = calculate({"region": "wuhan", "date": "2024-05-01",
                   "person": {"identities": ["subsistence"], "insurance": "resident"},
                   "visit": {"kind": "outpatient_chronic", "hospital_level": 3, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "12000.00", "policy_scope": "10000.00", "basic_paid": "5000.00"}},
                  load_book())   # a book of its own: citations are cached per book, and a mutant must not find them made
    assert r["payouts"] == {"basic": "5000.00", "critical": "0.00", "assistance": "2500.00", "tilt": "0.00"}
    assert r["out_of_pocket"] == "4500.00"
    assert [(s["layer"], s["amount"], s["source"]) for s in r["steps"]] == [
        ("basic", "5000.00", "结算单"),
        ("critical", "0.00", "武汉市城乡居民大病保险实施办法（本系统未收录）；武政规〔2023〕1号 二、(三) 提高城乡居民大病保险保障水平"),
        ("assistance", "5000.00", "武政规〔2023〕1号 二、(二) 明确医疗救助支出范围"),
        ("assistance", "2500.00", "武政规〔2023〕1号 二、(四) 门诊慢特病医疗救助方式；二、(四) 住院医疗救助方式"),
        ("out_of_pocket", "4500.00", "各层支付汇总")]
    assert [(c["key"], c["name"], c["limit"], c["used"], c["source"]) for c in r["caps"]] == [
        ("assist.cap", "医疗救助年救助限额（一般疾病，含门诊慢特病）", "26000.00", "2500.00",
         "武政规〔2023〕1号 二、(四) 住院医疗救助方式"),
        ("wuhan.outpatient", "门诊慢特病年救助限额", "5000.00", "2500.00", "武政规〔2023〕1号 二、(四) 门诊慢特病医疗救助方式")]
    assert r["steps"][3]["text"] == "门诊慢特病救助（二类，其他门诊慢特病，不设起付标准）：政策范围内个人自付 5000.00 × 50% = 2500.00"
    assert r["unverified_parameters"] == ["critical.brackets", "critical.kinds"]
    assert r["documents"] == ["武政规〔2023〕1号《市人民政府关于印发健全重特大疾病医疗保险和救助制度工作的通知》"]


def test_changchun_general_tilt_step_has_no_empty_details():
    """长春 特困 = 一类 (第三条), one stay: S = 80000.00 − 28000.00 − 2000.00 = 50000.00; 住院救助 100%, 不设起付标准
    (第十一条), within the yearly 30,000 shared by stays and outpatients (第十三条): 30000.00. Left after the three
    schemes 20000.00; 倾斜救助 (第十四条(二)) 50% of the part of the year's left above 10,000:
    (20000.00 − 10000.00) × 50% = 5000.00, within its own 20,000 (第十四条); 自付 90000.00 − 28000.00 − 2000.00
    − 30000.00 − 5000.00 = 25000.00.
    The general 倾斜救助 has no details to put in brackets: its step starts "倾斜救助：", never "倾斜救助（）：".
    Kills: `_title`'s `if details or True` (engine/regions/common.py)."""
    r = calculate({"region": "changchun", "date": "2023-05-10",
                   "person": {"identities": ["extreme_poverty"], "insurance": "resident"},
                   "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "90000.00", "policy_scope": "80000.00", "basic_paid": "28000.00",
                               "critical_paid": "2000.00"}, "flags": {}})
    assert r["payouts"] == {"basic": "28000.00", "critical": "2000.00", "assistance": "30000.00", "tilt": "5000.00"}
    assert r["out_of_pocket"] == "25000.00"
    [tilt] = [s for s in r["steps"] if s["layer"] == "tilt"]
    assert tilt["text"] == ("倾斜救助：经三重制度综合保障后政策范围内个人自付医疗费用本次 20000.00，年度累计 0.00 → 20000.00，"
                            "超过 10000.00 的部分 10000.00 × 50% = 5000.00（不计入年度救助限额）")
    assert caps(r)["tilt.cap"] == ("20000.00", "5000.00")


def test_wuhan_lookback_step_says_which_class_it_follows():
    """武汉 依申请一次性救助 (武政规〔2023〕1号 二、(五)): 参照四类 住院救助 (起付标准 7000, 60%, 二、(四)), outside the
    year's caps. tests/engine/cases/wuhan.yaml case 1: S = 240000.00 − 70000.00 − 20000.00 = 150000.00;
    (150000.00 − 7000.00) × 60% = 85800.00; 自付 260000.00 − 70000.00 − 20000.00 − 85800.00 = 84200.00.
    Its step names the class it follows. Kills: `_lookback`'s details dropped (engine/regions/wuhan.py)."""
    r = calculate({"region": "wuhan", "date": "2023-02-10",
                   "person": {"identities": ["subsistence"], "insurance": "resident"},
                   "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "260000.00", "policy_scope": "240000.00", "basic_paid": "70000.00",
                               "critical_paid": "20000.00"}, "flags": {"lookback": True}})
    assert (r["payouts"]["assistance"], r["out_of_pocket"], r["caps"]) == ("85800.00", "84200.00", [])
    assert r["steps"][3]["text"] == ("依申请一次性救助（参照四类住院救助）：身份确定前12个月住院个人自付本次 150000.00，"
                                     "年度累计 0.00 → 150000.00，起付标准 7000.00 以上部分 143000.00 × 60% = 85800.00；"
                                     "不纳入当年年度救助限额")


def wuhan_visit(kind, date, amounts, identity="subsistence"):
    return {"region": "wuhan", "date": date, "person": {"identities": [identity], "insurance": "resident"},
            "visit": {"kind": kind, "hospital_level": 3, "referral": True, "in_province": True, "in_district": True,
                      "diseases": []},
            "amounts": amounts}


def test_wuhan_assistance_steps_name_the_limit_that_bites():
    """武政规〔2023〕1号 二、(四), word for word, each limit named when it bites.
    低保 = 二类 (二、(一)), 住院 2023-09-10: S = 140000.00 − 35000.00 − 5000.00 = 100000.00; 大病保险 paid, so
    重特大疾病: 100000.00 × 80% = 80000.00 within the 重特大 70,000 → 70000.00; 自付 150000.00 − 35000.00
    − 5000.00 − 70000.00 = 40000.00. 门诊慢特病 2023-10-10: S = 10000.00 − 5000.00 − 1000.00 = 4000.00 × 50%
    = 2000.00, but 门诊 and 住院 share the 重特大 70,000 (打通使用), all used: 0.00; 自付 6000.00.
    低保边缘 = 三类, 门诊慢特病 2024-05-01 (一般疾病: 大病保险 base 11000.00 below 12000): 11000.00 × 50% = 5500.00
    within the 门诊慢特病 5,000 a year → 5000.00; 自付 22000.00 − 10000.00 − 5000.00 = 7000.00.
    Kills in engine/regions/wuhan.py: `_inpatient`'s rule, base noun or details dropped; `_outpatient`'s limit
    names changed or dropped (重特大 打通使用, 按单病种最高)."""
    stay, outpatient = calculate({"cases": [
        wuhan_visit("inpatient", "2023-09-10", {"total": "150000.00", "policy_scope": "140000.00",
                                                "basic_paid": "35000.00", "critical_paid": "5000.00"}),
        wuhan_visit("outpatient_chronic", "2023-10-10", {"total": "12000.00", "policy_scope": "10000.00",
                                                         "basic_paid": "5000.00", "critical_paid": "1000.00"})]})["results"]
    assert (stay["payouts"]["assistance"], stay["out_of_pocket"]) == ("70000.00", "40000.00")
    assert stay["steps"][4]["text"] == ("住院救助（二类，重特大疾病，不设起付标准）：住院政策范围内个人自付 100000.00 × 80% = 80000.00；"
                                        "年救助限额（含门诊慢特病） 70000.00，已用 0.00，剩余 70000.00，支付 70000.00")
    assert (outpatient["payouts"]["assistance"], outpatient["out_of_pocket"]) == ("0.00", "6000.00")
    assert outpatient["steps"][4]["text"] == (
        "门诊慢特病救助（二类，其他门诊慢特病，不设起付标准）：政策范围内个人自付 4000.00 × 50% = 2000.00；"
        "重特大疾病年救助限额（门诊与住院打通使用） 70000.00，已用 70000.00，剩余 0.00，支付 0.00")
    assert caps(outpatient) == {"assist.cap": ("70000.00", "70000.00")}

    edge = calculate(wuhan_visit("outpatient_chronic", "2024-05-01", {"total": "22000.00", "policy_scope": "21000.00",
                                                                     "basic_paid": "10000.00"}, "subsistence_edge"))
    assert (edge["payouts"]["assistance"], edge["out_of_pocket"]) == ("5000.00", "7000.00")
    assert edge["steps"][3]["text"] == ("门诊慢特病救助（三类，其他门诊慢特病，不设起付标准）：政策范围内个人自付 11000.00 × 50% = 5500.00；"
                                        "门诊慢特病年救助限额（按单病种最高） 5000.00，已用 0.00，剩余 5000.00，支付 5000.00")
    assert caps(edge)["wuhan.outpatient"] == ("5000.00", "5000.00")


def test_wuhan_rural_tilt_on_an_outpatient_year_word_for_word():
    """农村低保 (二类; 武医保〔2022〕21号 二、(六) 90%), 门诊慢特病 2024-03-01: S = 36000.00 − 12000.00 − 6000.00
    = 18000.00; 大病保险 paid, so 重特大疾病 (武政规〔2023〕1号 二、(四)): 18000.00 × 50% = 9000.00. Left 9000.00:
    倾斜救助 counts 门诊 burden as it is (the 住院起付标准 is deducted from stays only): (9000.00 − 5000.00) × 90%
    = 3600.00, no yearly cap; 自付 40000.00 − 12000.00 − 6000.00 − 9000.00 − 3600.00 = 9400.00.
    Kills in `_rural_track` (engine/regions/wuhan.py): a base note on a 门诊 case, the rule's name dropped."""
    r = calculate({"region": "wuhan", "date": "2024-03-01",
                   "person": {"identities": ["subsistence"], "insurance": "resident", "rural": True},
                   "visit": {"kind": "outpatient_chronic", "hospital_level": 3, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "40000.00", "policy_scope": "36000.00", "basic_paid": "12000.00",
                               "critical_paid": "6000.00"}})
    assert r["payouts"] == {"basic": "12000.00", "critical": "6000.00", "assistance": "9000.00", "tilt": "3600.00"}
    assert r["out_of_pocket"] == "9400.00"
    [tilt] = [s for s in r["steps"] if s["layer"] == "tilt"]
    assert tilt["text"] == ("重特大疾病倾斜救助（农村低收入人口）：政策范围内个人负担本次 9000.00，年度累计 0.00 → 9000.00，"
                            "超过 5000.00 的部分 4000.00 × 90% = 3600.00（不设年度封顶线）")


def test_wuhan_tilt_and_backstop_steps_word_for_word():
    """农村低保 stay 2026-07-07 (武医保〔2022〕21号 in force): S = 100000.00 − 50000.00 − 10000.00 = 40000.00 × 80%
    = 32000.00; left 8000.00 less the 住院起付标准 of a 三级 hospital 800.00 (21号 二、(六) 不含住院起付标准)
    = 7200.00; (7200.00 − 5000.00) × 90% = 1980.00.
    城镇 低保, 托底 applied for and at risk (武政规〔2023〕1号 二、(四)): left 8000.00, (8000.00 − 7000.00) × 50% = 500.00.
    The same stay outside the province, 托底 applied for: 0.00, and the step says why (须规范转诊且在省域内就医).
    Kills in engine/regions/wuhan.py: `_rural_track`'s base note (the 起付标准 taken off) dropped; `_backstop_track`'s
    details dropped, and its refusal not said when 托底 was applied for."""
    rural = calculate(rural_stay(["subsistence"], date="2026-07-07"))
    [tilt] = [s for s in rural["steps"] if s["layer"] == "tilt"]
    assert (tilt["amount"], rural["out_of_pocket"]) == ("1980.00", "15620.00")
    assert tilt["text"] == ("重特大疾病倾斜救助（农村低收入人口）：政策范围内个人负担本次 7200.00（三重制度保障后 8000.00 − "
                            "基本医保住院起付标准 800.00），年度累计 0.00 → 7200.00，超过 5000.00 的部分 2200.00 × 90% = 1980.00"
                            "（不设年度封顶线）")

    amounts = {"total": "110000.00", "policy_scope": "100000.00", "basic_paid": "50000.00", "critical_paid": "10000.00"}
    paid = wuhan(amounts)
    paid["person"]["identities"] = ["subsistence"]
    paid["flags"] = {"tilt_applied": True, "poverty_risk": True}
    r = calculate(paid)
    assert [(s["text"], s["amount"]) for s in r["steps"] if s["layer"] == "tilt"] == [
        ("托底保障（已申请、有返贫致贫风险）：经三重制度综合保障后政策范围内个人自付医疗费用本次 8000.00，年度累计 0.00 → 8000.00，"
         "超过 7000.00 的部分 1000.00 × 50% = 500.00", "500.00")]

    away = wuhan(amounts)
    away["person"]["identities"] = ["subsistence"]
    away["visit"].update(in_province=False, in_district=False)
    away["flags"] = {"tilt_applied": True}
    r = calculate(away)
    assert (r["payouts"]["tilt"], r["out_of_pocket"]) == ("0.00", "18000.00")
    assert [(s["text"], s["amount"]) for s in r["steps"] if s["layer"] == "tilt"] == [
        ("托底保障：须规范转诊且在省域内就医，本次不符合", "0.00")]


def tilt_lines(result):
    return [(s["layer"], s["amount"], s["text"].split("：")[0]) for s in result["steps"] if s["layer"] in ("tilt", "info")]


def test_wuhan_tilt_and_backstop_compared_over_the_year_when_both_have_paid_even_cents():
    """农村低保 (二类), 托底 applied for and at risk, 2026 (both 21号 二、(六) and 武政规〔2023〕1号 二、(四) apply):
    就高不重复, compared over the year (policy-readings.md 武汉) as soon as both tracks have paid anything.
    One stay, S = 75005.00 − 30000.00 − 10000.00 = 35005.00 × 80% = 28004.00, left 7001.00: 倾斜 (7001.00 − 800.00
    − 5000.00) × 90% = 1080.90; 托底 (7001.00 − 7000.00) × 50% = 0.50 — both paid, the year decides: 1080.90.
    Three stays, each S = 18334.15 − 5000.00 − 1000.00 = 12334.15 × 80% = 9867.32, left 2466.83: 倾斜 counts
    2466.83 − 800.00 = 1666.83 a stay, the year 5000.49 by the third: (5000.49 − 5000.00) × 90% = 0.441 → 0.44;
    托底 counts 7400.49: 400.49 × 50% = 200.245 → 200.25 (half up). Both paid: the year's larger, 200.25;
    自付 19900.00 − 5000.00 − 1000.00 − 9867.32 − 200.25 = 3832.43.
    城镇 低保 with 托底 applied for but no 返贫致贫风险: 0.00, and the step says why; not applied for: no step.
    Kills in `_tilt` (engine/regions/wuhan.py): `rural_year > 1`, `backstop_year > 1`, the applied-for flag's name
    or test changed, a track's line left out, the larger track misnamed."""
    one = rural_stay(["subsistence"], date="2026-07-07")
    one["flags"] = {"tilt_applied": True, "poverty_risk": True}
    one["amounts"] = {"total": "80000.00", "policy_scope": "75005.00", "basic_paid": "30000.00", "critical_paid": "10000.00"}
    r = calculate(one)
    assert (r["payouts"]["assistance"], r["payouts"]["tilt"], r["out_of_pocket"]) == ("28004.00", "1080.90", "10915.10")
    assert tilt_lines(r) == [("info", None, "重特大疾病倾斜救助（农村低收入人口）"),
                             ("info", None, "托底保障（已申请、有返贫致贫风险）"),
                             ("tilt", "1080.90", "倾斜救助与托底保障就高不重复（按年度比较）")]
    assert r["steps"][-3]["text"].endswith("取较高的重特大疾病倾斜救助 1080.90 − 本年度已支付 0.00 = 1080.90")

    stays = []
    for date in ("2026-03-01", "2026-05-01", "2026-07-01"):
        stay = rural_stay(["subsistence"], date=date)
        stay["flags"] = {"tilt_applied": True, "poverty_risk": True}
        stay["amounts"] = {"total": "19900.00", "policy_scope": "18334.15", "basic_paid": "5000.00", "critical_paid": "1000.00"}
        stays.append(stay)
    *_, third = calculate({"cases": stays})["results"]
    assert (third["payouts"]["tilt"], third["hospital_borne"], third["out_of_pocket"]) == ("200.25", "0.00", "3832.43")
    assert tilt_lines(third) == [("info", None, "重特大疾病倾斜救助（农村低收入人口）"),
                                 ("info", None, "托底保障（已申请、有返贫致贫风险）"),
                                 ("tilt", "200.25", "倾斜救助与托底保障就高不重复（按年度比较）")]
    assert third["steps"][-3]["text"].endswith("取较高的托底保障 200.25 − 本年度已支付 0.00 = 200.25")
    assert caps(third)["wuhan.backstop"] == ("30000.00", "200.25")

    urban = rural_stay(["subsistence"], date="2026-07-07")
    urban["person"]["rural"] = False
    assert tilt_lines(calculate(urban)) == []
    urban["flags"] = {"tilt_applied": True}
    r = calculate(urban)
    assert (r["payouts"]["tilt"], r["out_of_pocket"]) == ("0.00", "28000.00")
    assert [s["text"] for s in r["steps"] if s["layer"] == "tilt"] == [
        "倾斜救助 0.00：重特大疾病倾斜救助只适用于农村低收入人口（未勾选“农村居民”或身份不在其列），托底保障须同时有返贫致贫风险（未勾选）"]


def test_general_outpatient_outside_assistance_cites_the_scope_clause():
    """普通门诊 is outside 医疗救助 in 武汉 (武政规〔2023〕1号 二、(二): 住院 and 门诊慢特病 only) and 长春 (第七条、
    第九条): 0.00, 自付 800.00 − 300.00 = 500.00, and the step cites the clause that sets the scope.
    Kills: `out_of_scope(ctx, …)` given another parameter name (engine/regions/wuhan.py, changchun.py `assist`)."""
    for region, clause in (("wuhan", "武政规〔2023〕1号 二、(二) 明确医疗救助支出范围"),
                           ("changchun", "长春市实施办法（征求意见稿） 第七条、第九条")):
        r = calculate({"region": region, "date": "2024-05-01",
                       "person": {"identities": ["subsistence"], "insurance": "resident"},
                       "visit": {"kind": "outpatient_general", "hospital_level": 2, "referral": True,
                                 "in_province": True, "in_district": True, "diseases": []},
                       "amounts": {"total": "800.00", "policy_scope": "600.00", "basic_paid": "300.00"}})
        assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("0.00", "500.00")
        assert r["steps"][-2] == {"layer": "assistance", "text": "普通门诊费用不在本地医疗救助的费用保障范围内，医疗救助 0.00",
                                  "amount": "0.00", "source": clause}


def test_wuhan_hospital_borne_down_to_the_cent():
    """武医保〔2022〕21号 二、(九): 农村低收入人口's 政策范围外 costs above 8% of the total at a 区内 三级 hospital (3%
    一级) are borne by the hospital, in principle; 省外 has no share: the person bears them. 农村低保 (二类, 80%), 2026,
    total 10000.00, 基本医保 5000.00, no 大病保险 (base below the 起付线).
    政策范围内 9199.50: outside 800.50, allowed 10000.00 × 8% = 800.00, borne 0.50 (said in a warning);
    S = 4199.50 × 80% = 3359.60; 自付 10000.00 − 5000.00 − 3359.60 − 0.50 = 1639.90.
    政策范围内 9200.00: outside 800.00 = allowed: borne 0.00, no warning.
    省外, 政策范围内 9999.50: outside 0.50 borne by the person, and the step says so; 9999.50 − 5000.00 = 4999.50 × 80%
    = 3999.60; 自付 1000.40. 省外 with nothing outside: no step.
    Kills in `hospital_borne` (engine/regions/wuhan.py): `outside >= 0`, `outside > 1`, `borne >= 0`, `borne > 1`."""
    def stay(scope, **visit):
        case = rural_stay(["subsistence"], date="2026-07-07")
        case["amounts"] = {"total": "10000.00", "policy_scope": scope, "basic_paid": "5000.00", "critical_paid": "0.00"}
        case["visit"].update(visit)
        return case

    def hospital(result):
        return [(s["text"], s["amount"]) for s in result["steps"] if s["layer"] == "hospital"]

    def warned(result):
        return [w for w in result["warnings"] if "原则上由医疗机构承担" in w]

    r = calculate(stay("9199.50"))
    assert (r["hospital_borne"], r["payouts"]["assistance"], r["out_of_pocket"]) == ("0.50", "3359.60", "1639.90")
    assert warned(r) == ["政策范围外费用超出规定比例 0.50 元，原则上由医疗机构承担（武医保〔2022〕21号 二、(九)），请与医疗机构核实。"]
    r = calculate(stay("9200.00"))
    assert (r["hospital_borne"], r["out_of_pocket"], warned(r)) == ("0.00", "1640.00", [])
    assert hospital(r) == [("政策范围外费用 10000.00 − 9200.00 = 800.00；区内3级定点医疗机构上限 10000.00 × 8% = 800.00；"
                            "超出 0.00 原则上由医疗机构承担", "0.00")]
    r = calculate(stay("9999.50", in_province=False, in_district=False))
    assert (r["hospital_borne"], r["payouts"]["assistance"], r["out_of_pocket"]) == ("0.00", "3999.60", "1000.40")
    assert hospital(r) == [("政策范围外费用 0.50：省外无比例规定，由个人负担", "0.00")]
    assert hospital(calculate(stay("10000.00", in_province=False, in_district=False))) == []


def test_an_identity_named_only_by_the_early_warning_is_kept():
    """武汉 稳定脱贫人口 has no assistance class (武政规〔2023〕1号 二、(一)) but is named by the early warning (二、(五)
    因病返贫预警): the identity is kept, not dropped as one the documents do not name. 住院 2024: no 医疗救助;
    自付 40000.00 − 16000.00 = 24000.00, above 50% of 31,658 (上年度农村居民人均可支配收入) = 15829.00: 因病返贫预警.
    A book of its own (the list of known identities is made once per book). Kills: `known_identities`'
    parameter names changed, a missing parameter read as None, the classes replaced (engine/calculate.py)."""
    r = calculate({"region": "wuhan", "date": "2024-05-01",
                   "person": {"identities": ["stable_exit"], "insurance": "resident"},
                   "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "40000.00", "policy_scope": "36000.00", "basic_paid": "16000.00",
                               "critical_paid": "0.00"}}, load_book())
    assert (r["identity_used"], r["assistance_class"], r["out_of_pocket"]) == ("stable_exit", None, "24000.00")
    assert (r["early_warning"]["kind"], r["early_warning"]["threshold"]) == ("因病返贫预警", "15829.00")
    assert not any("此身份未使用" in w for w in r["warnings"])
    # 威海 has no rural plan (no `rural.identities`): its 低保 is known all the same (A类, 威政办发〔2022〕15号 二、(三)1.)
    weihai = calculate({"region": "weihai", "date": "2024-05-01",
                        "person": {"identities": ["subsistence"], "insurance": "resident"},
                        "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                                  "in_district": True, "diseases": []},
                        "amounts": {"total": "2000.00", "policy_scope": "1500.00", "basic_paid": "1000.00",
                                    "critical_paid": "0.00"}}, load_book())
    assert (weihai["identity_used"], weihai["assistance_class"]) == ("subsistence", "A类")


def test_a_list_is_one_persons_cases_in_date_order():
    """A list is one person's year (calculate_cases): every ID number given must be the same one (cases without one
    belong to it too), and the dates must not go back. Kills in `_same_person` (engine/calculate.py): the first ID
    taken as None, `or`, `==`, the order checked from the third case only."""
    def case(date, id_number=None):
        person = {"identities": ["subsistence"], "insurance": "resident"}
        if id_number:
            person["id_number"] = id_number
        return {"region": "wuhan", "date": date, "person": person,
                "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                          "in_district": True, "diseases": []},
                "amounts": {"total": "2000.00", "policy_scope": "1500.00", "basic_paid": "1000.00",
                            "critical_paid": "0.00"}}
    one, other = valid_id("1980-01-01", 1), valid_id("1980-01-01", 2)
    ok = calculate({"cases": [case("2024-03-01"), case("2024-04-01", one), case("2024-05-01", one)]})["results"]
    assert [r["payouts"]["assistance"] for r in ok] == ["400.00", "400.00", "400.00"]   # 二类 80% of 500.00
    with pytest.raises(InputError) as err:
        calculate({"cases": [case("2024-03-01", one), case("2024-04-01"), case("2024-05-01", other)]})
    assert err.value.field == "cases[2].person.id_number"
    with pytest.raises(InputError) as err:
        calculate({"cases": [case("2024-04-01", one), case("2024-03-01", one)]})
    assert err.value.field == "cases[1].date"


def test_wuhan_computed_critical_bands_and_the_backstop_yearly_limit_word_for_word():
    """低保 = 二类, 大病保险 倾斜支付 (武政规〔2023〕1号 二、(三): 起付线 halved to 6,000, no cap) computed, 2024:
    base 250000.00 − 50000.00 = 200000.00: 44000.00 × 65% + 50000.00 × 70% + 100000.00 × 75% = 28600.00 + 35000.00
    + 75000.00 = 138600.00; each band named by its bounds, the last one open ("以上").
    托底 applied for, at risk, 大病保险 10000.00 on the slip: S = 380000.00 − 100000.00 − 10000.00 = 270000.00 × 80%
    = 216000.00 → 70000.00 (重特大 cap); left 200000.00: (200000.00 − 7000.00) × 50% = 96500.00 → 30000.00, the
    托底 yearly limit (二、(四)), named in the step; 自付 400000.00 − 100000.00 − 10000.00 − 70000.00 − 30000.00
    = 190000.00. A rural 倾斜 case without 托底 reports no 托底 limit.
    Kills: insurance.py `_band` always open; wuhan.py `_backstop_track`'s limit name, `_tilt`'s
    `backstop is not None or ctx.has(…)`."""
    computed = wuhan_visit("inpatient", "2024-05-01", {"total": "260000.00", "policy_scope": "250000.00",
                                                       "basic_paid": "50000.00"})
    r = calculate(computed)
    assert (r["payouts"]["critical"], r["steps"][1]["amount"]) == ("138600.00", "138600.00")
    assert r["steps"][1]["text"] == (
        "大病保险（倾斜支付）：基数 = 政策范围内 250000.00 − 基本医保 50000.00 = 200000.00，年度累计 0.00 → 200000.00，"
        "起付线 6000.00；6000.00–50000.00 段 44000.00 × 65%；50000.00–100000.00 段 50000.00 × 70%；100000.00 以上 段 "
        "100000.00 × 75% = 138600.00（不设封顶线）")

    capped = wuhan_visit("inpatient", "2024-05-01", {"total": "400000.00", "policy_scope": "380000.00",
                                                     "basic_paid": "100000.00", "critical_paid": "10000.00"})
    capped["flags"] = {"tilt_applied": True, "poverty_risk": True}
    r = calculate(capped)
    assert (r["payouts"]["assistance"], r["payouts"]["tilt"], r["out_of_pocket"]) == ("70000.00", "30000.00", "190000.00")
    assert r["steps"][-2]["text"] == (
        "托底保障（已申请、有返贫致贫风险）：经三重制度综合保障后政策范围内个人自付医疗费用本次 200000.00，年度累计 0.00 → "
        "200000.00，超过 7000.00 的部分 193000.00 × 50% = 96500.00；托底保障年度救助限额 30000.00，已用 0.00，剩余 30000.00，"
        "支付 30000.00")
    assert caps(r) == {"assist.cap": ("70000.00", "70000.00"), "wuhan.backstop": ("30000.00", "30000.00")}

    rural = calculate(rural_stay(["subsistence"], date="2026-07-07"))
    assert rural["payouts"]["tilt"] == "1980.00" and "wuhan.backstop" not in caps(rural)


def test_weihai_critical_bands_on_a_book_of_their_own():
    """威海, 居民, 住院 2024, base 50000.00 − 20000.00 = 30000.00. 低保 (倾斜支付, 威政办发〔2022〕15号 二、(二)):
    起付标准 9000, 65% up to 100,000: (30000.00 − 9000.00) × 65% = 13650.00, no cap. 低保边缘 (普惠待遇, weihai-local
    critical.brackets: 起付 15000, 60%): (30000.00 − 15000.00) × 60% = 9000.00.
    The bands are made once per book (ParamSet.once), so each case is computed on a book of its own. Kills in
    insurance.py `critical_brackets`: the rows or the function given to `once` replaced by None."""
    def stay(identity):
        return {"region": "weihai", "date": "2024-05-01",
                "person": {"identities": [identity], "insurance": "resident"},
                "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                          "in_district": True, "diseases": []},
                "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "20000.00"}}
    tilted = calculate(stay("subsistence"), load_book())
    assert tilted["payouts"]["critical"] == "13650.00"
    assert tilted["steps"][1]["text"] == ("大病保险（倾斜支付）：基数 = 政策范围内 50000.00 − 基本医保 20000.00 = 30000.00，"
                                          "年度累计 0.00 → 30000.00，起付线 9000.00；9000.00–100000.00 段 21000.00 × 65% "
                                          "= 13650.00（不设封顶线）")
    ordinary = calculate(stay("subsistence_edge"), load_book())
    assert ordinary["payouts"]["critical"] == "9000.00"
    assert ordinary["steps"][1]["text"] == ("大病保险（普惠待遇）：基数 = 政策范围内 50000.00 − 基本医保 20000.00 = 30000.00，"
                                            "年度累计 0.00 → 30000.00，起付线 15000.00；15000.00–100000.00 段 15000.00 × 60% "
                                            "= 9000.00")


def test_wuhan_tilted_critical_bands_differ_by_scheme_on_one_book():
    """武汉 低保, 倾斜支付 (武政规〔2023〕1号 二、(三): 起付线 × 50%, each rate + 5 points), base 50000.00 − 20000.00
    = 30000.00, on one book, 居民 first then 职工 (wuhan-local critical.brackets: 居民 12,000 at 60%, 50,000 at 65%,
    …; 职工 12,000 at 80%): 居民 (30000.00 − 6000.00) × 65% = 15600.00; 职工 (30000.00 − 6000.00) × 85% = 20400.00.
    The tilted bands are made once per book and scheme: the 职工 case must not get the 居民's bands.
    Kills: insurance.py `critical_brackets`' `ps.once(None, …)` for the tilted bands."""
    book = load_book()
    paid = []
    for scheme in ("resident", "employee"):
        paid.append(calculate({"region": "wuhan", "date": "2024-05-01",
                               "person": {"identities": ["subsistence"], "insurance": scheme},
                               "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True,
                                         "in_province": True, "in_district": True, "diseases": []},
                               "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "20000.00"}},
                              book)["payouts"]["critical"])
    assert paid == ["15600.00", "20400.00"]


def test_a_single_case_names_its_field_without_a_list_index():
    """A single case's bad field is named as the clerk wrote it ("date"), a list's with its place ("cases[0].date"):
    a date outside 武汉's documents (武政规〔2023〕1号 from 2023-01-01). Kills: `calculate`'s `indexed=False` changed
    or dropped (engine/calculate.py)."""
    case = {"region": "wuhan", "date": "2020-05-01", "person": {"identities": ["subsistence"], "insurance": "resident"},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": "2000.00", "policy_scope": "1500.00", "basic_paid": "1000.00", "critical_paid": "0.00"}}
    with pytest.raises(InputError) as single:
        calculate(case)
    with pytest.raises(InputError) as listed:
        calculate({"cases": [case]})
    assert (single.value.field, listed.value.field) == ("date", "cases[0].date")


# ---- engine/calculate.py: what the office pays now, identities, lists and books (through the public functions) ----

def rural_2023(paid=None, identities=("subsistence",), rural=True):
    """tests/engine/cases/wuhan.yaml "农村低保 区内三级住院" (2023-07-07): 低保 = 二类, S = 100000.00 − 50000.00 −
    10000.00 = 40000.00 × 80% = 32000.00; 21号 倾斜救助 (40000.00 − 32000.00 − 起付标准 800.00 − 5000.00) × 90%
    = 1980.00; 医疗机构承担 20000.00 − 8% × 120000.00 = 10400.00; 自付 15620.00. `paid`: amounts.assistance_paid."""
    amounts = {"total": "120000.00", "policy_scope": "100000.00", "basic_paid": "50000.00", "critical_paid": "10000.00"}
    if paid is not None:
        amounts["assistance_paid"] = paid
    return {"region": "wuhan", "date": "2023-07-07",
            "person": {"identities": list(identities), "insurance": "resident", "rural": rural},
            "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": amounts}


OVERPAID = "一站式已支付医疗救助高于本次应付"


def test_to_pay_deducts_what_the_hospital_already_paid_of_assistance_and_adds_the_tilt():
    """case-format.md "Already paid": to_pay = max(0, 医疗救助 − assistance_paid) + 倾斜救助; the layers and the
    out-of-pocket do not change. 医疗救助 32000.00, 倾斜救助 1980.00 (rural_2023):
    nothing paid at the hospital: 32000.00 + 1980.00 = 33980.00;
    30000.00 paid: max(0, 32000.00 − 30000.00) + 1980.00 = 3980.00, no warning;
    32000.00 paid (all of it): 0.00 + 1980.00 = 1980.00, no warning (paid is not above what is due);
    33000.00 paid: max(0, −1000.00) + 1980.00 = 1980.00, warned: 多付 1000.00.
    Kills in `_to_pay`: `assistance − tilt`, `paid = None`, the validation's arguments dropped or None, `still`
    None / `max(…, None)` / `max(ZERO)` / `assistance + paid`, `to_pay = None` / `still − tilt`, `paid >= assistance`."""
    rows = {}
    for paid in (None, "30000.00", "32000.00", "33000.00"):
        r = calculate(rural_2023(paid))
        assert (r["payouts"]["assistance"], r["payouts"]["tilt"], r["out_of_pocket"]) == ("32000.00", "1980.00", "15620.00")
        rows[paid] = (r["to_pay"], [w for w in r["warnings"] if OVERPAID in w])
    assert rows == {
        None: ("33980.00", []),
        "30000.00": ("3980.00", []),
        "32000.00": ("1980.00", []),
        "33000.00": ("1980.00", ["一站式已支付医疗救助高于本次应付：医院已支付 33000.00，按文件本次医疗救助 32000.00，"
                                 "多付 1000.00；本次只支付倾斜救助部分，请核对结算单。"]),
    }
    step = calculate(rural_2023("30000.00"))["steps"][-1]
    assert (step["layer"], step["amount"]) == ("to_pay", "3980.00")
    assert step["text"] == ("本次应付 = max(0, 医疗救助 32000.00 − 医院已付医疗救助（一站式） 30000.00) + "
                            "倾斜救助/再救助/托底 1980.00 = 3980.00")


def test_assistance_paid_is_checked_against_the_computed_insurance_layers():
    """Computed layers (no slip amounts): 武汉 低保 = 二类, 居民 2级医院 2024, 政策范围内 50000.00:
    基本医保 (50000.00 − 500.00) × 75% = 37125.00 (wuhan-local basic.inpatient); 大病保险 倾斜支付 (起付线 halved to
    6,000, 60% + 5 points): (50000.00 − 37125.00 − 6000.00) × 65% = 4468.75; left 50000.00 − 37125.00 − 4468.75
    = 8406.25; 医疗救助 8406.25 × 80% = 6725.00. assistance_paid 8406.25 is the most the hospital can have paid:
    to_pay max(0, 6725.00 − 8406.25) = 0.00, 多付 1681.25; 8406.26 is bad input (amounts.assistance_paid), though
    below policy_scope − 0 − 0 when parsed. Kills in `_to_pay`: `validate.assistance_paid(…)` given None for the
    computed 基本医保 or 大病保险."""
    def stay(paid):
        return {"region": "wuhan", "date": "2024-05-01",
                "person": {"identities": ["subsistence"], "insurance": "resident"},
                "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                          "in_district": True, "diseases": []},
                "amounts": {"total": "60000.00", "policy_scope": "50000.00", "assistance_paid": paid}}
    r = calculate(stay("8406.25"))
    assert r["payouts"] == {"basic": "37125.00", "critical": "4468.75", "assistance": "6725.00", "tilt": "0.00"}
    assert r["to_pay"] == "0.00"
    assert [w for w in r["warnings"] if OVERPAID in w] == [
        "一站式已支付医疗救助高于本次应付：医院已支付 8406.25，按文件本次医疗救助 6725.00，多付 1681.25；"
        "本次只支付倾斜救助部分，请核对结算单。"]
    with pytest.raises(InputError, match="8406.25") as err:
        calculate(stay("8406.26"))
    assert err.value.field == "amounts.assistance_paid"


def test_out_of_pocket_step_subtracts_each_layer_and_the_hospital_share_only_when_there_is_one():
    """The 个人自付 step lists the four layers and, only when the hospital bears a share (21号 二、(九)), it too:
    rural_2023: 120000.00 − 50000.00 − 10000.00 − 32000.00 − 1980.00 − 10400.00 = 15620.00. The same stay of an
    urban person (no 21号, no hospital share): 120000.00 − 50000.00 − 10000.00 − 32000.00 − 0.00 = 28000.00.
    The result also says its region and policy year. Kills in `calculate_case`: the step's parts None or joined
    with text between, the hospital's share always or never listed, `region=None`, `policy_year=None`."""
    rural = calculate(rural_2023())
    assert (rural["region"], rural["policy_year"], rural["out_of_pocket"]) == ("wuhan", 2023, "15620.00")
    assert rural["steps"][-1] == {**rural["steps"][-1], "layer": "out_of_pocket", "amount": "15620.00", "text": (
        "个人自付 = 医疗总费用 120000.00 − 基本医保 50000.00 − 大病保险 10000.00 − 医疗救助 32000.00 − "
        "倾斜救助/再救助/托底 1980.00 − 医疗机构承担 10400.00 = 15620.00")}
    urban = calculate(rural_2023(rural=False))
    assert (urban["payouts"]["tilt"], urban["hospital_borne"], urban["out_of_pocket"]) == ("0.00", "0.00", "28000.00")
    assert urban["steps"][-1]["text"] == ("个人自付 = 医疗总费用 120000.00 − 基本医保 50000.00 − 大病保险 10000.00 − "
                                          "医疗救助 32000.00 − 倾斜救助/再救助/托底 0.00 = 28000.00")


def test_a_result_cites_the_documents_of_the_parameters_it_used_on_a_book_of_its_own():
    """A result lists the core document and any other document whose parameters it used, never a local file:
    the rural stay uses 武医保〔2022〕21号 (倾斜救助, 医疗机构承担) beside 武政规〔2023〕1号; the same stay of an urban
    person, on the same book and day, only 武政规〔2023〕1号. The list is made once per parameter set and set of
    parameters used, so both are computed on one book of their own. Kills in `_cited`: `n not in ps.meta`,
    `d.core and …`, the cache key None (the urban stay would get the rural one's list)."""
    core = "武政规〔2023〕1号《市人民政府关于印发健全重特大疾病医疗保险和救助制度工作的通知》"
    rural_plan = "武医保〔2022〕21号《武汉市巩固拓展医疗保障脱贫攻坚成果有效衔接乡村振兴战略实施方案》"
    book = load_book()
    assert calculate(rural_2023(), book)["documents"] == [rural_plan, core]
    assert calculate(rural_2023(rural=False), book)["documents"] == [core]


def test_two_identities_of_one_class_keep_the_first_in_the_documents_order():
    """低保对象 and 返贫致贫人口 are both 二类 (武政规〔2023〕1号 二、(一)) and both in 21号's 农村低收入人口: every
    layer pays the same, 50000.00 + 10000.00 + 32000.00 + 1980.00 = 93980.00. On a tie the identity the documents
    name first (低保对象) is kept, whatever order the clerk gave; the 就高不重复 step names the other with its class.
    On a book of its own (a case's identities are read once per parameter set). Kills: `other.paid >= ctx.paid`,
    the candidates sorted by name instead of the documents' order, `len(tried) > 2`, the step's other identities
    None / the chosen one / `klass and '无类别'` (engine/calculate.py)."""
    r = calculate(rural_2023(identities=("relapsed_poverty", "subsistence")), load_book())
    assert (r["identity_used"], r["assistance_class"], r["to_pay"]) == ("subsistence", "二类", "33980.00")
    assert r["steps"][0]["layer"] == "info"
    assert r["steps"][0]["text"] == ("就高不重复：按低保对象（二类）计算，各层合计 93980.00；"
                                     "其他身份：返贫致贫人口（二类）合计 93980.00")
    # 稳定脱贫人口 too: no assistance class (named only by the early warning, 二、(五)) and not in 21号's list, so
    # 基本医保 and 大病保险 alone, 50000.00 + 10000.00 = 60000.00; the others listed in the documents' order.
    three = calculate(rural_2023(identities=("stable_exit", "relapsed_poverty", "subsistence")), load_book())
    assert three["steps"][0]["text"] == ("就高不重复：按低保对象（二类）计算，各层合计 93980.00；其他身份：返贫致贫人口（二类）"
                                         "合计 93980.00；稳定脱贫人口（无类别）合计 60000.00")


def test_an_identity_the_region_does_not_name_is_ignored_with_a_warning_and_never_read():
    """武汉's documents give 在乡重点优抚对象 no assistance (武政规〔2023〕1号 二、(一) lists none): ignored, with a
    warning saying what the case is computed as. Beside 低保对象: the rural stay as 低保 (二类), 医疗救助 32000.00.
    Alone: an ordinary insured person, 2024 住院 with the slip's 基本医保 20000.00 and 大病保险 5000.00, no 医疗救助;
    自付 60000.00 − 20000.00 − 5000.00 = 35000.00, above 100% of 31,658 (wuhan-local warning.income 2024) =
    31658.00: 因病致贫预警, which is for ordinary insured people only (二、(五)) — so the ignored identity must not
    count as held. The flag 恶性肿瘤放化疗 is 长春's: 武汉 ignores it, with a warning.
    On a book of its own (the warnings are made once per parameter set and set of identities). Kills: the region
    passed as None, the case not narrowed to the identities the region names (None, or its identities unchanged),
    `held` None or the unnamed ones (engine/calculate.py `calculate_case`, `_identities`, `_unnamed_identities`);
    the unused flags never warned."""
    book = load_book()
    both = calculate(rural_2023(identities=("veteran_priority", "subsistence")), book)
    assert (both["identity_used"], both["payouts"]["assistance"]) == ("subsistence", "32000.00")
    assert both["warnings"][0] == "武汉市的文件未规定“在乡重点优抚对象”的救助待遇，此身份未使用；按其他身份就高计算。"

    alone = calculate({"region": "wuhan", "date": "2024-05-01",
                       "person": {"identities": ["veteran_priority"], "insurance": "resident"},
                       "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                                 "in_district": True, "diseases": []},
                       "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "20000.00",
                                   "critical_paid": "5000.00"},
                       "flags": {"cancer_chemo": True, "tilt_applied": True}}, book)
    assert (alone["identity_used"], alone["assistance_class"], alone["out_of_pocket"]) == (None, None, "35000.00")
    assert alone["warnings"][0] == "武汉市的文件未规定“在乡重点优抚对象”的救助待遇，此身份未使用；按普通参保人员计算。"
    assert (alone["early_warning"]["kind"], alone["early_warning"]["threshold"]) == ("因病致贫预警", "31658.00")
    assert [w for w in alone["warnings"] if "不适用于" in w] == ["“恶性肿瘤放化疗”(cancer_chemo) 不适用于武汉市的文件，已忽略。"]


def subsistence_stay(date="2024-05-01"):
    """武汉 低保 = 二类, 住院 without 起付标准 (武政规〔2023〕1号 二、(四)): S = 5000.00 − 3500.00 − 0.00 = 1500.00 ×
    80% = 1200.00; 自付 5500.00 − 3500.00 − 1200.00 = 800.00."""
    return {"region": "wuhan", "date": date, "person": {"identities": ["subsistence"], "insurance": "resident"},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def class_two_at_90_percent():
    """The files' book with a local version of 武汉's 住院救助 rate: 二类 90% from 2024-01-01 (as a clerk's office may
    set it), the other classes as the document (一类 100%, 三类 70%, 四类 60%)."""
    from engine.policy import bundled
    rates = {"一类": Decimal(1), "二类": Decimal("0.90"), "三类": Decimal("0.70"), "四类": Decimal("0.60")}
    return bundled().with_local([dict(id=1, region="wuhan", name="inpatient.rate", value=rates,
                                      valid_from="2024-01-01", reason="测试", operator="测试员",
                                      created_at="2023-12-01T09:00:00")])


def test_a_case_and_a_list_are_computed_on_the_book_given():
    """A book with a local version of 武汉's 住院救助 rate (二类 90% from 2024-01-01, as a clerk's office may set):
    1500.00 × 90% = 1350.00 instead of the document's 1200.00, for a single case and for each case of a list
    (a year of two stays: 1350.00 each, 2700.00 in all, within the 二类 limit), with steps or without (a bulk run:
    the same amounts, no steps). Kills in engine/calculate.py: `calculate` passing no book (single case or list),
    `calculate_cases` and `Year` dropping it, `Year.add` passing None; `calculate_cases` dropping `explain`."""
    from engine.calculate import calculate_cases, parse_input
    book = class_two_at_90_percent()
    assert calculate(subsistence_stay())["payouts"]["assistance"] == "1200.00"
    single = calculate(subsistence_stay(), book)
    assert (single["payouts"]["assistance"], single["out_of_pocket"]) == ("1350.00", "650.00")
    year = {"cases": [subsistence_stay(), subsistence_stay("2024-06-01")]}
    assert [r["payouts"]["assistance"] for r in calculate(year, book)["results"]] == ["1350.00", "1350.00"]
    bulk = calculate_cases(parse_input(year), book=book, explain=False)
    assert [(r.assistance, len(r.steps)) for r in bulk] == [(Decimal("1350.00"), 0), (Decimal("1350.00"), 0)]


def test_a_case_computed_alone_or_in_a_year_explains_by_default_and_continues_the_ledgers_given():
    """`calculate_case` and `Year` explain unless told not to. A Year made on the ledgers an earlier Year left
    continues that person's year: two 2024 stays of subsistence_stay through two Year objects on one dict of
    ledgers give what the list of both gives — 1200.00 each, the 住院救助 limit used 2400.00 after the second.
    Kills: `calculate_case(…, explain=False)` and `Year(…, explain=False)` as defaults, `Year` ignoring the
    ledgers given (engine/calculate.py)."""
    from engine.calculate import Year, calculate_case
    from engine.case import parse_case
    from engine.ledger import Ledger
    alone = calculate_case(parse_case(subsistence_stay()), Ledger())
    assert alone.to_json()["steps"][-1]["text"] == ("个人自付 = 医疗总费用 5500.00 − 基本医保 3500.00 − 大病保险 0.00 − "
                                                    "医疗救助 1200.00 − 倾斜救助/再救助/托底 0.00 = 800.00")
    ledgers = {}
    first = Year(ledgers).add(parse_case(subsistence_stay()))
    assert first.to_json()["steps"] and set(ledgers) == {("wuhan", 2024)}
    second = Year(ledgers).add(parse_case(subsistence_stay("2024-06-01")))
    listed = calculate({"cases": [subsistence_stay(), subsistence_stay("2024-06-01")]})["results"][1]
    assert second.to_json() == listed
    assert [(c.key, c.used) for c in second.caps] == [(c["key"], Decimal(c["used"])) for c in listed["caps"]]


def test_a_list_is_refused_with_the_field_that_is_wrong():
    """{"cases": [...]} holds nothing else (the first other field, in name order, is named), a non-empty list,
    and each case's error is named with its place. Kills in `parse_input`: the extra field None, the set
    arithmetic changed, `"cases"` misspelt (it would be named itself), `[1]`, `isinstance(…) and not …`,
    `exc.within(None)`."""
    good = subsistence_stay()
    for doc, field in ((({"cases": [good], "region": "wuhan", "note": "x"}), "note"),
                       ({"cases": [good], "total": "1.00"}, "total"),
                       ({"cases": "abc"}, "cases"), ({"cases": {"a": good}}, "cases"), ({"cases": []}, "cases"),
                       ({"cases": [good, {**good, "amounts": {**good["amounts"], "total": "abc"}}]},
                        "cases[1].amounts.total")):
        with pytest.raises(InputError) as err:
            calculate(doc)
        assert err.value.field == field, doc


# ---- engine/insurance.py ----

def wuhan_edge(amounts, insurance="resident", kind="inpatient"):
    """武汉 低保边缘家庭成员 = 三类: not a 大病保险 倾斜 identity (武政规〔2023〕1号 二、(三)), so the ordinary bands."""
    return {"region": "wuhan", "date": "2024-05-01",
            "person": {"identities": ["subsistence_edge"], "insurance": insurance},
            "visit": {"kind": kind, "hospital_level": 2, "referral": True, "in_province": True, "in_district": True,
                      "diseases": []},
            "amounts": amounts}


def test_computed_basic_insurance_cites_its_clauses_and_stays_within_the_slips_scope():
    """基本医保 computed (no basic_paid), 武汉 居民 2级医院 (wuhan-local basic.inpatient: 起付 500, 75%; basic.outpatient
    门诊慢特病 60%): 住院 (10000.00 − 500.00) × 75% = 7125.00; 门诊慢特病 5000.00 × 60% = 3000.00. Each step cites
    its parameters' sources, never a parameter's name. With the slip's 大病保险 9000.00 beside a computed 基本医保,
    the two never pass the policy scope: 7125.00 → 10000.00 − 9000.00 = 1000.00.
    Kills in `basic_layer`: the cited names misspelt (住院, 门诊, the yearly cap's clause) or the cap's dropped; the clamp to the scope less the slip's 大病保险 None,
    its arguments dropped, `scope + critical_paid`; in `critical_layer`, the "未超过起付线" text when no band is reached."""
    from test_cases import INTERNAL_NAME
    stay = calculate(wuhan_edge({"total": "12000.00", "policy_scope": "10000.00"}))
    chronic = calculate(wuhan_edge({"total": "6000.00", "policy_scope": "5000.00"}, kind="outpatient_chronic"))
    assert (stay["payouts"]["basic"], chronic["payouts"]["basic"]) == ("7125.00", "3000.00")
    for r in (stay, chronic):
        step = r["steps"][0]
        assert step["layer"] == "basic" and "本系统未收录" in step["source"]
        assert not INTERNAL_NAME.search(step["source"]), step["source"]
    assert stay["steps"][0]["text"] == "基本医保（2级医院）：(10000.00 − 起付标准 500.00) × 75% = 7125.00"
    # the 起付标准's and the rate's sources share a place: it is named once (wuhan-local.yaml)
    assert stay["steps"][0]["source"] == ("武汉市城乡居民/职工基本医疗保险办法（本系统未收录）；"
                                          "武政规〔2023〕1号 二、(三)：市域内住院支付比例总体稳定在70%左右；"
                                          "武汉市基本医疗保险办法（本系统未收录）")
    assert stay["steps"][1]["text"] == ("大病保险（普惠待遇）：基数 = 政策范围内 10000.00 − 基本医保 7125.00 = 2875.00，"
                                        "年度累计 0.00 → 2875.00，起付线 12000.00；未超过起付线，支付 0.00")
    assert stay["caps"][0] == {"key": "basic.cap", "name": "基本医保统筹基金年度最高支付限额（城乡居民医保）",
                               "limit": "150000.00", "used": "7125.00", "left": "142875.00",
                               "source": "武汉市基本医疗保险办法（本系统未收录）"}
    clamped = calculate(wuhan_edge({"total": "12000.00", "policy_scope": "10000.00", "critical_paid": "9000.00"}))
    assert (clamped["payouts"]["basic"], clamped["payouts"]["critical"]) == ("1000.00", "9000.00")
    # the step names the limit that bit: the scope the slip's 大病保险 left, not the yearly cap
    assert clamped["steps"][0]["text"] == ("基本医保（2级医院）：(10000.00 − 起付标准 500.00) × 75% = 7125.00；"
                                           "不超过政策范围内费用 10000.00 − 大病保险（按结算单）9000.00，支付 1000.00")


def test_critical_insurance_pays_on_a_band_part_below_one_yuan():
    """武汉 三类, ordinary 大病保险 (wuhan-local critical.brackets 居民: from 12,000 at 60%): base 30000.00 − 17999.50 =
    12000.50, so 0.50 above the 起付线: 0.50 × 60% = 0.30. Kills in `critical_layer`: `part > 1`."""
    r = calculate(wuhan_edge({"total": "32000.00", "policy_scope": "30000.00", "basic_paid": "17999.50"}))
    assert r["payouts"]["critical"] == "0.30"
    assert r["steps"][1]["text"] == ("大病保险（普惠待遇）：基数 = 政策范围内 30000.00 − 基本医保 17999.50 = 12000.50，"
                                     "年度累计 0.00 → 12000.50，起付线 12000.00；12000.00–50000.00 段 0.50 × 60% = 0.30")


def test_computed_basic_insurance_reaching_its_yearly_cap_says_so():
    """武汉 居民 yearly 基本医保 cap 150,000 (wuhan-local basic.cap): (300000.00 − 500.00) × 75% = 224625.00, paid
    150000.00, and the step says which limit bit and what was left. Kills in `basic_layer`: the cap's note said when
    it does not bind (`pay <= raw`, see the uncapped step above) or replacing the formula (`=` for `+=`)."""
    r = calculate(wuhan_edge({"total": "320000.00", "policy_scope": "300000.00"}))
    assert r["payouts"]["basic"] == "150000.00"
    assert r["steps"][0]["text"] == ("基本医保（2级医院）：(300000.00 − 起付标准 500.00) × 75% = 224625.00；"
                                     "受年度最高支付限额 150000.00 所限（剩余 150000.00），支付 150000.00")
    assert (r["caps"][0]["key"], r["caps"][0]["used"], r["caps"][0]["left"]) == ("basic.cap", "150000.00", "0.00")


def test_an_uninsured_persons_costs_count_toward_the_major_disease_year_without_critical_insurance():
    """武汉 低保 (二类) without basic insurance, a 20000.00 stay: no 基本医保, no 大病保险 (未参保), yet the year's
    大病保险 base 20000.00 reaches the halved 起付线 6,000 (武政规〔2023〕1号 二、(三)), so the year is 重特大疾病
    with its 70,000 limit (二、(四); policy-readings.md 武汉); 住院救助 20000.00 × 80% = 16000.00 (within the
    一般疾病 limit of 10,000 it would be 10000.00); 自付 22000.00 − 16000.00 = 6000.00.
    Kills in `critical_layer`: the uninsured test misspelt (大病保险 computed: (20000.00 − 6000.00) × 65% = 9100.00),
    the base counted for the kinds outside 大病保险 instead."""
    r = calculate({"region": "wuhan", "date": "2024-05-01", "person": {"identities": ["subsistence"], "insurance": "none"},
                   "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "22000.00", "policy_scope": "20000.00"}})
    assert r["payouts"] == {"basic": "0.00", "critical": "0.00", "assistance": "16000.00", "tilt": "0.00"}
    assert r["out_of_pocket"] == "6000.00"
    assert [s["text"] for s in r["steps"][:2]] == ["未参加基本医疗保险：基本医保支付 0.00", "未参加基本医疗保险：大病保险支付 0.00"]
    assert [(c["key"], c["limit"], c["used"]) for c in r["caps"]] == [("assist.cap", "70000.00", "16000.00")]


def test_ordinary_critical_bands_differ_by_scheme_on_one_book():
    """武汉 三类 (ordinary 大病保险), base 50000.00 − 20000.00 = 30000.00, on one book, 居民 first then 职工
    (wuhan-local critical.brackets: 居民 from 12,000 at 60%, 职工 from 12,000 at 80%): 居民 (30000.00 − 12000.00) × 60%
    = 10800.00; 职工 (30000.00 − 12000.00) × 80% = 14400.00. The bands are made once per book and scheme.
    Kills: insurance.py `critical_brackets`' `ps.once(None, …)` for the ordinary bands."""
    book = load_book()
    amounts = {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "20000.00"}
    paid = [calculate(wuhan_edge(amounts, scheme), book)["payouts"]["critical"] for scheme in ("resident", "employee")]
    assert paid == ["10800.00", "14400.00"]


def weihai_chronic(diseases, insurance="resident", kind="outpatient_chronic"):
    """威海 低保 = A类, 大病保险 倾斜支付 (威政办发〔2022〕15号 二、(二): 起付 9000, 9000–100,000 居民 65%, 职工 75%);
    base 30000.00 − 10000.00 = 20000.00."""
    return {"region": "weihai", "date": "2024-05-01",
            "person": {"identities": ["subsistence"], "insurance": insurance},
            "visit": {"kind": kind, "hospital_level": 2, "referral": True, "in_province": True, "in_district": True,
                      "diseases": list(diseases)},
            "amounts": {"total": "32000.00", "policy_scope": "30000.00", "basic_paid": "10000.00"}}


SPECIFIC = "居民特定门诊慢特病"


def test_weihai_resident_specific_chronic_diseases_once_a_list_is_set():
    """威海 二、(二) counts 居民特定门诊慢特病 in the tilted base; the document does not say which. With a local list
    (高血压、糖尿病): a 居民's 高血压 counts, (20000.00 − 9000.00) × 65% = 7150.00; 慢性肾病 stays out: 0.00, said in
    the step. Without a list (全部, the files): every 居民 门诊慢特病 counts, and the warning says the list is missing —
    but only for a 居民's 门诊慢特病: neither a 职工 ((20000.00 − 9000.00) × 75% = 8250.00) nor a stay is warned.
    Kills in `_outside_resident_specific`: `insurance != "resident" and kind not in …`, the disease test inverted,
    `any(None)`, `d not in listed`; in `critical_layer`'s out-of-list branch: the slip's amount dropped
    (`critical_paid and ZERO`, None), the diseases' text, the ledger key or amount changed."""
    from engine.policy import bundled
    book = bundled().with_local([dict(id=1, region="weihai", name="critical.tilt.resident_chronic_diseases",
                                      value=["高血压", "糖尿病"], valid_from="2024-01-01", reason="测试",
                                      operator="测试员", created_at="2023-12-01T09:00:00")])
    listed = calculate(weihai_chronic(["高血压"]), book)
    assert listed["payouts"]["critical"] == "7150.00"
    other = calculate(weihai_chronic(["慢性肾病"]), book)
    assert other["payouts"]["critical"] == "0.00"
    assert [s["text"] for s in other["steps"] if s["layer"] == "critical"] == [
        "居民门诊慢特病（慢性肾病）不在“居民特定门诊慢特病”病种范围内：不计入大病保险倾斜支付基数，大病保险支付 0.00"]

    every = calculate(weihai_chronic(["慢性肾病"]))
    assert every["payouts"]["critical"] == "7150.00"
    assert [w for w in every["warnings"] if SPECIFIC in w and "病种范围文件未载" in w]
    employee = calculate(weihai_chronic(["慢性肾病"], insurance="employee"))
    stay = calculate(weihai_chronic([], kind="inpatient"))
    assert (employee["payouts"]["critical"], stay["payouts"]["critical"]) == ("8250.00", "7150.00")
    assert not [w for r in (employee, stay) for w in r["warnings"] if SPECIFIC in w]

    # The slip's 大病保险 for an out-of-list case is what was paid, kept in the year's ledger (大病保险年度累计支付);
    # the case's costs do not enter the tilted base.
    from engine.calculate import Year, calculate_cases, parse_input
    slip = weihai_chronic(["慢性肾病", "帕金森病"])
    slip["amounts"]["critical_paid"] = "500.00"
    year = Year(book=book)
    [r] = calculate_cases(parse_input(slip), year)
    assert r.critical == Decimal("500.00")
    assert [s["text"] for s in r.to_json()["steps"] if s["layer"] == "critical"] == [
        "居民门诊慢特病（慢性肾病、帕金森病）不在“居民特定门诊慢特病”病种范围内：不计入大病保险倾斜支付基数，"
        "大病保险支付（按结算单） 500.00"]
    ledger = year.ledgers[("weihai", 2024)].data
    assert ledger["critical.paid"] == Decimal("500.00") and "critical.base" not in ledger
    unnamed = calculate(weihai_chronic([]), book)
    assert [s["text"] for s in unnamed["steps"] if s["layer"] == "critical"] == [
        "居民门诊慢特病（未填病种）不在“居民特定门诊慢特病”病种范围内：不计入大病保险倾斜支付基数，大病保险支付 0.00"]


def test_computed_critical_insurance_reaching_its_yearly_cap_says_so():
    """威海 因病致贫重病患者 = C类 (威政办发〔2022〕15号 二、(三)4.), ordinary 大病保险 (weihai-local critical.brackets
    居民: 15,000 起 60%, 100,000 起 65%, 200,000 起 70%; critical.cap 400,000), one stay with base 1100000.00 −
    200000.00 = 900000.00: 85000.00 × 60% + 100000.00 × 65% + 700000.00 × 70% = 51000.00 + 65000.00 + 490000.00 =
    606000.00, paid 400000.00; the step says which limit bit, and the cap is listed by name.
    Kills in `critical_layer`: the cap's note never said (`(pay < raw) and False`), the cap's name None."""
    r = calculate({"region": "weihai", "date": "2024-03-05",
                   "person": {"identities": ["illness_impoverished"], "insurance": "resident"},
                   "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                             "in_district": True, "diseases": []},
                   "amounts": {"total": "1120000.00", "policy_scope": "1100000.00", "basic_paid": "200000.00"}})
    assert r["payouts"]["critical"] == "400000.00"
    assert r["steps"][1]["text"] == (
        "大病保险（普惠待遇）：基数 = 政策范围内 1100000.00 − 基本医保 200000.00 = 900000.00，年度累计 0.00 → 900000.00，"
        "起付线 15000.00；15000.00–100000.00 段 85000.00 × 60%；100000.00–200000.00 段 100000.00 × 65%；200000.00 以上 段 "
        "700000.00 × 70% = 606000.00；受年度最高支付限额 400000.00 所限，支付 400000.00")
    assert [(c["name"], c["limit"], c["used"]) for c in r["caps"] if c["key"] == "critical.cap"] == [
        ("大病保险年度最高支付限额", "400000.00", "400000.00")]


# ---- engine/regions/dianjiang.py ----

TEMPORARY = "请引导申请人向救助对象认定部门申请临时救助"


def test_dianjiang_large_assistance_kept_on_a_tie_with_the_ordinary_stay():
    """特困 = 第一类 (垫江解读 三、(一)), 2级医院, 政策范围内 35000.00 > 30,000: 大额救助 applies (三、(四)3. 三是).
    S = 35000.00 − 30000.00 − 0.00 = 5000.00; 普通疾病住院 (不设起付标准) 5000.00 × 90% = 4500.00; 大额救助 at the
    重特大疾病 rate 5000.00 × 90% = 4500.00: a tie, paid once (4500.00) as 大额救助, so its yearly limit is the one
    used (policy-readings.md 垫江). Kills in `_inpatient`: `large.pay > ordinary.pay`."""
    r = calculate(dianjiang("extreme_poverty", "inpatient", {"total": "40000.00", "policy_scope": "35000.00",
                                                             "basic_paid": "30000.00", "critical_paid": "0.00"}))
    assert r["payouts"]["assistance"] == "4500.00"
    assert (caps(r)["dianjiang.large"], caps(r)["dianjiang.general"]) == (("60000.00", "4500.00"), ("6000.00", "0.00"))


def test_dianjiang_kinds_outside_assistance_and_major_disease_outpatients():
    """垫江 低保 = 第二类, born 1940 (84 in 2024).
    大病保险特药: not among the costs 垫江 assists (三、(四)3.): 医疗救助 0.00, citing the clause, never a parameter name.
    普通门诊 with 肺癌 (a 重特大疾病, 三、(五)): still the 普通疾病门诊 rule (三、(四)3. 一是; 低保 aged 80+: in full
    within 400 a year): S = 900.00 − 500.00 = 400.00 × 100% = 400.00, nothing left, so no 临时救助 note.
    门诊慢特病 with 肺癌: 重特大疾病门诊救助 at the 重特大 rate 75% (三、(四)3. 五是): 4000.00 × 75% = 3000.00, the
    step names the class and the disease; 2.00 × 75% = 1.50 leaves 0.50: the 临时救助 note, even for 0.50. Not
    referred: no note (三、(四)3. 四是 refers those the identifying department treats).
    Kills in `assist`: the 普通门诊 test misspelt, the 重特大门诊 step's details or base noun dropped, the
    out-of-scope branch's arguments and amount; in `_tilt_referral`: `or` for `and` (twice), `left >= 0`, `left > 1`."""
    from test_cases import INTERNAL_NAME
    drug = calculate(dianjiang("subsistence", "special_drug", {"total": "6000.00", "policy_scope": "5000.00",
                                                               "basic_paid": "3000.00", "critical_paid": "0.00"}))
    assert drug["payouts"]["assistance"] == "0.00"
    [step] = [s for s in drug["steps"] if s["layer"] == "assistance" and s["amount"] == "0.00"]
    assert step["text"] == "大病保险特药费用不在本地医疗救助的费用保障范围内，医疗救助 0.00"
    assert not INTERNAL_NAME.search(step["source"]) and "三、(四)3." in step["source"]

    general = calculate(dianjiang("subsistence", "outpatient_general", {"total": "1000.00", "policy_scope": "900.00",
                                                                        "basic_paid": "500.00", "critical_paid": "0.00"},
                                  diseases=["肺癌"]))
    assert general["payouts"]["assistance"] == "400.00" and caps(general)["dianjiang.outpatient"] == ("400.00", "400.00")
    assert not [w for w in general["warnings"] if TEMPORARY in w]

    def chronic(scope, basic, referral=True):
        case = dianjiang("subsistence", "outpatient_chronic", {"total": scope, "policy_scope": scope,
                                                                "basic_paid": basic, "critical_paid": "0.00"},
                         diseases=["肺癌"])
        case["visit"]["referral"] = referral
        return calculate(case)
    major = chronic("9000.00", "5000.00")
    assert major["payouts"]["assistance"] == "3000.00"
    assert "重特大疾病门诊救助（第二类，肺癌）：政策范围内自付费用 4000.00 × 75% = 3000.00" in [s["text"] for s in major["steps"]]
    small = chronic("10.00", "8.00")
    assert small["payouts"]["assistance"] == "1.50"
    assert [w for w in small["warnings"] if TEMPORARY in w] == [
        "三重制度保障后政策范围内个人负担 0.50 元：如负担较重，请引导申请人向救助对象认定部门申请临时救助。"]
    assert not [w for w in chronic("9000.00", "5000.00", referral=False)["warnings"] if TEMPORARY in w]


# ---- engine/regions/changchun.py ----

def test_changchun_special_disease_stay_cites_its_clauses_and_the_unreferred_tilt_note():
    """低保 = 二类 with 尿毒症, one of the 13 diseases (第十一条): 不设起付标准, 100%: S = 48000.00 − 30000.00 − 1200.00
    = 16800.00 → 16800.00; the step cites 第十一条 (the diseases and their rate) and 第十三条 (the yearly cap).
    倾斜救助 needs referral and care in the province (第十四条): not referred, the step says so only when something is
    left to assist — nothing after the 100% stay; 0.50 after a 特困 (一类, 100%) stay of S = 40000.50 − 10000.00 =
    30000.50 held to the yearly 30,000 (第十三条).
    Kills: `_inpatient_rate`'s cited names for the 13 diseases misspelt; `_tilt`'s `left >= 0` and `left > 1`."""
    special = calculate(changchun("inpatient", {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                                                "critical_paid": "1200.00"}, diseases=["尿毒症"]))
    [step] = [s for s in special["steps"] if s["layer"] == "assistance" and s["amount"] == "16800.00" and "住院救助" in s["text"]]
    assert step["source"] == "长春市实施办法（征求意见稿） 第十一条；第十三条"

    unreferred = changchun("inpatient", {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                                         "critical_paid": "1200.00"}, diseases=["尿毒症"], referral=False)
    assert [s for s in calculate(unreferred)["steps"] if s["layer"] == "tilt"] == []
    capped = changchun("inpatient", {"total": "42000.00", "policy_scope": "40000.50", "basic_paid": "10000.00",
                                     "critical_paid": "0.00"}, referral=False)
    capped["person"]["identities"] = ["extreme_poverty"]
    r = calculate(capped)
    assert (r["assistance_class"], r["payouts"]["assistance"]) == ("一类", "30000.00")
    assert [s["text"] for s in r["steps"] if s["layer"] == "tilt"] == ["倾斜救助须规范转诊且在省域内就医，本次不符合，倾斜救助 0.00"]


def test_changchun_tilt_steps_word_for_word():
    """长春 低保 = 二类, 2024, each 倾斜救助 of 第十四条 on what the three layers left (referred, in the province):
    门诊慢性病 特发性肺纤维化 (第十四条(一)'s list): S = 28000.00 − 10000.00 = 18000.00, 门诊慢性病救助 1000.00 (its
    yearly 1,000, 第十二条(一)); left 17000.00 × 50% = 8500.00, held to its own 1,000 a year → 1000.00.
    罕见病 of a child of 8: S 18000.00, no 医疗救助; 18000.00 × 70% (二类's 住院 rate, not raised for the child:
    第十四条(三) borrows the class's rate) = 12600.00, held to 5,000 a year → 5000.00.
    住院 with 恶性肿瘤放化疗: S = 80000.00 − 30000.00 = 50000.00, 住院救助 (50000.00 − 1000.00) × 70% = 34300.00, held
    to the yearly 30,000; left 20000.00 × 20% = 4000.00 (第十四条(二)).
    Kills in `_tilt`: each step's details or base noun dropped."""
    def tilt(kind, amounts, diseases=(), birth="1960-01-01", flags=None):
        case = changchun(kind, amounts, diseases=diseases, birth=birth)
        case["flags"] = flags or {}
        r = calculate(case)
        return r["payouts"]["tilt"], [s["text"] for s in r["steps"] if s["layer"] == "tilt"]
    assert tilt("outpatient_chronic", {"total": "30000.00", "policy_scope": "28000.00", "basic_paid": "10000.00",
                                       "critical_paid": "0.00"}, diseases=["特发性肺纤维化"]) == ("1000.00", [
        "门诊慢性病倾斜救助（特发性肺纤维化）：经三重制度综合保障后政策范围内个人自付医疗费用 17000.00 × 50% = 8500.00；"
        "门诊慢性病倾斜救助年限额 1000.00，已用 0.00，剩余 1000.00，支付 1000.00"])
    assert tilt("rare_disease", {"total": "30000.00", "policy_scope": "28000.00", "basic_paid": "10000.00",
                                 "critical_paid": "0.00"}, birth="2016-01-01") == ("5000.00", [
        "罕见病倾斜救助（参照二类住院救助比例）：经三重制度综合保障后政策范围内个人自付医疗费用 18000.00 × 70% = 12600.00；"
        "罕见病救助年度救助限额 5000.00，已用 0.00，剩余 5000.00，支付 5000.00；8周岁儿童的比例上浮只适用于住院救助（第十一条），"
        "此处按类别比例"])
    assert tilt("inpatient", {"total": "90000.00", "policy_scope": "80000.00", "basic_paid": "30000.00",
                              "critical_paid": "0.00"}, flags={"cancer_chemo": True}) == ("4000.00", [
        "倾斜救助（二类·恶性肿瘤放化疗）：经三重制度综合保障后政策范围内个人自付医疗费用 20000.00 × 20% = 4000.00"])


def test_changchun_yearly_limits_listed_and_kinds_outside_assistance():
    """长春 低保 = 二类, the 恶性肿瘤放化疗 stay of the test above: the result lists the yearly limits a clerk checks
    against — 年度最高救助限额 30,000 shared by stays and outpatients (第十三条), used 30000.00; 门诊慢性病 1,000 (第十二条
    (一), 二类 is among its classes), unused; 倾斜救助 20,000 outside it (第十四条), used 4000.00. A 三类 (低保边缘) has
    no 门诊慢性病 limit. A tilt of 0.50 (S = 10002.50 − 10000.00 = 2.50 below the 1,000 起付标准, 2.50 × 20%) is still
    paid subject to review, and said so. 大病保险特药 is outside 长春's assistance: 0.00, no limits.
    Kills in `assist`: the limits' keys, names, amounts, ledger keys or clauses changed, the 门诊慢性病 class test inverted,
    `special_drug` misspelt; in `_tilt`: the review warning only above 1 yuan."""
    def stay(amounts, identity="subsistence", flags=None, kind="inpatient"):
        case = changchun(kind, amounts)
        case["person"]["identities"] = [identity]
        case["flags"] = flags or {}
        return calculate(case)
    chemo = stay({"total": "90000.00", "policy_scope": "80000.00", "basic_paid": "30000.00", "critical_paid": "0.00"},
                 flags={"cancer_chemo": True})
    assert [(c["key"], c["name"], c["limit"], c["used"], c["source"]) for c in chemo["caps"]] == [
        ("assist.cap", "年度最高救助限额（二类，住院与门诊共用）", "30000.00", "30000.00", "长春市实施办法（征求意见稿） 第十三条"),
        ("changchun.chronic", "门诊慢性病年救助限额", "1000.00", "0.00", "长春市实施办法（征求意见稿） 第十二条(一)"),
        ("tilt.cap", "倾斜救助年度额度（不计入年度救助限额）", "20000.00", "4000.00", "长春市实施办法（征求意见稿） 第十四条")]
    edge = stay({"total": "90000.00", "policy_scope": "80000.00", "basic_paid": "30000.00", "critical_paid": "0.00"},
                identity="subsistence_edge")
    assert [c["key"] for c in edge["caps"]] == ["assist.cap", "tilt.cap"]
    chronic = stay({"total": "30000.00", "policy_scope": "28000.00", "basic_paid": "10000.00", "critical_paid": "0.00"},
                   kind="outpatient_chronic")   # 门诊慢性病救助 S 18000.00, held to its 1,000 a year (第十二条(一))
    assert (chronic["payouts"]["assistance"], caps(chronic)["changchun.chronic"]) == ("1000.00", ("1000.00", "1000.00"))

    review = "倾斜救助视资金承受能力给予，须经医保部门审核（长春市实施办法第十四条）。"
    small = stay({"total": "10002.50", "policy_scope": "10002.50", "basic_paid": "10000.00", "critical_paid": "0.00"},
                 flags={"cancer_chemo": True})
    assert (small["payouts"]["assistance"], small["payouts"]["tilt"]) == ("0.00", "0.50") and review in small["warnings"]

    drug = stay({"total": "6000.00", "policy_scope": "5000.00", "basic_paid": "3000.00", "critical_paid": "0.00"},
                kind="special_drug")
    assert (drug["payouts"]["assistance"], drug["caps"]) == ("0.00", [])
    assert [s["text"] for s in drug["steps"] if s["layer"] == "assistance"][-1] == \
        "大病保险特药费用不在本地医疗救助的费用保障范围内，医疗救助 0.00"


# ---- the hand-worked cases' steps word for word (the fifth session: the wording-only survivors) ----
# A step's text is what a supervisor checks against the document with a pen: the rule's name, the base's noun, and
# the yearly limit that bit, in the document's words. These reuse cases of tests/engine/cases/<region>.yaml (their
# `why:` works the amounts out by hand) and pin the whole text of the steps where a limit bites.

def hand_worked(name):
    """The input of the hand-worked case of that name (tests/engine/cases/<region>.yaml), as the engine reads it."""
    from hand_cases import CASES, _stringify
    [entry] = [p.values[0] for p in CASES if p.values[0]["name"] == name]
    return _stringify(entry["input"])


def rule_texts(result, rule):
    """The texts of the result's steps of that rule (the steps that begin with its name)."""
    return [s["text"] for s in result["steps"] if s["text"].startswith((f"{rule}（", f"{rule}："))]


def test_changchun_assistance_steps_name_the_shared_yearly_limit_word_for_word():
    """长春 hand-worked case "一类 特困 住院+门诊慢性病+门诊特殊疾病 共用3万年度限额" (第十一条 一类 100%, 第十二条, 第十三条
    住院和门诊共用 3 万): 门诊慢性病 3000.00 × 50% = 1500.00 held to its 1,000 a year (第十二条(一)); 门诊特殊疾病
    6000.00 × 100% = 6000.00 held to what the 30,000 has left, 30000.00 − 26000.00 = 4000.00; the last stay's
    5000.00 × 100% finds it used up → 0.00. The 三类 case "三类 低保边缘 … 倾斜救助2万限额用尽": the second stay's
    倾斜救助 (60000.00 − 10000.00) above 10,000 already passed, 30000.00 × 50% = 15000.00, held to the 20,000 a year
    less 10000.00 used → 10000.00 (第十四条(二)).
    Kills (engine/regions/changchun.py): `_inpatient`'s rule, base noun and limit name changed or None (7, 24, 25, 30,
    36), `_chronic`'s limit name (28, 37), `_special_outpatient`'s (63, 69), `_tilt`'s 倾斜救助 limit name (11, 20)."""
    year = calculate(hand_worked("一类 特困 住院+门诊慢性病+门诊特殊疾病 共用3万年度限额"))["results"]
    assert [r["payouts"]["assistance"] for r in year] == ["25000.00", "1000.00", "4000.00", "0.00"]
    assert rule_texts(year[1], "门诊慢性病救助") == [
        "门诊慢性病救助（一类，不设起付标准）：政策范围内个人自付医疗费用 3000.00 × 50% = 1500.00；"
        "门诊慢性病年救助限额 1000.00，已用 0.00，剩余 1000.00，支付 1000.00"]
    assert rule_texts(year[2], "门诊特殊疾病救助") == [
        "门诊特殊疾病救助（一类，参照相应类别住院救助比例，不设起付标准）：政策范围内个人自付医疗费用 6000.00 × 100% = "
        "6000.00；年度最高救助限额（住院与门诊共用） 30000.00，已用 26000.00，剩余 4000.00，支付 4000.00"]
    assert rule_texts(year[3], "住院救助") == [
        "住院救助（一类，不设起付标准）：政策范围内个人自付医疗费用 5000.00 × 100% = 5000.00；"
        "年度最高救助限额（住院与门诊共用） 30000.00，已用 30000.00，剩余 0.00，支付 0.00"]

    edge = calculate(hand_worked("三类 低保边缘 起付3000 40% 1万限额 倾斜救助2万限额用尽 罕见病无余额"))["results"]
    assert (edge[1]["payouts"]["assistance"], edge[1]["payouts"]["tilt"]) == ("0.00", "10000.00")
    assert rule_texts(edge[1], "倾斜救助") == [
        "倾斜救助：经三重制度综合保障后政策范围内个人自付医疗费用本次 30000.00，年度累计 30000.00 → 60000.00，"
        "超过 10000.00（本年度此前的案件已超过） 的部分 30000.00 × 50% = 15000.00；"
        "倾斜救助年度额度 20000.00，已用 10000.00，剩余 10000.00，支付 10000.00（不计入年度救助限额）"]


def test_dianjiang_assistance_steps_and_yearly_limits_word_for_word():
    """垫江 (解读 三、(四)3.), hand-worked cases:
    - "第二类 大额救助 年限额6万…": 大额救助 85000.00 × 75% (重特大疾病住院救助比例) = 63750.00, held to its 60,000 a year
      (五是) → 60000.00;
    - "第一类 普通疾病门诊救助 全额、年400…": the second visit 250.00 × 100% held to what 400 a year left → 100.00 (一是);
    - "第二类 低保对象 需院外维持治疗…": 低保对象 under 80 who needs care outside hospital gets the full rule (一是);
    - "第二类 重特大门诊与住院共用10万限额…" with its outpatient visit moved after the stay: the stay's 140000.00 × 75% =
      105000.00 held to the shared 100,000 (五是) → 100000.00; the 白血病 outpatient 8000.00 × 75% = 6000.00 finds it
      used up → 0.00;
    - "第一类 三个年度限额各自独立…": after its 大额 stay the three yearly limits of 五是, each with its own use.
    Kills (engine/regions/dianjiang.py): `_large`'s limit name (24, 33); `_ordinary_outpatient`'s reason for the full rule
    (27), its limit's name in the step (81, 87) and in the result's list (95, 106); `assist`'s 重特大疾病 outpatient
    limit name (41, 50) and the names of the three yearly limits listed (76, 87, 96, 107, 116, 127)."""
    large = calculate(hand_worked("第二类 大额救助 年限额6万；倾斜救助只转介不计金额"))
    assert large["payouts"]["assistance"] == "60000.00"
    assert rule_texts(large, "大额救助") == [
        "大额救助（第二类，2级医院一次住院政策范围内费用 150000.00 超过 30000.00）：经基本医保、大病保险报销后的政策范围内"
        "费用 85000.00 × 重特大疾病住院救助比例 75% = 63750.00；大额救助年度救助限额 60000.00，已用 0.00，剩余 60000.00，"
        "支付 60000.00"]

    visits = calculate(hand_worked("第一类 普通疾病门诊救助 全额、年400，门诊慢特病（非26病种）与普通门诊共用"))["results"]
    assert [r["payouts"]["assistance"] for r in visits] == ["300.00", "100.00"]
    assert rule_texts(visits[1], "普通疾病门诊救助") == [
        "普通疾病门诊救助（第一类）：政策范围内的自付门诊费用 250.00 × 100% = 250.00；"
        "普通疾病门诊年度救助限额 400.00，已用 300.00，剩余 100.00，支付 100.00"]
    assert [(c["key"], c["name"], c["limit"], c["used"]) for c in visits[1]["caps"]][0] == \
        ("dianjiang.outpatient", "普通疾病门诊年度救助限额", "400.00", "400.00")

    care = calculate(hand_worked("第二类 低保对象 需院外维持治疗（long_term_care）普通门诊 全额救助"))
    assert rule_texts(care, "普通疾病门诊救助") == [
        "普通疾病门诊救助（低保对象，需院外维持治疗的重残重病人员）：政策范围内的自付门诊费用 350.00 × 100% = 350.00"]

    shared = hand_worked("第二类 重特大门诊与住院共用10万限额；普通疾病门诊另计")
    outpatient, stay, _ = shared["cases"]
    outpatient["date"] = "2023-06-20"
    shared["cases"] = [stay, outpatient]
    after_stay = calculate(shared)["results"]
    assert [r["payouts"]["assistance"] for r in after_stay] == ["100000.00", "0.00"]
    assert rule_texts(after_stay[1], "重特大疾病门诊救助") == [
        "重特大疾病门诊救助（第二类，白血病）：政策范围内自付费用 8000.00 × 75% = 6000.00；"
        "重特大疾病门诊和住院共用年度救助限额 100000.00，已用 100000.00，剩余 0.00，支付 0.00"]

    three = calculate(hand_worked("第一类 三个年度限额各自独立（普通住院6000用满、重特大、大额救助）"))["results"]
    assert [(c["key"], c["name"], c["limit"], c["used"], c["source"]) for c in three[3]["caps"]] == [
        ("dianjiang.general", "普通疾病住院年度救助限额", "6000.00", "6000.00", "垫江县实施细则（征求意见稿）解读 三、(四)3. 五是救助限额"),
        ("dianjiang.major", "重特大疾病门诊和住院共用年度救助限额", "100000.00", "18000.00", "垫江县实施细则（征求意见稿）解读 三、(四)3. 五是救助限额"),
        ("dianjiang.large", "大额救助年度救助限额", "60000.00", "13500.00", "垫江县实施细则（征求意见稿）解读 三、(四)3. 五是救助限额")]


def test_weihai_assistance_and_reassist_steps_name_their_yearly_limits_word_for_word():
    """威海 hand-worked case "B类 低保边缘家庭成员 起付标准3000年中达到 救助限额1万与再救助限额1万用尽" (威政办发〔2022〕15号
    二、(三)3.): the third stay's 医疗救助 (38000.00 − 8000.00 above 3,000 already passed) 30000.00 × 50% = 15000.00,
    held to the 10,000 a year shared by stays and 门诊慢特病 (二、(三)2.) less 2500.00 used → 7500.00; 再救助 on
    30000.00 − 7500.00 = 22500.00, the year's 5500.00 → 28000.00, above 10,000: 18000.00 × 70% = 12600.00, held to
    its 10,000 a year → 10000.00.
    Kills (engine/regions/weihai.py): `assist`'s limit name (59, 65), `_reassist`'s (48, 54)."""
    year = calculate(hand_worked("B类 低保边缘家庭成员 起付标准3000年中达到 救助限额1万与再救助限额1万用尽"))["results"]
    assert (year[2]["payouts"]["assistance"], year[2]["payouts"]["tilt"]) == ("7500.00", "10000.00")
    assert rule_texts(year[2], "医疗救助") == [
        "医疗救助（B类）：政策范围内个人负担费用本次 30000.00，年度累计 8000.00 → 38000.00，超过 3000.00（本年度此前的案件"
        "已超过） 的部分 30000.00 × 50% = 15000.00；年度累计救助限额（住院与门诊慢特病共用） 10000.00，已用 2500.00，"
        "剩余 7500.00，支付 7500.00"]
    assert rule_texts(year[2], "再救助") == [
        "再救助（B类）：“三重制度”保障后政策范围内个人负担费用本次 22500.00，年度累计 5500.00 → 28000.00，超过 10000.00 "
        "的部分 18000.00 × 70% = 12600.00；再救助年度累计救助限额 10000.00，已用 0.00，剩余 10000.00，支付 10000.00"]


def test_a_citation_names_a_place_two_clauses_share_once_on_a_book_of_its_own():
    """The computed 基本医保 step of `test_computed_basic_insurance_cites_its_clauses_and_stays_within_the_slips_scope`,
    on a book of its own (the clause texts are cached per book, so a shared book would hold the unmutated text): the
    起付标准's source names two places, the rate's one of them (wuhan-local.yaml); each is named once.
    Kills (engine/context.py): `Ctx._cite` no longer splitting a clause at "；" (17)."""
    stay = calculate(wuhan_edge({"total": "12000.00", "policy_scope": "10000.00"}), load_book())
    assert stay["steps"][0]["source"] == ("武汉市城乡居民/职工基本医疗保险办法（本系统未收录）；"
                                          "武政规〔2023〕1号 二、(三)：市域内住院支付比例总体稳定在70%左右；"
                                          "武汉市基本医疗保险办法（本系统未收录）")


def test_two_persons_identities_on_one_book_of_its_own_stay_their_own():
    """What a region reads of a case's identities is kept per parameter set and set of identities; on a book of its
    own (the bundled one's sets are filled before a mutant runs) a 低保 stay and then a 特困 stay in 长春, one day:
    S = 80000.00 − 30000.00 − 10000.00 = 40000.00. 低保 = 二类: (40000.00 − 1000.00) × 70% = 27300.00 (第十一条);
    特困 = 一类: 40000.00 × 100% held to the yearly 30,000 (第十三条) → 30000.00.
    Kills (engine/calculate.py): `_identities`' `ps.once(None, make)` (24: every set of identities would read the
    first one's)."""
    book = load_book()
    amounts = {"total": "90000.00", "policy_scope": "80000.00", "basic_paid": "30000.00", "critical_paid": "10000.00"}
    poor = changchun("inpatient", amounts)
    poorest = changchun("inpatient", amounts)
    poorest["person"]["identities"] = ["extreme_poverty"]
    first, second = calculate(poor, book), calculate(poorest, book)
    assert (first["identity_used"], first["assistance_class"], first["payouts"]["assistance"]) == \
        ("subsistence", "二类", "27300.00")
    assert (second["identity_used"], second["assistance_class"], second["payouts"]["assistance"]) == \
        ("extreme_poverty", "一类", "30000.00")


def test_dianjiang_inpatient_step_names_the_yearly_limit_that_bites():
    """垫江解读 三、(四)3. 五是 has three yearly limits; a 住院救助 step held by one names it as the result's list of
    limits does. 第二类 (低保) 肺癌 stay (重特大疾病, 三、(五)): S = 250000.00 − 80000.00 − 30000.00 = 140000.00, no
    deductible, 75% (116号): 105000.00, held by the 重特大疾病门诊和住院共用 10万 → 100000.00; 自付 300000.00 −
    80000.00 − 30000.00 − 100000.00 = 90000.00. (The 普通疾病住院 6000 limit's step is pinned in
    test_dianjiang_large_assistance_yearly_limit_holds_across_stays.)"""
    r = calculate(dianjiang("subsistence", "inpatient", {"total": "300000.00", "policy_scope": "250000.00",
                                                         "basic_paid": "80000.00", "critical_paid": "30000.00"},
                            diseases=["肺癌"]))
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("100000.00", "90000.00")
    assert [s["text"] for s in r["steps"] if s["text"].startswith("住院救助")] == [
        "住院救助（第二类，重特大疾病（肺癌），不设起付标准）：政策范围内自付费用 140000.00 × 75% = 105000.00；"
        "重特大疾病门诊和住院共用年度救助限额 100000.00，已用 0.00，剩余 100000.00，支付 100000.00"]


def test_each_result_explains_names_the_case_refused_and_computes_on_the_book_given():
    """`each_result` (what `calc` writes from, one result at a time): by default it explains and a refused case is
    named cases[i]; given a book it computes on it, and without `explain` it gives the numbers alone. Two 2024
    subsistence_stay cases: 1200.00 each on the files' book, 1350.00 each with 武汉 二类 住院救助 at 90% (1500.00 ×
    90%); each explained in five steps (基本医保, 大病保险, the base, 住院救助, 个人自付). A third stay, 政策范围内
    50000.00 with its insurance layers computed: 基本医保 (50000.00 − 500.00) × 75% = 37125.00; 大病保险 倾斜支付
    (起付线 halved to 6000, 65%) on the year's base 1500.00 + 1500.00 + 12875.00 = 15875.00: (15875.00 − 6000.00)
    × 65% = 6418.75; they leave 50000.00 − 37125.00 − 6418.75 = 6456.25 (医疗救助 × 80% = 5165.00). Its hospital
    already paid 9000.00 of 医疗救助 — accepted when parsed (below 50000.00 − 0 − 0), refused once computed:
    cases[2].amounts.assistance_paid, or, not indexed, amounts.assistance_paid. Kills in `each_result`: the
    `explain`/`indexed` defaults, the book or `explain` dropped, the index dropped or always given."""
    from engine.calculate import each_result, parse_input
    book = class_two_at_90_percent()
    year = parse_input({"cases": [subsistence_stay(), subsistence_stay("2024-06-01")]})
    plain = list(each_result(year))
    assert [(r.assistance, r.steps[-1].text) for r in plain] == [
        (Decimal("1200.00"), "个人自付 = 医疗总费用 5500.00 − 基本医保 3500.00 − 大病保险 0.00 − 医疗救助 1200.00 − "
                             "倾斜救助/再救助/托底 0.00 = 800.00")] * 2
    assert [(r.assistance, len(r.steps)) for r in each_result(year, book=book)] == [(Decimal("1350.00"), 5)] * 2
    assert [(r.assistance, r.steps) for r in each_result(year, book=book, explain=False)] == [(Decimal("1350.00"), ())] * 2
    overpaid = {**subsistence_stay("2024-07-01"),
                "amounts": {"total": "60000.00", "policy_scope": "50000.00", "assistance_paid": "9000.00"}}
    refused = parse_input({"cases": [subsistence_stay(), subsistence_stay("2024-06-01"), overpaid]})
    paid_nothing = {**overpaid, "amounts": {"total": "60000.00", "policy_scope": "50000.00"}}
    third = list(each_result(parse_input({"cases": [subsistence_stay(), subsistence_stay("2024-06-01"), paid_nothing]})))[2]
    assert (third.basic, third.critical, third.assistance) == (Decimal("37125.00"), Decimal("6418.75"), Decimal("5165.00"))
    with pytest.raises(InputError, match="9000.00") as err:
        list(each_result(refused))
    assert err.value.field == "cases[2].amounts.assistance_paid"
    with pytest.raises(InputError, match="9000.00") as err:
        list(each_result(refused, indexed=False))
    assert err.value.field == "amounts.assistance_paid"
