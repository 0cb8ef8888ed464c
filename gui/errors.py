"""Errors shown to the clerk: what is wrong and what to do, in Chinese, never a traceback."""
from __future__ import annotations

import shiboken6

from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import InputError, PolicyDataError
from engine.store import StoreError


def message_of(exc: BaseException) -> str:
    if isinstance(exc, (InputError, StoreError)):
        return exc.zh
    if isinstance(exc, PolicyDataError):
        return f"政策参数文件有误，请联系管理员：{exc}"
    return f"程序出错（{type(exc).__name__}: {exc}），本次操作未完成。请重试；如仍出错，请联系管理员。"


def show_error(parent: QWidget | None, exc: BaseException, title: str = "操作未完成") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, message_of(exc), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    try:
        box.exec()
    finally:
        if shiboken6.isValid(box):  # gone already if its parent was closed meanwhile
            box.deleteLater()  # never left alive under its parent until exit
