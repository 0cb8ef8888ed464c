"""威海 "居民特定门诊慢特病": once a supervisor sets the list (a local version of
critical.tilt.resident_chronic_diseases), only a resident 门诊慢特病 with a listed disease enters the tilted
大病保险 base, and the result no longer warns that the list was not given."""
import datetime as dt

from engine.store import open_store
from engine.store.cases import preview_case
from engine.store.policy_versions import add_version

NAME = "critical.tilt.resident_chronic_diseases"
TODAY = dt.date(2026, 3, 1)


def chronic(disease, date="2026-06-01"):
    return {"region": "weihai", "date": date, "person": {"identities": ["subsistence"], "insurance": "resident"},
            "visit": {"kind": "outpatient_chronic", "diseases": [disease]},
            "amounts": {"total": "21000.00", "policy_scope": "20000.00", "basic_paid": "8000.00"}}


def test_a_set_list_decides_which_resident_chronic_costs_enter_the_tilted_base(tmp_path):
    with open_store(tmp_path / "d", daily_backup=False) as store:
        assert preview_case(store, chronic("高血压"))["payouts"]["critical"] == "1950.00"   # 全部: counted
        add_version(store, "weihai", NAME, ("糖尿病",), TODAY, "市医保局确定居民特定门诊慢特病病种", "王五", today=TODAY)
        listed = preview_case(store, chronic("糖尿病"))
        unlisted = preview_case(store, chronic("高血压"))
        before = preview_case(store, chronic("高血压", date="2026-02-28"))   # the file's 全部 still applies
    # listed: (20000.00 − 8000.00 − 9000.00) × 65% = 1950.00; S = 20000 − 8000 − 1950 = 10050.00 × 70% = 7035.00
    assert listed["payouts"]["critical"] == "1950.00" and listed["payouts"]["assistance"] == "7035.00"
    assert not any("病种范围文件未载" in w for w in listed["warnings"])
    # not listed: outside the tilted base, 大病保险 0.00; S = 20000 − 8000 = 12000.00 × 70% = 8400.00
    assert unlisted["payouts"]["critical"] == "0.00" and unlisted["payouts"]["assistance"] == "8400.00"
    assert any("不在“居民特定门诊慢特病”病种范围内" in s["text"] for s in unlisted["steps"])
    assert before["payouts"]["critical"] == "1950.00"
