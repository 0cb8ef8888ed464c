"""一站式结算 (case-format.md, "Already paid"): amounts.assistance_paid and the result's to_pay.

The case: 长春, a 13-year-old 低保对象 (二类), inpatient at a level-2 hospital, policy scope 48,000.00,
basic 30,000.00 and critical 1,200.00 from the slip: 政策范围内个人自付 16,800.00 (第七条、第九条).
With 尿毒症 (one of the 13 特殊疾病, 第十一条): no deductible, 100 % → 医疗救助 16,800.00.
With an ordinary disease: (16,800.00 − 1,000.00) × 80 % (70 % raised for a child, 第十三条) = 12,640.00.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.breakdown import breakdown
from engine.calculate import calculate, calculate_cases
from engine.case import parse_case
from engine.errors import InputError
from engine.summary import plain_sentence

ROOT = Path(__file__).resolve().parents[2]


def case(paid=None, diseases=("尿毒症",)):
    amounts = {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00", "critical_paid": "1200.00"}
    if paid is not None:
        amounts["assistance_paid"] = paid
    return {"region": "changchun", "date": "2023-05-10",
            "person": {"id_number": "220102201001011239", "name": "张三", "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": list(diseases)}, "amounts": amounts}


@pytest.mark.parametrize("paid, diseases, assistance, to_pay, over", [
    (None, ("尿毒症",), "16800.00", "16800.00", None),          # nothing paid at the hospital: to_pay = 16800 + 0
    ("10000.00", ("尿毒症",), "16800.00", "6800.00", None),     # below: 16800 − 10000 = 6800
    ("16800.00", ("尿毒症",), "16800.00", "0.00", None),        # equal: nothing left, no warning
    ("12640.00", (), "12640.00", "0.00", None),                 # equal on the ordinary disease
    ("16000.00", (), "12640.00", "0.00", "3360.00"),            # above: 16000 − 12640 = 3360 over, warned
    ("5000.00", (), "12640.00", "7640.00", None),               # below: 12640 − 5000 = 7640
])
def test_to_pay(paid, diseases, assistance, to_pay, over):
    result = calculate(case(paid, diseases))
    assert result["payouts"]["assistance"] == assistance      # the layer is what the documents make due
    assert result["to_pay"] == to_pay
    assert result["out_of_pocket"] == ("4000.00" if diseases else "8160.00")   # unchanged by who paid
    warned = [w for w in result["warnings"] if w.startswith("一站式已支付医疗救助高于本次应付")]
    if over:
        assert len(warned) == 1 and f"多付 {over}" in warned[0]
    else:
        assert not warned


def test_bulk_path_gives_the_same_to_pay():
    for paid in ("0.00", "5000.00", "16000.00"):
        parsed = parse_case(case(paid, ()))
        explained = calculate_cases([parsed])[0]
        bulk = calculate_cases([parsed], explain=False)[0]
        assert bulk.to_pay == explained.to_pay
        assert not bulk.steps and not bulk.warnings


def test_above_what_insurance_left_is_bad_input():
    # 48000 − 30000 − 1200 = 16800: one fen more is refused, naming the field
    with pytest.raises(InputError) as exc:
        calculate(case("16800.01"))
    assert exc.value.field == "amounts.assistance_paid"
    proc = subprocess.run([sys.executable, "-m", "engine", "calc", "-"], input=json.dumps(case("16800.01")),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "amounts.assistance_paid" in proc.stderr and proc.stdout == ""


def test_computed_insurance_bounds_it_too():
    # without basic_paid/critical_paid the engine computes them; the bound uses what it computed
    doc = case("48000.00")
    del doc["amounts"]["basic_paid"], doc["amounts"]["critical_paid"]
    with pytest.raises(InputError) as exc:
        calculate(doc)
    assert exc.value.field == "amounts.assistance_paid"


def test_not_an_amount_is_refused():
    with pytest.raises(InputError) as exc:
        calculate(case("-1.00"))
    assert exc.value.field == "amounts.assistance_paid"


def test_breakdown_rows_and_sentence():
    doc = case("10000.00")
    result = calculate(doc)
    b = breakdown(doc, result)
    assert [(r.key, str(r.amount)) for r in b.rows if r.key in ("assistance_paid", "to_pay")] == [
        ("assistance_paid", "10000.00"), ("to_pay", "6800.00")]
    text = plain_sentence(doc, result, office="城关镇医保站")
    assert "医院结算时已支付医疗救助 10000.00 元（一站式结算）" in text
    assert "城关镇医保站本次应支付您 6800.00 元（医疗救助）" in text
    plain = calculate(case())
    assert "to_pay" not in [r.key for r in breakdown(case(), plain).rows]    # no 一站式 rows when nothing was paid
    assert breakdown(case(), plain).to_pay == breakdown(case(), {k: v for k, v in plain.items() if k != "to_pay"}).to_pay


def test_all_paid_at_hospital_sentence():
    doc = case("16000.00", ())
    text = plain_sentence(doc, calculate(doc), office="城关镇医保站")
    assert "医院结算时已支付医疗救助 16000.00 元" in text and "城关镇医保站本次没有需要支付给您的款项" in text


def test_the_receipts_qr_code_carries_to_pay_only_when_the_hospital_paid(tmp_path):
    import zxingcpp
    from PIL import Image

    from engine.receipt import payload
    from engine.receipt.make import from_case, write

    for paid, layout, want in (("10000.00", "A5", "6800.00"), (None, "A5", None)):
        pdf = tmp_path / f"{paid}.pdf"
        write(from_case(case(paid)), pdf, layout)
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / f"p{paid}")], check=True)
        found = [c.text for png in sorted(tmp_path.glob(f"p{paid}*.png"))
                 for c in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
        assert found, f"no QR code decoded at 100 dpi ({paid})"
        assert payload.parse(found[0]).get("to_pay") == want
