"""Rule details the hand-worked cases did not pin down, found by mutation testing (tools/mutation.py):
each test names the mutant it kills. Amounts worked by hand from the documents; slip amounts given."""
from engine.calculate import calculate


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
    Kills: `if not full or ctx.identity == "subsistence"` (engine/regions/dianjiang.py)."""
    r = calculate(dianjiang("veteran_priority", "outpatient_general",
                            {"total": "1000.00", "policy_scope": "900.00", "basic_paid": "500.00", "critical_paid": "0.00"}))
    assert r["assistance_class"] == "第四类"
    assert (r["payouts"]["assistance"], r["out_of_pocket"]) == ("240.00", "260.00")
    assert caps(r)["dianjiang.outpatient"] == ("300.00", "240.00")


def test_dianjiang_large_assistance_yearly_limit_holds_across_stays():
    """低保对象 = 第二类; 阑尾炎 is not one of the 重特大疾病; 2级医院, 政策范围内 over 30,000: 大额救助 at the
    重特大疾病 rate 75%, 60,000 a year (垫江解读 三、(四)).
    Stay 1: S = 200000.00 − 100000.00 − 20000.00 = 80000.00 × 75% = 60000.00: the yearly limit used up.
    Stay 2: S = 50000.00 − 30000.00 − 0.00 = 20000.00 × 75% = 15000.00, limit left 0.00 → 0.00; 自付 22000.00.
    Kills: the 大额救助 ledger key renamed in capped() or in its add (engine/regions/dianjiang.py)."""
    first, second = calculate({"cases": [
        dianjiang("subsistence", "inpatient", {"total": "210000.00", "policy_scope": "200000.00",
                                               "basic_paid": "100000.00", "critical_paid": "20000.00"}, diseases=["阑尾炎"]),
        dianjiang("subsistence", "inpatient", {"total": "52000.00", "policy_scope": "50000.00",
                                               "basic_paid": "30000.00", "critical_paid": "0.00"},
                  date="2024-08-01", diseases=["阑尾炎"])]})["results"]
    assert first["payouts"]["assistance"] == "60000.00"
    assert (second["payouts"]["assistance"], second["out_of_pocket"]) == ("0.00", "22000.00")
    assert caps(second)["dianjiang.large"] == ("60000.00", "60000.00")


def test_a_ledger_reads_zero_for_what_is_unused_and_round_trips_through_json():
    """The store keeps a person's yearly ledger as JSON (engine/ledger.py): unused keys read 0.00, and the text
    form gives back exactly the amounts. Kills the mutants of Ledger.get, to_json and from_json."""
    from decimal import Decimal

    from engine.ledger import Ledger

    ledger = Ledger({"assist.paid": Decimal("26000.00"), "critical.base": Decimal("12000.50")})
    assert ledger.get("tilt.paid") == Decimal("0.00") and str(ledger.get("tilt.paid")) == "0.00"
    assert ledger.get("assist.paid") == Decimal("26000.00")
    text = ledger.to_json()
    assert text == {"assist.paid": "26000.00", "critical.base": "12000.50"}
    assert list(text) == ["assist.paid", "critical.base"]
    again = Ledger.from_json(text)
    assert again.data == ledger.data and all(isinstance(v, Decimal) for v in again.data.values())
