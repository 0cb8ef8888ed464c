"""What a changing call of the office changed (engine.office.Changes), and what it returns (Done)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Changes:
    """What kinds of things a call changed; a page refreshes when one it shows did."""
    cases: bool = False      # a case saved or voided: the lists, the details
    persons: bool = False    # a person or an identity grant added or changed
    ledger: bool = False     # a person's year (caps used, accumulated amounts, early warnings)
    prints: bool = False     # a receipt printed: the case's prints and audit entries
    policy: bool = False     # a local parameter version added
    settings: bool = False   # the office's settings
    backups: bool = False    # a backup made
    store_replaced: bool = False   # the whole database replaced (restore): everything

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})

    def touches(self, *kinds: str) -> bool:
        """Whether any of these kinds changed (a replaced database changes every kind)."""
        return self.store_replaced or any(getattr(self, kind) for kind in kinds)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


SAVED = Changes(cases=True, persons=True, ledger=True)


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """What a changing call returns: its answer and what changed."""
    value: T
    changes: Changes
