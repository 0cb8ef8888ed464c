"""What every page shares: the office (engine.office.Office, the one door to the data folder),
the office's settings, and one signal, `changed(Changes)`, sent after every call that changed
something, from which each page refreshes itself."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine.office import Changes, Office


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
    def account(self) -> dict | None:
        """The logged-in account (None while the office has no accounts, or before a login)."""
        return self.office.account

    def login(self, name: str, password: str) -> dict:
        account = self.office.login(name, password)
        self.changed.emit(Changes(settings=True))
        return account

    def logout(self) -> None:
        self.office.logout()
        self.changed.emit(Changes(settings=True))

    @property
    def operator(self) -> str:
        """Who works: the logged-in account, else the 经办人 of the settings."""
        if self.office.account is not None:
            return self.office.account["name"]
        return self.setting("operator") or "经办人"

    @property
    def office_name(self) -> str:
        return self.setting("office")

    @property
    def saving_office(self) -> str:
        """The office a save is made for: its code once set (receipt numbers per code), else its name."""
        return self.office.office_code() or self.office_name

    @property
    def office_copy(self) -> bool:
        """Print the office's copy (存根) after the resident's receipt."""
        return self.setting("office_copy") == "1"
