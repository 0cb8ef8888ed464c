"""Errors the engine reports to a person, in Chinese and English."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input: names the field, says what is wrong and what to do (exit status 2)."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{field}: {en}")
        self.field = field
        self.zh = zh
        self.en = en

    def message(self) -> str:
        where = self.field or "输入"
        return f"输入有误（{where}）：{self.zh}\nInvalid input ({self.field or 'input'}): {self.en}"

    def within(self, prefix: str) -> "InputError":
        """The same error, with its field placed under `prefix` (e.g. cases[2])."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return InputError(field, self.zh, self.en)


class PolicyDataError(RuntimeError):
    """A policy parameter file is missing, malformed, or a value lacks its source."""
