"""engine/breakdown.py: the one breakdown every view lays out — the worked examples' rows and
totals, the warnings by kind, and results stored before results carried warning_kinds."""
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from engine import calculate
from engine.breakdown import NAMES, Alert, Notice, alerts, breakdown

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = Path(os.environ.get("SANCHONG_SHARED", ROOT.parent / "shared")) / "spec" / "examples"

# The rows of each worked example (../shared/spec/examples): the slip's 基本医保 / 大病保险 where the
# input gives them, the rest as the example's `expect` (and its `why`) works them out.
ROWS = {
    "changchun-special-disease": [("basic", "30000.00"), ("critical", "1200.00"), ("assistance", "16800.00"),
                                  ("tilt", "0.00"), ("out_of_pocket", "4000.00")],
    "weihai-subsistence-critical": [("basic", "30000.00"), ("critical", "7150.00"), ("assistance", "8995.00"),
                                    ("tilt", "0.00"), ("out_of_pocket", "13855.00")],
    "wuhan-general-class2": [("basic", "3500.00"), ("critical", "0.00"), ("assistance", "1200.00"), ("tilt", "0.00"),
                             ("out_of_pocket", "800.00")],
    "wuhan-rural-hospital-borne": [("basic", "50000.00"), ("critical", "15000.00"), ("assistance", "16000.00"),
                                   ("tilt", "0.00"), ("hospital", "7000.00"), ("out_of_pocket", "12000.00")],
}
# (total, policy_scope, paid by the four layers)
TOTALS = {
    "changchun-special-disease": ("52000.00", "48000.00", "48000.00"),
    "weihai-subsistence-critical": ("60000.00", "50000.00", "46145.00"),
    "wuhan-general-class2": ("5500.00", "5000.00", "4700.00"),
    "wuhan-rural-hospital-borne": ("100000.00", "85000.00", "81000.00"),
}
EXPECT_KEYS = {"basic": "basic", "critical": "critical", "assistance": "assistance", "tilt": "tilt",
               "hospital_borne": "hospital", "out_of_pocket": "out_of_pocket"}

UNVERIFIED = {"region": "wuhan", "date": "2023-03-01", "person": {"identities": ["subsistence"]},
              "visit": {"kind": "inpatient", "hospital_level": 2},
              "amounts": {"total": "5500.00", "policy_scope": "5000.00"}}
# 武汉 低保边缘, a large inpatient case: year out-of-pocket 134700.00 above 50% of 29559 = 14779.50
# (武政规〔2023〕1号 二、(五) 因病返贫预警).
WARNED = {"region": "wuhan", "date": "2023-06-01", "person": {"identities": ["subsistence_edge"]},
          "visit": {"kind": "inpatient", "hospital_level": 2},
          "amounts": {"total": "400000.00", "policy_scope": "300000.00", "basic_paid": "100000.00"}}


def test_there_is_one_row_per_worked_example():
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_breakdown_of_each_worked_example(name):
    doc = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    result = calculate(doc["input"])
    b = breakdown(doc["input"], result)
    assert [(r.key, str(r.amount)) for r in b.rows] == ROWS[name]
    assert [r.name for r in b.rows] == [NAMES[key] for key, _ in ROWS[name]]
    assert (str(b.total), str(b.policy_scope), str(b.paid)) == TOTALS[name]
    assert str(b.out_of_pocket) == dict(ROWS[name])["out_of_pocket"]
    amounts = {r.key: str(r.amount) for r in b.rows}
    for field, value in doc["expect"][0].items():
        assert amounts[EXPECT_KEYS[field]] == value, field
    # every step of the result is under its layer's row, in the engine's order
    assert [(s.text, s.source) for r in b.rows for s in r.steps] == \
        [(s["text"], s["source"]) for key, _ in ROWS[name] for s in result["steps"] if s["layer"] == key]
    assert sum(len(r.steps) for r in b.rows) == len(result["steps"])


