"""A log file in the data folder, and a Chinese dialog instead of a traceback for anything
unexpected: the details go to the log, the clerk is told where it is."""
from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

log = logging.getLogger("sanchong")


def log_path(folder: Path) -> Path:
    return folder / "logs" / "sanchong.log"


def start_logging(folder: Path) -> Path:
    path = log_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def install_excepthook(path: Path | None) -> None:
    """Unexpected errors: logged with their traceback, shown as a short Chinese message."""

    def hook(kind, value, tb) -> None:
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
        try:
            from PySide6.QtWidgets import QApplication, QMessageBox

            from .errors import message_of

            if QApplication.instance() is not None:
                where = f"\n\n详细信息已记录到 {path}，请联系管理员时提供此文件。" if path else ""
                QMessageBox.critical(None, "操作未完成", message_of(value) + where)
                return
        except Exception:  # the dialog itself failed: fall back to standard error
            pass
        sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook
