"""The quick-calculation window shows exactly the engine's amounts and field errors."""
from engine import calculate
from gui.calculator import CalculatorWindow


def test_window_shows_engine_amounts(qtbot):
    w = CalculatorWindow()
    qtbot.addWidget(w)
    w.region.setCurrentIndex(w.region.findData("changchun"))
    w.identities["subsistence"].setChecked(True)
    w.diseases.setText("尿毒症")
    w.date.setDate(w.date.date().fromString("2023-05-10", "yyyy-MM-dd"))
    for key, value in (("total", "52000.00"), ("policy_scope", "48000.00"), ("basic_paid", "30000.00"),
                       ("critical_paid", "1200.00")):
        qtbot.keyClicks(w.amounts[key], value)
    qtbot.keyClick(w.amounts["critical_paid"], "\r")
    shown = [w.summary.item(i, 1).text() for i in range(6)]
    want = calculate(w.case())
    assert shown == [want["payouts"][k] for k in ("basic", "critical", "assistance", "tilt")] + \
        [want["hospital_borne"], want["out_of_pocket"]]
    assert shown[2] == "16800.00" and shown[5] == "4000.00"
    assert w.steps.rowCount() == len(want["steps"])


def test_bad_amount_shows_the_reason_and_changes_nothing(qtbot):
    w = CalculatorWindow()
    qtbot.addWidget(w)
    qtbot.keyClicks(w.amounts["total"], "100.00")
    qtbot.keyClicks(w.amounts["policy_scope"], "200.00")
    w.compute()
    assert "amounts.policy_scope" in w.error.text() and "不能大于医疗总费用" in w.error.text()
    assert w.summary.item(0, 1) is None
