"""What every page shares: the open case store, the office's settings, and signals that tell
pages to refresh when a case is saved or voided, or a setting or a parameter changes."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.store import Store
from engine.store.database import DEFAULT_OFFICE

DEFAULTS = {"office": DEFAULT_OFFICE, "window": "", "operator": "", "default_region": "wuhan", "paper": "A4",
            "printer": "", "office_copy": ""}


class Session(QObject):
    cases_changed = Signal()
    settings_changed = Signal()
    policies_changed = Signal()

    def __init__(self, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store

    def setting(self, key: str) -> str:
        return self.store.setting(key) or DEFAULTS.get(key, "")

    def set_settings(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self.store.set_setting(key, value)
        self.settings_changed.emit()

    @property
    def operator(self) -> str:
        return self.setting("operator") or "经办人"

    @property
    def office(self) -> str:
        return self.setting("office")

    @property
    def office_copy(self) -> bool:
        """Print the office's copy (存根) after the resident's receipt."""
        return self.setting("office_copy") == "1"
