"""Errors of the case store, in Chinese and English (exit status 1 on the command line)."""
from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """The database or its folder cannot be used: says what is wrong and what to do."""

    def __init__(self, zh: str, en: str, backups: list[Path] | None = None, *, cli_zh: str | None = None,
                 unusable: bool = False, maybe_saved: bool = False):
        super().__init__(en)
        self.zh = zh          # for the window: names what to click
        self.en = en
        self.cli_zh = cli_zh  # for the command line, when it differs (names the command)
        self.backups = backups or []  # newest first: what the window can offer to restore
        self.unusable = unusable      # the database file itself is damaged, foreign or newer: restore it
        self.maybe_saved = maybe_saved   # the server's answer to a COMMIT never came: it may have been saved

    def message(self) -> str:
        return f"{self.cli_zh or self.zh}\n{self.en}"


class PasswordNeeded(StoreError):
    """The database server wants a password that was not given or was wrong: the window asks for it."""