def test_caps_left_after_the_changchun_example():
    doc = json.loads((EXAMPLES / "changchun-special-disease.json").read_text(encoding="utf-8"))
    caps = breakdown(doc["input"], calculate(doc["input"])).caps
    first = caps[0]
    # 二类 年度最高救助限额 30000 (第十一条), 16800.00 used by this case
    assert (first.limit, first.used, first.left) == (Decimal("30000.00"), Decimal("16800.00"), Decimal("13200.00"))
    assert "二类" in first.name and first.source


def test_an_unverified_parameter_is_a_warning_of_kind_unverified():
    result = calculate(UNVERIFIED)
    warned = breakdown(UNVERIFIED, result).warnings
    unverified = [w for w in warned if w.kind == "unverified"]
    assert any("基本医保住院政策范围内支付比例" in w.text for w in unverified)
    assert len(unverified) == len(result["unverified_parameters"])
    assert {w.tag for w in unverified} == {"待核实"}
    assert result["warning_kinds"] == [w.kind for w in warned]


def test_an_early_warning_is_a_warning_of_kind_early_warning():
    result = calculate(WARNED)
    assert result["out_of_pocket"] == "134700.00" and result["early_warning"]["threshold"] == "14779.50"
    [early] = [w for w in breakdown(WARNED, result).warnings if w.kind == "early_warning"]
    assert early.text.startswith("因病返贫预警：本年度累计个人自付 134700.00 元") and early.tag == "预警"
    assert "14779.50" in early.text


def test_a_rule_note_is_a_warning_of_kind_note():
    doc = dict(UNVERIFIED, flags={"long_term_care": True})  # 垫江's flag, ignored in 武汉
    kinds = dict((w.text, w.kind) for w in breakdown(doc, calculate(doc)).warnings)
    [ignored] = [text for text in kinds if "long_term_care" in text]
    assert kinds[ignored] == "note"


@pytest.mark.parametrize("doc, kind", [(UNVERIFIED, "unverified"), (WARNED, "early_warning")],
                         ids=["unverified", "early_warning"])
def test_a_result_stored_before_warning_kinds_gets_the_same_kinds(doc, kind):
    result = calculate(doc)
    old = {k: v for k, v in result.items() if k != "warning_kinds"}
    assert alerts(old) == alerts(result)
    assert kind in {w.kind for w in alerts(old)}


def test_the_old_result_fallback_reads_the_early_warning_from_its_record():
    old = {"warnings": ["因病致贫预警：本年度累计个人自付 …", "须经医保部门审核（预警后复核）", "未核实参数：x"],
           "early_warning": {"kind": "因病致贫预警"}}
    assert alerts(old) == (Alert("early_warning", old["warnings"][0]), Alert("note", old["warnings"][1]),
                           Alert("unverified", old["warnings"][2]))
    # the same texts without an early-warning record: no early warning
    assert [a.kind for a in alerts({"warnings": old["warnings"]})] == ["note", "note", "unverified"]


def test_an_unknown_layer_of_a_stored_result_still_shows_its_steps():
    doc = json.loads((EXAMPLES / "wuhan-general-class2.json").read_text(encoding="utf-8"))["input"]
    result = calculate(doc)
    result["steps"].append({"layer": "future", "text": "新的一层", "amount": None, "source": "某条"})
    row = breakdown(doc, result).rows[-1]
    assert (row.key, row.amount, [s.text for s in row.steps]) == ("future", None, ["新的一层"])


def test_a_notice_is_its_text_and_refuses_an_unknown_kind():
    notice = Notice("rule_ended", "武医保〔2022〕21号已于2026-12-31废止")
    assert notice == "武医保〔2022〕21号已于2026-12-31废止" and notice.kind == "rule_ended"
    assert Alert(notice.kind, str(notice)).tag == "不再适用"
    with pytest.raises(ValueError):
        Notice("urgent", "x")
