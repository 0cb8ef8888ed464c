"""The policy book (engine/policy.py): an immutable value; a successor document added as one YAML file."""
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from engine import InputError, PolicyDataError, calculate
from engine.paths import policies_dir
from engine.policy import bundled, load_book
from engine.region_registry import CODES, MODULES, REGIONS

# A hypothetical successor of 武医保〔2022〕21号 (which ends 2026-12-31): the same rules from 2027-01-01,
# under its own number, with the 低保 tilt rate changed from 90% to 85%.
RURAL_2027 = """\
document:
  key: wyb-2027-rural
  region: wuhan
  number: 武医保〔2027〕9号
  title: 武汉市农村低收入人口医疗保障接续方案（测试用）
  in_force: {from: 2027-01-01, until: 2031-12-31}
  core: false
parameters:
  rural.identities:
    description: 适用本方案倾斜救助的农村低收入人口
    reference: 二、(一)
    values: {2027-01-01: [extreme_poverty, subsistence, relapsed_poverty, monitored_rural]}
  rural_tilt.rate:
    description: 重特大疾病倾斜救助比例（按身份）
    reference: 二、(二)
    values: {2027-01-01: {extreme_poverty: 1.00, subsistence: 0.85, relapsed_poverty: 0.85, monitored_rural: 0.80}}
  rural_tilt.threshold:
    description: 倾斜救助起算线
    reference: 二、(二)
    values: {2027-01-01: 5000}
  hospital_borne.limits:
    description: 住院政策范围外费用占医疗总费用比例上限
    reference: 二、(三)
    values:
      2027-01-01:
        in_district: {1: 0.03, 2: 0.08, 3: 0.08}
        out_of_district_in_province: {3: 0.10}
"""


def rural_stay(date: str) -> dict:
    """tests/engine/cases/wuhan.yaml "农村低保 区内三级住院": 医疗救助 32000.00, 个人负担 8000.00."""
    return {"region": "wuhan", "date": date,
            "person": {"identities": ["subsistence"], "insurance": "resident", "rural": True},
            "visit": {"kind": "inpatient", "hospital_level": 3, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": "120000.00", "policy_scope": "100000.00", "basic_paid": "50000.00",
                        "critical_paid": "10000.00"}}


def tilt_step(result: dict) -> dict:
    return next(s for s in result["steps"] if s["layer"] == "tilt")


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(policies_dir(), target)
    return target


def test_a_successor_document_is_one_new_file(folder):
    (folder / "wuhan-wyb-2027-rural.yaml").write_text(RURAL_2027, encoding="utf-8")
    book = load_book(folder)
    deductible = book.params_for("wuhan", dt.date(2027, 7, 7)).values["basic.inpatient.deductible"]["resident"][3]
    burden = Decimal("40000.00") - Decimal("32000.00") - deductible       # 个人负担 − 住院起付标准 (21号 二、(六))

    after = calculate(rural_stay("2027-07-07"), book)
    assert after["payouts"]["assistance"] == "32000.00"
    assert after["payouts"]["tilt"] == str(((burden - 5000) * Decimal("0.85")).quantize(Decimal("0.01")))
    assert "武医保〔2027〕9号" in tilt_step(after)["source"]
    assert any("武医保〔2027〕9号" in d for d in after["documents"])
    assert not any("武医保〔2022〕21号" in d for d in after["documents"])
    assert not any("到期" in w for w in after["warnings"])
    assert after["hospital_borne"] == "10400.00"                          # 20000 − 8% × 120000, now by 〔2027〕9号

    before = calculate(rural_stay("2026-07-07"), book)
    assert before["payouts"]["tilt"] == str(((burden - 5000) * Decimal("0.90")).quantize(Decimal("0.01")))
    assert "武医保〔2022〕21号" in tilt_step(before)["source"]
    assert before == calculate(rural_stay("2026-07-07"))                  # the old document's values are unchanged
    old = book.region("wuhan").definitions["rural_tilt.rate"][0]
    assert old.document.key == "wyb-2022-21" and old.at(dt.date(2026, 7, 7))["subsistence"] == Decimal("0.90")
    history = book.history("wuhan", "rural_tilt.rate")
    assert [(e["from"].isoformat(), e["document"].key, str(e["until"])) for e in history] == [
        ("2022-01-01", "wyb-2022-21", "2026-12-31"), ("2027-01-01", "wyb-2027-rural", "2031-12-31")]


def test_after_a_side_document_ends_the_case_says_which_rule_no_longer_applies():
    result = calculate(rural_stay("2027-07-07"))
    assert result["payouts"]["tilt"] == "0.00" and result["hospital_borne"] == "0.00"
    [ended] = [w for w in result["warnings"] if "到期" in w]
    assert "武医保〔2022〕21号" in ended and "2026-12-31" in ended and "2027-07-07" in ended
    assert "重特大疾病倾斜救助" in ended and "不再适用" in ended
    assert result["warning_kinds"][result["warnings"].index(ended)] == "rule_ended"
    # an urban person never had the rule: nothing to say
    urban = rural_stay("2027-07-07")
    urban["person"]["rural"] = False
    assert not any("到期" in w for w in calculate(urban)["warnings"])


