"""What every page shares: the office (engine.office.Office, the one door to the data folder),
the office's settings, and one signal, `changed(Changes)`, sent after every call that changed
something, from which each page refreshes itself."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.office import Office


class Session(QObject):
    changed = Signal(object)   # engine.office.Changes

    def __init__(self, office: Office, parent: QObject | None = None):
        super().__init__(parent)
        self.office = office
        office.subscribe(self.changed.emit)

    def setting(self, key: str) -> str:
        return self.office.setting(key)

    def set_settings(self, values: dict[str, str]) -> None:
        self.office.set_settings(values)

    @property
    def operator(self) -> str:
        return self.setting("operator") or "经办人"

    @property
    def office_name(self) -> str:
        return self.setting("office")

    @property
    def office_copy(self) -> bool:
        """Print the office's copy (存根) after the resident's receipt."""
        return self.setting("office_copy") == "1"
