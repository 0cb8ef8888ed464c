"""A CJK font for the window, so Chinese renders on any PC (toolchain.md): the same WenQuanYi
Micro Hei or Windows' Microsoft YaHei when the system has it (no start-up cost), else the
bundled font file, registered with the application."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

SYSTEM_FAMILIES = ("WenQuanYi Micro Hei", "Microsoft YaHei", "微软雅黑")
POINT_SIZE = 10


def install_font(app: QApplication, prefer_system: bool = True) -> str | None:
    """Set the application font; returns its family."""
    if prefer_system:
        installed = set(QFontDatabase.families())
        for family in SYSTEM_FAMILIES:
            if family in installed:
                app.setFont(QFont(family, POINT_SIZE))
                return family
    from engine.paths import resources_dir

    for path in sorted((resources_dir() / "fonts").glob("*.tt[cf]")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            app.setFont(QFont(families[0], POINT_SIZE))
            return families[0]
    return None