def test_a_final_core_document_follows_a_draft(folder):
    """长春's draft ends when its final text starts: one edit (its end date) and one new file."""
    draft = folder / "changchun-ssbf-2023.yaml"
    text = draft.read_text(encoding="utf-8")
    draft.write_text(text.replace("in_force: {from: 2023-01-01, until: null}", "in_force: {from: 2023-01-01, until: 2026-12-31}"),
                     encoding="utf-8")
    final = re.sub(r"key: changchun-2023", "key: changchun-2027", text)
    final = final.replace("number: 长春市实施办法（征求意见稿）", "number: 长医保〔2027〕1号")
    final = final.replace("in_force: {from: 2023-01-01, until: null}", "in_force: {from: 2027-01-01, until: null}")
    final = re.sub(r"(\n\s+)(\d{4})-(\d{2})-(\d{2}):", lambda m: f"{m.group(1)}2027-01-01:" if m.group(2) < "2027" else m.group(0), final)
    final = re.sub(r"\{(\d{4})-01-01:", lambda m: "{2027-01-01:" if m.group(1) < "2027" else m.group(0), final)
    (folder / "changchun-final-2027.yaml").write_text(final, encoding="utf-8")
    book = load_book(folder)
    case = {"region": "changchun", "person": {"identities": ["subsistence"], "insurance": "resident"},
            "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
            "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00", "critical_paid": "1200.00"}}
    old = calculate({**case, "date": "2026-05-10"}, book)
    new = calculate({**case, "date": "2027-05-10"}, book)
    assert old["payouts"] == new["payouts"] == calculate({**case, "date": "2026-05-10"})["payouts"]
    assert all("长医保〔2027〕1号" not in s["source"] for s in old["steps"])
    assert any("长医保〔2027〕1号" in s["source"] for s in new["steps"] if s["layer"] == "assistance")
    assert any("长医保〔2027〕1号" in d for d in new["documents"])
    assert book.region("changchun").core_for(dt.date(2027, 5, 10)).key == "changchun-2027"


def test_two_core_documents_in_force_on_one_day_are_refused(folder):
    text = (folder / "weihai-wzbf-2022-15.yaml").read_text(encoding="utf-8")
    second = text.replace("key: wzbf-2022-15", "key: wzbf-2027").replace("2023-01-01", "2027-06-01")
    (folder / "weihai-2027.yaml").write_text(second.replace("until: 2027-12-31", "until: 2032-12-31"), encoding="utf-8")
    with pytest.raises(PolicyDataError, match="both in force"):
        load_book(folder)


def test_a_parameter_is_unique_by_name_and_start(folder):
    text = (folder / "wuhan-wyb-2022-21.yaml").read_text(encoding="utf-8")
    (folder / "wuhan-copy.yaml").write_text(text.replace("key: wyb-2022-21", "key: wyb-copy"), encoding="utf-8")
    with pytest.raises(PolicyDataError, match=r"rural\.identities from 2022-01-01 is defined twice"):
        load_book(folder)


def test_a_date_no_core_document_covers_is_refused_with_the_period():
    with pytest.raises(InputError) as err:
        calculate({**rural_stay("2028-01-01")})
    assert err.value.field == "date" and "2023-01-01 至 2027-12-31" in err.value.zh


def test_a_book_is_immutable_and_with_local_gives_a_new_one():
    book = bundled()
    with pytest.raises(AttributeError):
        book.local = ()
    local = book.with_local([dict(id=1, region="weihai", name="warning.income", value=Decimal(50000),
                                  valid_from="2027-01-01", reason="测试", operator="王五", created_at="2026-12-01T10:00:00+08:00")])
    assert local is not book and book.local == () and local.version == book.version + "+local:1"
    day = dt.date(2027, 3, 1)
    assert local.params_for("weihai", day).values["warning.income"] == Decimal(50000)
    assert book.params_for("weihai", day).values["warning.income"] != Decimal(50000)


def test_regions_are_their_modules():
    """Adding a region = its module, its YAML and its tests: every list is built from the modules."""
    modules = sorted(p.stem for p in Path(MODULES["wuhan"].__file__).parent.glob("*.py")
                     if p.stem not in ("__init__", "common"))
    assert sorted(CODES) == modules == sorted(REGIONS) == sorted(bundled().regions)
    for code in REGIONS:
        m = MODULES[code]
        assert REGIONS[code] == m.NAME and isinstance(m.ORDER, int)
        assert all(k.startswith(code + ".") for k in m.LEDGER_LABELS)
        assert m.FLAGS_USED is not None and callable(m.assist)
        sample = {k: v for k, v in m.SAMPLE.items() if k != "expect"}
        assert sample["region"] == code
        assert calculate(sample)["payouts"]["assistance"] == m.SAMPLE["expect"]
        assert bundled().region(code).cores
