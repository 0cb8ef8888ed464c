"""设置 (settings, backups, restore, check) and printing a receipt through Qt (preview, PDF output)."""
import re
import sqlite3
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter

from engine.errors import InputError
from engine.store import open_store
from engine.store.backup import list_backups
from engine.store.cases import save_cases, show_case
from gui import printing
from engine.office import Office
from gui.session import Session
from gui.settings_page import DEFAULT_PRINTER, SettingsPage
from ids import valid_id

ID = valid_id("2010-01-01", 5, "220102")
DOC = {"region": "changchun", "date": "2023-05-10",
       "person": {"id_number": ID, "name": "张三", "identities": ["subsistence"]},
       "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
       "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                   "critical_paid": "1200.00"}}


@pytest.fixture
def session(tmp_path):
    store = open_store(tmp_path / "data", daily_backup=False)
    s = Session(Office(store))
    yield s
    s.office.store.close()


@pytest.fixture
def case_id(session):
    saved = save_cases(session.office.store, DOC, operator="李四", office="城关镇")
    assert saved[0].result["payouts"]["assistance"] == "16800.00"
    return saved[0].case_id


@pytest.fixture
def page(qtbot, session):
    p = SettingsPage(session, None)
    qtbot.addWidget(p)
    return p


def case_count(session) -> int:
    return session.office.store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]


