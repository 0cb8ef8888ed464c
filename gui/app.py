"""Start the window (python main.py): draw the main window, then open the case store —
offering to restore the newest backup if it is damaged —, refuse a second window on the same
data folder, log to the data folder, and on the first start ask for the office's details."""
from __future__ import annotations

import os
import sys


def open_session(parent=None):
    """The session on the data folder, or None when the clerk chose to stop (message shown)."""
    from PySide6.QtWidgets import QMessageBox

    from engine.office import Office
    from engine.store import StoreError

    from .session import Session

    try:
        return Session(Office.open(daily_backup=False))  # the daily backup runs in the background
    except StoreError as exc:
        if not exc.backups:
            QMessageBox.critical(parent, "无法打开数据库", exc.zh)
            return None
        box = QMessageBox(QMessageBox.Icon.Critical, "无法打开数据库", exc.zh, parent=parent)
        restore_button = box.addButton(f"从最新备份恢复（{exc.backups[0].name}）", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not restore_button:
            return None
        try:
            done = Office.restore_folder(None, exc.backups[0])
            QMessageBox.information(parent, "已恢复", f"已从 {done['restored_from']} 恢复，共 {done['cases']} 件案件。"
                                    + (f"\n损坏的数据库已移到 {done['damaged_moved_to']}。" if done["damaged_moved_to"] else ""))
            return Session(Office.open(daily_backup=False))
        except StoreError as again:
            QMessageBox.critical(parent, "恢复失败", again.zh)
            return None


def install_translations(app) -> None:
    """Qt's own dialogs (print, file, message-box buttons) in Simplified Chinese."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)


def data_folder(parent=None):
    """The data folder, checked; None (message shown) when it cannot be used."""
    from PySide6.QtWidgets import QMessageBox

    from engine.office import Office
    from engine.store import StoreError

    try:
        return Office.prepare_folder(None)
    except StoreError as exc:
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

    relay = Relay(parent)
    relay.failed.connect(lambda text: QMessageBox.warning(parent, "今日自动备份未完成", text))

    def work() -> None:
        try:
            made = Office.daily_backup(folder)
            if made:
                log.info("daily backup %s", made)
        except Exception as exc:  # shown to the clerk; details in the log
            log.exception("daily backup failed")
            relay.failed.emit(message_of(exc))

    threading.Thread(target=work, name="daily-backup", daemon=True).start()


def run() -> int:
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
        from PySide6.QtGui import QIcon

        from engine.paths import resources_dir

        from .first_run import FirstRunDialog, needs_setup
        from .logs import install_excepthook, log, start_logging

        app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "app.png")))  # after the first draw: engine imports cost

        folder = data_folder(window)
        if folder is None:
            app.exit(1)
            return
        install_excepthook(start_logging(folder))
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

    QTimer.singleShot(0, app.quit if quit_after == "shown" else attach)
    return app.exec()
