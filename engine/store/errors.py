"""Errors of the case store, in Chinese and English (exit status 1 on the command line)."""
from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """The database or its folder cannot be used: says what is wrong and what to do."""

    def __init__(self, zh: str, en: str, backups: list[Path] | None = None):
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.backups = backups or []  # newest first: what the window can offer to restore

    def message(self) -> str:
        return f"{self.zh}\n{self.en}"
