"""Start the window (python main.py): log and catch errors first (into the data folder, or %TEMP%),
draw the main window, then open the case store — offering to restore the newest backup if it is
damaged —, refuse a second window on the same data folder, and on the first start ask for the
office's details."""
from __future__ import annotations

import os
import sys


def choose_backup(folder, parent=None):
    """The clerk picks a backup (each shown with the time recorded inside it, kind, size and case
    count, newest first), or another file; None when cancelled."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from engine.office import Office

    from .settings_page import backup_label

    usable = [i for i in Office.describe_folder_backups(folder) if i.usable]
    other = "选择其他备份文件（如U盘上的）…"
    labels = [backup_label(i) for i in usable] + [other]
    label, ok = QInputDialog.getItem(parent, "从备份恢复", "选择要恢复的备份（最新的在最上面）：", labels, 0, False)
    if not ok:
        return None
    if label != other:
        return usable[labels.index(label)].path
    chosen, _ = QFileDialog.getOpenFileName(parent, "选择备份文件", str(Office.folder_backups_dir(folder)),
                                            "数据库备份 (*.sqlite3 *.db);;所有文件 (*)")
    return Path(chosen) if chosen else None


def ask_server_password(parent, problem: str) -> bool:
    """The database server's password, asked at start (kept for this run only); False: the clerk stopped."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from engine.office import Office
    from engine.office import server

    chosen = server.choice(Office.resolve_folder(None))
    if chosen is None:   # the URL came from --database-url or the environment: it must carry the password
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(parent, "无法连接数据库服务器", problem)
        return False
    text, ok = QInputDialog.getText(parent, "数据库服务器密码",
                                    f"{problem}\n\n请输入 {chosen.user}@{chosen.host}:{chosen.port}/{chosen.dbname} 的密码：",
                                    QLineEdit.EchoMode.Password)
    if not ok:
        return False
    server.remember_password(chosen, text, keep=False)
    return True


def open_session(parent=None):
    """The session on the data folder, or None when the clerk chose to stop (message shown). A
    database that cannot be used is logged and offered for restore from a backup of the clerk's
    choice; a refused backup brings the offer back."""
    from PySide6.QtWidgets import QMessageBox

    from engine.office import RESTORE_BUTTON, Office
    from engine.office.server import PasswordNeeded
    from engine.store import StoreError

    from .errors import message_of
    from .logs import log
    from .session import Session
    from .settings_page import restored_text

    while True:
        try:
            return Session(Office.open(daily_backup=False))  # the daily backup runs in the background
        except PasswordNeeded as exc:   # the server's password: typed at start unless kept in the keyring
            log.error("cannot open the database: %s", exc.en)
            if not ask_server_password(parent, exc.zh):
                return None
            continue
        except StoreError as exc:
            log.error("cannot open the database: %s", exc.en, exc_info=exc)
            if not (exc.unusable or exc.backups):
                QMessageBox.critical(parent, "无法打开数据库", exc.zh)
                return None
            problem = exc
        except Exception as exc:  # never a traceback in front of the clerk
            log.exception("cannot open the database")
            QMessageBox.critical(parent, "无法打开数据库", message_of(exc))
            return None
        box = QMessageBox(QMessageBox.Icon.Critical, "无法打开数据库", problem.zh, parent=parent)
        box.setObjectName("damagedDatabase")
        restore_button = box.addButton(RESTORE_BUTTON, QMessageBox.ButtonRole.AcceptRole)
        box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not restore_button:
            return None
        folder = Office.resolve_folder(None)
        path = choose_backup(folder, parent)
        if path is None:
            continue
        try:
            done = Office.restore_folder(folder, path)
        except Exception as again:
            log.error("restore from %s failed: %s", path, again)
            QMessageBox.warning(parent, "恢复未完成", message_of(again) + "\n\n请另选一份备份。")
            continue
        log.info("restored %s from %s", folder, path)
        QMessageBox.information(parent, "已恢复", restored_text(done))


