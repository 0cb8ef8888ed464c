"""A person's yearly ledger: what each deductible, cap and accumulated base has used.

One Ledger per person, region and policy year. A case is computed on a LedgerView
(a copy of the ledger's amounts); only the view of the identity finally used is
committed, so trying several identities (就高不重复) never leaves traces.
"""
from __future__ import annotations

from decimal import Decimal

from .money import ZERO

ONE = Decimal(1)


class Ledger:
    __slots__ = ("data",)

    def __init__(self, data: dict[str, Decimal] | None = None):
        self.data: dict[str, Decimal] = dict(data or {})

    def get(self, key: str) -> Decimal:
        return self.data.get(key, ZERO)

    def to_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in sorted(self.data.items())}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> "Ledger":
        return cls({k: Decimal(v) for k, v in data.items()})


class LedgerView:
    """One case's working copy of a ledger (a few dozen amounts at most: copying them is cheaper than
    looking each key up in two places, about eight changes a case, and committing is one assignment)."""
    __slots__ = ("base", "data")

    def __init__(self, base: Ledger):
        self.base = base
        self.data: dict[str, Decimal] = base.data.copy()

    def get(self, key: str) -> Decimal:
        return self.data.get(key, ZERO)

    def add(self, key: str, amount: Decimal) -> Decimal:
        """Add `amount`; return the value before."""
        data = self.data
        before = data.get(key, ZERO)
        data[key] = before + amount
        return before

    def flag(self, key: str) -> bool:
        return self.data.get(key, ZERO) > 0

    def set_flag(self, key: str) -> None:
        self.data[key] = ONE

    def commit(self) -> None:
        """The case's amounts become the ledger's (the view is done with: nothing changes it after)."""
        self.base.data = self.data
