"""Every step of a result can be checked with a pen (issue 12, defect 6): a deductible met by an
earlier case says so, a year made 重特大 by an earlier case says so, and an applied-for 倾斜
that pays 0 says why. 武汉 (武政规〔2023〕1号 二、(四); 武医保〔2022〕21号 二、(六))."""
from engine.calculate import calculate
from ids import valid_id


def year(identities, *amounts, flags=None):
    person = {"id_number": valid_id(), "name": "王秀英", "identities": identities}
    cases = [{"region": "wuhan", "date": f"2023-0{i + 3}-01", "person": person,
              "visit": {"kind": "inpatient", "hospital_level": 2}, "flags": flags or {},
              "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}
             for i, (total, scope, basic) in enumerate(amounts)]
    return calculate({"cases": cases})["results"]


def texts(result, layer):
    return [s["text"] for s in result["steps"] if s["layer"] == layer]


def test_a_deductible_met_by_an_earlier_case_says_so():
    # 低保边缘 (三类), 一般疾病: 住院救助 起付标准 3000. First case: 自付 2000 + ... the second starts above it.
    first, second = year(["subsistence_edge"], ("9000.00", "8000.00", "4000.00"), ("5000.00", "4000.00", "2000.00"))
    assert not any("已由本年度此前的案件达到" in t for t in texts(first, "assistance"))
    [line] = [t for t in texts(second, "assistance") if t.startswith("住院救助")]
    assert "本次 2000.00，年度累计 4000.00 → 6000.00，起付标准 3000.00（已由本年度此前的案件达到） 以上部分 2000.00" in line
    assert "2000.00 × 70% = 1400.00" in line and second["payouts"]["assistance"] == "1400.00"


def test_a_year_made_major_by_an_earlier_case_says_what_made_it():
    # 大病保险 起付线 6000 reached by the first case's base (policy-readings.md); the second says why 重特大.
    first, second = year(["subsistence"], ("100000.00", "90000.00", "40000.00"), ("6000.00", "5000.00", "2500.00"))
    assert any("认定为重特大疾病" in t for t in texts(first, "assistance"))
    assert any(t.startswith("本年度此前的案件已认定为重特大疾病") and "起付线 6000.00" in t for t in texts(second, "assistance"))


def test_an_applied_for_tilt_that_pays_nothing_says_why():
    [result] = year(["subsistence"], ("6000.00", "5000.00", "2500.00"), flags={"tilt_applied": True})
    assert result["payouts"]["tilt"] == "0.00"
    [line] = texts(result, "tilt")
    assert line.startswith("倾斜救助 0.00：") and "农村低收入人口" in line and "返贫致贫风险" in line
