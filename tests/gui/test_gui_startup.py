"""What happens at start: the first-start setup, the sample case, one window per data
folder, the data folder refused clearly, unexpected errors logged and shown in Chinese."""
import signal
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.calculate import calculate
from engine.selftest import samples

SAMPLES = samples()
from engine.store import open_store
from gui import app as gui_app
from gui.first_run import FirstRunDialog, needs_setup
from gui.logs import install_excepthook, log, start_logging
from engine.office import Office
from gui.session import Session
from gui.wizard import SettleWizard


@pytest.fixture
def session(tmp_path):
    with open_store(tmp_path / "d", daily_backup=False) as store:
        yield Session(Office(store))


@pytest.fixture
def shown(monkeypatch):
    """Message boxes record what they would have shown instead of waiting for a click."""
    messages = []
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda parent, title, text, *a, **k: messages.append((title, text))))
    return messages


def test_first_start_asks_for_the_office_and_keeps_it(session, qtbot):
    assert needs_setup(session)
    dialog = FirstRunDialog(session)
    qtbot.addWidget(dialog)
    dialog.operator.setText("李四")
    dialog.accept()
    assert "经办机构" in dialog.error.text() and needs_setup(session)
    dialog.office.setText("城关镇医保站")
    dialog.region.setCurrentIndex(dialog.region.findData("changchun"))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert not needs_setup(session)
    assert (session.office_name, session.operator, session.setting("default_region")) == ("城关镇医保站", "李四", "changchun")


@pytest.mark.parametrize("region", list(SAMPLES))
def test_the_sample_case_computes_and_is_never_saved(session, qtbot, region):
    session.set_settings({"office": "城关镇医保站", "operator": "李四", "default_region": region})
    wizard = SettleWizard(session)
    qtbot.addWidget(wizard)
    wizard.load_sample()
    assert "【样例】" in wizard.steps.text()
    assert wizard.next() and wizard.next() and wizard.next()
    sample = {k: v for k, v in SAMPLES[region].items() if k != "expect"}
    assert wizard.result["payouts"]["assistance"] == SAMPLES[region]["expect"]
    assert wizard.result["payouts"] == calculate(sample)["payouts"]
    assert wizard.doc["person"]["id_number"].startswith("000000")
    assert not wizard.save_button.isEnabled() and wizard.save() is None
    assert session.office.store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    wizard.restart()
    assert "【样例】" not in wizard.steps.text() and not wizard.sample


def test_one_window_per_data_folder(tmp_path, qapp, shown):
    first = gui_app.lock_folder(tmp_path)
    assert first is not None
    assert gui_app.lock_folder(tmp_path) is None
    assert shown and shown[-1][0] == "程序已经打开" and str(tmp_path) in shown[-1][1]
    first.unlock()
    assert gui_app.lock_folder(tmp_path) is not None


def test_a_crashed_windows_lock_is_taken_over(tmp_path, qapp, shown):
    code = ("import sys, time\nfrom PySide6.QtCore import QLockFile\n"
            f"lock = QLockFile({str(tmp_path / 'window.lock')!r}); assert lock.tryLock(100)\n"
            "print('locked', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    assert gui_app.lock_folder(tmp_path) is None  # held by a live process
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert gui_app.lock_folder(tmp_path) is not None  # its process is gone: the lock is stale


def test_an_unusable_data_folder_is_explained(monkeypatch, qapp, shown, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("SANCHONG_DATA_DIR", str(blocker))
    assert gui_app.data_folder() is None
    assert shown[-1][0] == "无法使用数据文件夹" and "不是文件夹" in shown[-1][1]


def test_unexpected_errors_are_logged_and_shown_in_chinese(tmp_path, qapp, shown, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    path = start_logging(tmp_path)
    try:
        install_excepthook(path)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        for handler in list(log.handlers):
            log.removeHandler(handler)
            handler.close()
    title, text = shown[-1]
    assert "程序出错" in text and str(path) in text and "Traceback" not in text
    logged = path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: boom" in logged


def test_the_daily_backup_runs_on_its_own_connection(tmp_path):
    from engine.store.backup import list_backups
    from engine.store.cases import save_cases
    from engine.store.database import daily_backup

    doc = {"region": "wuhan", "date": "2023-03-01",
           "person": {"id_number": "42010219800101001X", "name": "张三", "identities": ["subsistence"]},
           "visit": {"kind": "inpatient", "hospital_level": 2},
           "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    with open_store(tmp_path, daily_backup=False) as store:
        save_cases(store, doc, operator="李四", office="城关镇")
        made = daily_backup(tmp_path)  # while the window's connection is open
        assert made is not None and made in list_backups(tmp_path)
        assert daily_backup(tmp_path) is None  # once a day


def test_a_damaged_database_is_logged_and_the_clerk_chooses_a_backup(tmp_path, qapp, shown, monkeypatch):
    """The window's offer: each backup with its recorded time, kind, size and case count; the
    clerk's choice restored; the failure in the log; no command line in the message."""
    from PySide6.QtWidgets import QInputDialog

    from engine.store import backup as store_backup
    from engine.store.cases import save_cases
    from engine.store.database import RESTORE_BUTTON
    from ids import valid_id

    data = tmp_path / "d"
    monkeypatch.setenv("SANCHONG_DATA_DIR", str(data))
    doc = {"region": "wuhan", "date": "2023-03-01", "person": {"id_number": valid_id("1980-01-01", 1), "name": "测试"},
           "visit": {"kind": "inpatient", "hospital_level": 2},
           "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    with open_store(data, daily_backup=False) as store:
        save_cases(store, doc, operator="李四", office="城关镇")
        older = store_backup.make_backup(store.conn, data, "manual")
        save_cases(store, {**doc, "date": "2023-04-01"}, operator="李四", office="城关镇")
        newer = store_backup.make_backup(store.conn, data, "manual")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (data / "cases.sqlite3").write_bytes(b"not a database" * 400)
    log_file = start_logging(data)
    texts, offered = [], []

    def click_restore(box):
        texts.append(box.text())
        [button] = [b for b in box.buttons() if b.text() == RESTORE_BUTTON]
        button.click()

    def pick(parent, title, label, items, current, editable):
        offered.extend(items)
        return items[1], True  # the older of the two

    monkeypatch.setattr(QMessageBox, "exec", click_restore)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(pick))
    try:
        session = gui_app.open_session()
    finally:
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)
    assert session is not None
    with session.office:
        assert session.office.store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert "已损坏" in texts[0] and RESTORE_BUTTON in texts[0] and "python -m engine" not in texts[0]
    assert newer.name not in offered[1] and "手动" in offered[0] and "案件 2 件" in offered[0] and "案件 1 件" in offered[1]
    assert offered[-1].startswith("选择其他备份文件")
    assert any(title == "已恢复" and "2023-000002" in text for title, text in shown)
    assert "cannot open the database" in log_file.read_text(encoding="utf-8")
    assert older.exists()
