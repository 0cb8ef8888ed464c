"""`python main.py --screenshots DIR` (app-cli.md): a temporary data folder with sample cases,
and a PNG of every screen at 1366×768, each file named for what it shows."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SIZE = (1366, 768)

# The sample persons (valid GB 11643 numbers) and their cases.
ZHANG = "42010219800101001X"   # 武汉 低保边缘: several layers and an early warning
LI = "220102201001010017"      # 长春 低保 尿毒症
WANG = "37100219680320001X"    # 威海 低保
SAMPLES = [
    {"region": "wuhan", "date": "2023-03-01",
     "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence_edge"], "rural": True},
     "visit": {"kind": "inpatient", "hospital_level": 3},
     "amounts": {"total": "180000.00", "policy_scope": "150000.00", "basic_paid": "80000.00", "critical_paid": "20000.00"},
     "flags": {"tilt_applied": True}},
    {"region": "changchun", "date": "2023-05-10",
     "person": {"id_number": LI, "name": "李小红", "identities": ["subsistence"]},
     "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
     "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00", "critical_paid": "1200.00"}},
    {"region": "changchun", "date": "2023-08-02",
     "person": {"id_number": LI, "name": "李小红", "identities": ["subsistence"]},
     "visit": {"kind": "outpatient_chronic", "hospital_level": 2, "diseases": ["尿毒症"]},
     "amounts": {"total": "3000.00", "policy_scope": "2800.00", "basic_paid": "1400.00", "critical_paid": "0.00"}},
    {"region": "weihai", "date": "2023-04-01",
     "person": {"id_number": WANG, "name": "王五", "identities": ["subsistence"]},
     "visit": {"kind": "inpatient", "hospital_level": 2},
     "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"}},
]
# The wizard's sample: 张三's second stay, computed on his stored year
WIZARD = {"region": "wuhan", "date": "2023-09-15", "id_number": ZHANG, "name": "张三",
          "identities": ["subsistence_edge"], "kind": "inpatient", "level": 3,
          "amounts": {"total": "96,000", "policy_scope": "8.5万", "basic_paid": "48000", "critical_paid": "12000"},
          "flags": ["tilt_applied"]}


def fill_store(folder: Path):
    from engine.office import Office

    office = Office.open(folder, daily_backup=False)
    for doc in SAMPLES:
        office.save(doc, operator="李四", office="城关镇医保站")
    wrong = dict(SAMPLES[3], date="2023-04-02")
    saved = office.save(wrong, operator="李四", office="城关镇医保站").value[0]
    office.void(saved.case_id, "重复录入", operator="李四")
    office.pay(1, "银行卡", "6222021234567890123", operator="李四")   # 发放, in the 日结 by method
    office.pay(2, "社保卡", "220102201001010017", operator="李四")
    office.pay(4, "现金", operator="李四")
    return office


def main(outdir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import datetime as dt
    from PySide6.QtWidgets import QApplication

    from .app import install_translations
    from .fonts import install_font
    from .main_window import MainWindow
    from .printing import ReceiptPreview
    from .session import Session

    app = QApplication.instance() or QApplication([])
    install_font(app)
    install_translations(app)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sanchong-shots-") as folder:
        session = Session(fill_store(Path(folder)))
        session.set_settings({"office": "城关镇医保站", "window": "3号窗口", "operator": "李四",
                              "default_region": "wuhan"})
        window = MainWindow(session)
        window.resize(*SIZE)
        window.show()

        def shot(name: str, widget=None) -> None:
            for _ in range(3):
                app.processEvents()
            path = out / f"{name}.png"
            (widget or window).grab().save(str(path))
            saved.append(path)

        shot("main-window")
        wizard = window.open_page("wizard")
        page = wizard.identity
        page.id_number.setText(WIZARD["id_number"])
        shot("wizard-1-identity")
        wizard.next()
        visit = wizard.visit_page
        visit.kind.setCurrentIndex(visit.kind.findData(WIZARD["kind"]))
        visit.level.setCurrentIndex(visit.level.findData(WIZARD["level"]))
        visit.set_date(dt.date.fromisoformat(WIZARD["date"]))
        for flag in WIZARD["flags"]:
            visit.flag_checks[flag].setChecked(True)
        shot("wizard-2-visit")
        wizard.next()
        amounts = wizard.amounts_page
        amounts.inputs["total"].setText("96,000")
        amounts.inputs["policy_scope"].setText("12万")
        wizard.next()
        shot("wizard-3-amounts-error-on-field")
        amounts.inputs["policy_scope"].setText(WIZARD["amounts"]["policy_scope"])
        amounts.inputs["basic_paid"].setText(WIZARD["amounts"]["basic_paid"])
        amounts.inputs["critical_paid"].setText(WIZARD["amounts"]["critical_paid"])
        shot("wizard-3-amounts")
        wizard.next()
        sources = wizard.result_page.sources
        wizard.result_page.show_clause(next(i for i, s in enumerate(sources) if "武政规" in s))
        shot("wizard-4-result")
        case_id = wizard.save()
        shot("wizard-4-result-saved")
        cases = window.open_page("cases")
        cases.search()
        cases.select_case(case_id)
        shot("cases-search")
        window.show_ledger(ZHANG, 2023)
        shot("ledger-person-year")
        warnings = window.open_page("warnings")
        warnings.set_filters(2023)
        shot("warnings-list")
        reports = window.open_page("reports")
        reports.refresh()
        shot("reports-day-report")
        stats = window.open_page("stats")
        stats.refresh()
        stats.show_month(2)
        shot("stats-year")
        window.open_page("policy")
        shot("policy-parameters")
        window.open_page("review")
        shot("review-queue")
        window.open_page("whatif")
        shot("what-if")
        window.open_page("settlements")
        shot("settlement-import")
        window.open_page("settings")
        shot("settings")
        window.open_page("wizard").load_sample()
        shot("wizard-sample-case")
        from .first_run import FirstRunDialog

        setup = FirstRunDialog(session, window)
        setup.show()
        shot("first-start-setup", setup)
        setup.close()
        preview = ReceiptPreview(session, case_id, reprint=False)
        preview.resize(*SIZE)
        preview.show()
        shot("print-preview-receipt", preview)
        preview.close()
        window.close()
        session.office.close()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