def pdfinfo(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def image_ppi(path) -> list[int]:
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return [int(line.split()[12]) for line in out.splitlines()[2:] if line.strip()]


# ---- settings -----------------------------------------------------------------------------

def test_settings_saved_in_the_store_and_reloaded(qtbot, page, session):
    page.office_edit.setText("城关镇医保站")
    page.window_edit.setText("3号窗口")
    page.operator_edit.setText("王五")
    page.region_combo.setCurrentIndex(page.region_combo.findData("weihai"))
    page.paper_combo.setCurrentIndex(page.paper_combo.findData("A5"))
    with qtbot.waitSignal(session.changed, timeout=1000, check_params_cb=lambda c: c.settings):
        assert page.save()
    rows = dict(session.office.store.conn.execute("SELECT key, value FROM settings").fetchall())
    assert {k: rows[k] for k in ("office", "window", "operator", "default_region", "paper", "printer")} == {
        "office": "城关镇医保站", "window": "3号窗口", "operator": "王五", "default_region": "weihai",
        "paper": "A5", "printer": ""}
    other = SettingsPage(session, None)   # a fresh page reads them back
    qtbot.addWidget(other)
    assert other.office_edit.text() == "城关镇医保站" and other.operator_edit.text() == "王五"
    assert other.region_combo.currentData() == "weihai" and other.paper_combo.currentData() == "A5"
    assert other.printer_combo.currentText() == DEFAULT_PRINTER
    assert other.folder.text() == str(session.office.store.folder) and other.folder.isReadOnly()


def test_enter_saves(qtbot, page, session):
    page.office_edit.setText("城关镇医保站")
    page.operator_edit.setText("王五")
    qtbot.keyClick(page.operator_edit, Qt.Key.Key_Return)
    assert session.office.store.setting("operator") == "王五"


@pytest.mark.parametrize("key", ["office", "operator"])
def test_empty_office_or_operator_refused_with_the_reason_beside_it(page, session, key):
    session.set_settings({"office": "城关镇医保站", "operator": "王五"})
    page.refresh()
    getattr(page, f"{key}_edit").setText("   ")
    page.window_edit.setText("5号窗口")
    assert not page.save()
    label = {"office": "经办机构", "operator": "经办人"}[key]
    assert page.error_text(key) == f"请填写{label}"
    assert "C00000" in page.errors[key].styleSheet()
    assert session.office.store.setting(key) == {"office": "城关镇医保站", "operator": "王五"}[key]
    assert session.office.store.setting("window") is None     # nothing saved
    other = "operator" if key == "office" else "office"
    assert "C00000" not in page.errors[other].styleSheet()


def test_unknown_stored_printer_is_kept(page, session):
    session.set_settings({"office": "城关镇", "operator": "王五", "printer": "财务室HP1020"})
    page.refresh()
    assert page.printer_combo.currentData() == "财务室HP1020"
    assert page.printer_combo.itemData(0) == "" and page.printer_combo.itemText(0) == DEFAULT_PRINTER
    assert page.save() and session.office.store.setting("printer") == "财务室HP1020"


# ---- backups, restore, check ---------------------------------------------------------------

def test_backup_now_adds_a_listed_backup(page, session, case_id):
    before = list_backups(session.office.store.folder)
    made = page.backup_now()
    assert made.is_file() and made not in before and "-manual" in made.name
    assert list_backups(session.office.store.folder) == [made] + before
    assert page.backups.rowCount() == len(before) + 1
    assert page.backup_paths()[0] == made
    assert page.backups.item(0, 1).text() == "手动"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", page.backups.item(0, 0).text())
    assert page.backups.item(0, 2).text().endswith("KB")
    assert page.backups.item(0, 3).text() == "1"   # its case count, read from inside it
    copy = sqlite3.connect(made)
    assert copy.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    copy.close()


def test_restore_brings_back_the_earlier_state_and_the_store_still_works(page, session, case_id):
    session.set_settings({"office": "城关镇", "operator": "王五"})
    made = page.backup_now()
    doc2 = {**DOC, "date": "2023-06-01"}
    save_cases(session.office.store, doc2, operator="李四", office="城关镇")
    session.set_settings({"operator": "赵六"})
    assert case_count(session) == 2
    old_store = session.office.store
    seen = []
    session.changed.connect(lambda changes: seen.extend(k for k in ("cases", "settings") if changes.touches(k)))
    done = page.restore_from(made)
    assert session.office.store is not old_store
    assert case_count(session) == 1 and done["cases"] == 1
    assert session.office.store.setting("operator") == "王五" and page.operator_edit.text() == "王五"
    assert {"cases", "settings"} <= set(seen)
    assert "before-restore" in done["previous_saved_as"] and page.backups.rowCount() == 2
    assert "恢复" in page.backup_status.text()
    assert "2023-000002" in page.backup_status.text()   # the clerk is told the number is skipped
    again = save_cases(session.office.store, doc2, operator="李四", office="城关镇")   # still works
    assert case_count(session) == 2 and again[0].receipt_no == "2023-000003"   # never issued twice


def test_restore_from_a_bad_file_changes_nothing(page, session, case_id, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database" * 20)
    with pytest.raises(InputError) as err:
        page.restore_from(bad)
    assert "不是数据库备份文件" in err.value.zh and "未做任何改动" in err.value.zh
    assert case_count(session) == 1
    save_cases(session.office.store, {**DOC, "date": "2023-06-01"}, operator="李四", office="城关镇")
    assert case_count(session) == 2


def test_check_database(page, session, case_id):
    found = page.check_now()
    assert found["cases"] == 1 and found["receipts"] == 1 and found["persons"] == 1
    assert "数据库完好" in page.backup_status.text() and "案件 1 件" in page.backup_status.text()


# ---- printing ------------------------------------------------------------------------------

@pytest.mark.parametrize("paper, size", [("A4", "595 x 842"), ("A5", "420 x 595")])
def test_print_to_pdf_page_size_pages_and_resolution(session, case_id, tmp_path, paper, size):
    session.set_settings({"paper": paper})
    source = printing.load_pdf(printing.receipt_pdf(session, case_id, reprint=False))
    pages = source.pageCount()
    out = tmp_path / f"printed-{paper}.pdf"
    assert printing.print_to_pdf(session, case_id, out, reprint=False) is False
    info = pdfinfo(out)
    assert info["Page size"].strip().startswith(size) and f"({paper})" in info["Page size"]
    assert int(info["Pages"]) == pages >= 1
    ppi = image_ppi(out)
    assert len(ppi) == pages and min(ppi) >= printing.MIN_DPI
    assert [p["reprint"] for p in show_case(session.office.store, case_id)["prints"]] == [False]


def test_printed_page_is_not_blank(session, case_id, tmp_path):
    out = tmp_path / "printed.pdf"
    printing.print_to_pdf(session, case_id, out, reprint=False)
    ppm = subprocess.run(["pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", str(out)],
                         capture_output=True, check=True).stdout
    pixels = ppm.split(b"\n", 3)[3]      # P5 header: magic, size, maxval
    dark = sum(1 for b in pixels if b < 128)
    assert 0.005 < dark / len(pixels) < 0.5   # text and QR code, on white (not a black or empty page)


def test_second_print_is_recorded_as_reprint(qtbot, session, case_id, tmp_path):
    session.set_settings({"operator": "王五"})
    with qtbot.waitSignal(session.changed, timeout=1000, check_params_cb=lambda c: c.prints):
        printing.print_to_pdf(session, case_id, tmp_path / "1.pdf", reprint=False)
    assert printing.print_to_pdf(session, case_id, tmp_path / "2.pdf", reprint=False) is True
    prints = show_case(session.office.store, case_id)["prints"]
    assert [(p["reprint"], p["operator"]) for p in prints] == [(False, "王五"), (True, "王五")]
    actions = [a["action"] for a in show_case(session.office.store, case_id)["audit"]]
    assert actions.count("print") == 1 and actions.count("reprint") == 1


def test_preview_dialog_has_pages_and_prints(qtbot, session, case_id, tmp_path):
    session.set_settings({"paper": "A5"})
    dialog = printing.ReceiptPreview(session, case_id, reprint=False)
    qtbot.addWidget(dialog)
    assert dialog.preview.pageCount() >= 1 and not dialog.reprint
    assert dialog.printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A5
    assert "2023-000001" in dialog.windowTitle() and "补打" not in dialog.windowTitle()
    out = tmp_path / "dialog.pdf"
    dialog.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog.printer.setOutputFileName(str(out))
    assert dialog.print_now() and dialog.printed and dialog.result() == dialog.DialogCode.Accepted
    assert "(A5)" in pdfinfo(out)["Page size"]
    assert [p["reprint"] for p in show_case(session.office.store, case_id)["prints"]] == [False]
    again = printing.ReceiptPreview(session, case_id, reprint=False)   # printed before: 补打
    qtbot.addWidget(again)
    assert again.reprint and "补打" in again.windowTitle() and again.preview.pageCount() >= 1