def install_translations(app) -> None:
    """Qt's own dialogs (print, file, message-box buttons) in Simplified Chinese."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # the bundle's own copy first: Qt's lookup has failed under non-ASCII install paths
        folders.insert(0, os.path.join(bundle, "PySide6", "Qt", "translations"))
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if any(translator.load(name, folder) for folder in folders):
            app.installTranslator(translator)


def data_folder(parent=None):
    """The data folder, checked; None (message shown) when it cannot be used."""
    from PySide6.QtWidgets import QMessageBox

    from engine.office import Office
    from engine.store import StoreError

    from .logs import log

    try:
        return Office.prepare_folder(None)
    except StoreError as exc:
        log.error("data folder refused: %s", exc)
        QMessageBox.critical(parent, "无法使用数据文件夹", exc.zh)
        return None


def lock_folder(folder, parent=None):
    """One window per data folder (two would each think they hold the clerk's latest state);
    returns the held lock, or None (message shown) when another window has it."""
    from PySide6.QtCore import QLockFile
    from PySide6.QtWidgets import QMessageBox

    lock = QLockFile(str(folder / "window.lock"))
    lock.setStaleLockTime(0)  # a lock left by a crashed window is taken over (its process is gone)
    if lock.tryLock(200):
        return lock
    QMessageBox.warning(parent, "程序已经打开",
                        f"三重保障计算器已在本机打开（数据文件夹 {folder}）。请切换到已打开的窗口（任务栏），"
                        "不要同时打开两个。")
    return None


def start_daily_backup(folder, parent) -> None:
    """Today's backup (a full check first) in a background thread: at a large database it takes
    seconds; a problem found is shown when it is known."""
    import threading

    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QMessageBox

    from engine.office import Office

    from .errors import message_of
    from .logs import log

    class Relay(QObject):
        failed = Signal(str)
        checked = Signal()

    relay = Relay(parent)
    relay.failed.connect(lambda text: QMessageBox.warning(parent, "今日自动备份未完成", text))
    relay.checked.connect(lambda: warn_about_audit(getattr(parent, "session", None), parent))

    def work() -> None:
        try:
            made = Office.daily_backup(folder)
            if made:
                log.info("daily backup %s", made)
                relay.checked.emit()   # the daily check verified the audit log before the backup
        except Exception as exc:  # shown to the clerk; details in the log
            log.exception("daily backup failed")
            relay.failed.emit(message_of(exc))

    threading.Thread(target=work, name="daily-backup", daemon=True).start()


def audit_problem_text(office) -> str | None:
    """What the window warns of about the audit log: the anchor's problem found at open, else a
    failed last verification (the daily check's, say); None when all is sound."""
    problem = office.anchor_problem()
    if problem:
        return "操作记录的校验点与数据库不一致。" + problem
    last = office.last_audit_verification()
    if last and not last["ok"]:
        return (f"{office.audit_verification_text(last)}\n请管理员在「设置 › 账户与审核」中查看，"
                "或执行 python -m engine cases audit-verify 了解详情；在查明之前不要恢复或删除备份。")
    return None


def warn_about_audit(session, parent) -> None:
    """A message box when the audit log's check found a problem (at start, and after the daily check)."""
    from PySide6.QtWidgets import QMessageBox

    text = audit_problem_text(session.office) if session is not None else None
    if text:
        QMessageBox.warning(parent, "操作记录校验发现问题", text)


def run() -> int:
    """The window; its exit code. The log and the error hook come first, so that an error anywhere
    in start-up (Qt, fonts, the window, the data folder) is logged and shown, never lost (the
    windowed executable has no standard error)."""
    from engine.office import Office

    from .logs import install_excepthook, start_logging

    try:
        folder = Office.resolve_folder(None)
    except Exception:  # an unusable SANCHONG_DATA_DIR or home: %TEMP% (data_folder() explains it later)
        folder = None
    install_excepthook(start_logging(folder))
    try:
        return _run()
    except Exception:
        sys.excepthook(*sys.exc_info())
        return 1


def _run() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .fonts import install_font
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("三重保障计算器")
    install_font(app)
    install_translations(app)
    window = MainWindow()
    window.show()
    quit_after = os.environ.get("SANCHONG_QUIT_AFTER_SHOW")  # bench/gui_bench.py: "shown" or "ready"
    held = []

    def attach() -> None:
        try:
            _attach()
        except Exception:  # logged and shown; before the store is open the window cannot go on
            sys.excepthook(*sys.exc_info())
            if window.session is None:  # it would stay at "正在打开数据库……"
                app.exit(1)

    def _attach() -> None:
        from PySide6.QtGui import QIcon

        from engine.paths import resources_dir

        from .first_run import FirstRunDialog, OfficeCodeDialog, needs_codes, needs_setup
        from .logs import log

        app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "app.png")))  # after the first draw: engine imports cost

        folder = data_folder(window)
        if folder is None:
            app.exit(1)
            return
        lock = lock_folder(folder, window)
        if lock is None:
            app.exit(1)
            return
        held.append(lock)
        session = open_session(window)
        if session is None:
            app.exit(1)
            return
        log.info("opened %s", session.office.path)
        from .login import IdleGuard, log_in

        if not log_in(session, window):
            app.exit(1)
            return
        window.attach(session)
        held.append(IdleGuard(session, window, app))
        warn_about_audit(session, window)
        if quit_after == "ready":
            QTimer.singleShot(0, app.quit)
            return
        start_daily_backup(folder, window)
        if needs_setup(session):
            from .login import FirstAdminDialog

            dialog = FirstRunDialog(session, window)
            accepted = dialog.exec()
            if accepted and not session.office.has_accounts():
                FirstAdminDialog(session, window).exec()     # the first start creates the 管理员 (or none)
            if accepted and dialog.try_sample.isChecked():
                window.open_page("wizard").load_sample()
        elif needs_codes(session):
            OfficeCodeDialog(session, window).exec()     # 以后再说: numbered by name as before, asked again next start

    QTimer.singleShot(0, app.quit if quit_after == "shown" else attach)
    return app.exec()
