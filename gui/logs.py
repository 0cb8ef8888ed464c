"""A log file in the data folder (in %TEMP% when that cannot be written), and a Chinese dialog
instead of a traceback for anything unexpected: the details go to the log, the clerk is told
where it is. gui/app.py starts both before anything else of the window."""
from __future__ import annotations

import logging
import sys
import tempfile
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

log = logging.getLogger("sanchong")


def log_path(folder: Path) -> Path:
    return folder / "logs" / "sanchong.log"


def fallback_log_path() -> Path:
    """Where the log goes when the data folder cannot hold it: %TEMP% (TMPDIR elsewhere)."""
    return Path(tempfile.gettempdir()) / "SanchongCalculator-logs" / "sanchong.log"


def start_logging(folder: Path | None) -> Path | None:
    """Log into the data folder's logs/, or into %TEMP% when that folder cannot be written;
    returns the log file (None when not even %TEMP% can be written)."""
    handler = None
    for path in ([log_path(folder)] if folder is not None else []) + [fallback_log_path()]:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
            break
        except OSError:
            continue
    if handler is None:  # not even %TEMP%: the dialog still shows, nothing is written
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def install_excepthook(path: Path | None) -> None:
    """Unexpected errors: logged with their traceback, shown as a short Chinese message."""

    def hook(kind, value, tb) -> None:
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
        where = f"\n\n详细信息已记录到 {path}，请联系管理员时提供此文件。" if path else ""
        text = _message(value) + where
        try:
            from PySide6.QtWidgets import QApplication, QMessageBox

            QApplication.instance() or QApplication(sys.argv[:1])  # an error before the window: a dialog all the same
            QMessageBox.critical(None, "操作未完成", text)
            return
        except Exception:  # Qt itself failed: Windows' own message box, else standard error
            from .win32 import message_box

            if message_box("操作未完成", text):
                return
        if sys.stderr is not None:
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook


def _message(exc: BaseException) -> str:
    try:
        from .errors import message_of

        return message_of(exc)
    except Exception:  # the failure is in what errors.py imports
        return f"程序出错（{type(exc).__name__}: {exc}），程序无法启动。请重新安装本程序；如仍出错，请联系管理员。"
