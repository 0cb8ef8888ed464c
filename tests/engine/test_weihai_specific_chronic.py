"""威海 "居民特定门诊慢特病" (威政办发〔2022〕15号 二、(二)): which resident 门诊慢特病 enter the tilted
大病保险 base is not in the document. Until a supervisor sets the list (critical.tilt.resident_chronic_diseases,
unverified, default 全部) all count, and the result says so — only where such costs entered that base."""
import pytest

from engine.calculate import calculate

SPECIFIC = "居民特定门诊慢特病"


def weihai(identity, insurance, kind, diseases=("高血压",)):
    return {"region": "weihai", "date": "2023-05-05", "person": {"identities": [identity], "insurance": insurance},
            "visit": {"kind": kind, "hospital_level": 2, "diseases": list(diseases)},
            "amounts": {"total": "21000.00", "policy_scope": "20000.00", "basic_paid": "8000.00"}}


@pytest.mark.parametrize("kind", ["outpatient_chronic", "outpatient_special"])
def test_a_class_a_residents_chronic_costs_enter_the_tilted_base_with_a_warning(kind):
    # (20000.00 − 8000.00 − 9000.00) × 65% = 1950.00 (二、(二) 居民 9000以上10万以下 65%)
    out = calculate(weihai("subsistence", "resident", kind))
    assert out["payouts"]["critical"] == "1950.00"
    assert any(SPECIFIC in w and "病种范围文件未载" in w for w in out["warnings"])
    assert "critical.tilt.resident_chronic_diseases" in out["unverified_parameters"]


@pytest.mark.parametrize("identity, insurance, kind", [
    ("subsistence", "employee", "outpatient_chronic"),      # 职工门诊慢特病费用: all count, nothing to tell
    ("subsistence", "resident", "inpatient"),               # 住院费用
    ("subsistence_edge", "resident", "outpatient_chronic"),  # B类: no tilted base
])
def test_no_warning_where_no_resident_chronic_cost_entered_the_tilted_base(identity, insurance, kind):
    out = calculate(weihai(identity, insurance, kind))
    assert not any(SPECIFIC in w for w in out["warnings"])
    assert "critical.tilt.resident_chronic_diseases" not in out["unverified_parameters"]
