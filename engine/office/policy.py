"""The one place the office meets the policy book: which local parameter versions apply while
an office is open, and the reads of parameters, their history and their local versions.
Nothing else in the office or the window reads engine.policy's state, so replacing that state
by a book held as a value changes this module only."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from ..policy import LocalVersion, ParamSet, RegionBook, history, load_books, local_source, params_for
from ..store import policy_versions as versions
from ..store.database import Store
from .changes import Changes, Done

# A parameter value as JSON text (numbers exactly), as a clerk reads it, and as a person types it.
encode_value = versions.encode
format_value = versions.format_value
parse_value_text = versions.parse_value_text


class PolicyDesk:
    """The policy part of engine.office.Office."""

    store: Store
    _done: Callable[[Any, Changes], Done]

    def _apply_policy(self) -> None:
        """The engine computes with exactly this database's local parameter versions."""
        versions.apply_versions(self.store)

    def region_book(self, region: str) -> RegionBook:
        """A region's bundled documents and parameters."""
        return load_books()[region]

    def params_for(self, region: str, day: dt.date) -> ParamSet:
        """The parameters in force for a case of the region on `day` (InputError: no document)."""
        return params_for(region, day)

    def parameter_history(self, region: str, name: str) -> list[dict[str, Any]]:
        """Every dated value of a parameter, the files' and the local ones (engine.policy.history)."""
        return history(region, name)

    def local_source(self, region: str, name: str, day: dt.date) -> LocalVersion | None:
        """The local version whose value applies on `day`, if any."""
        return local_source(region, name, day)

    def policy_versions(self, region: str | None = None, *, today: dt.date | None = None) -> list[dict[str, Any]]:
        """The local versions stored, oldest first."""
        return versions.list_versions(self.store, region, today=today)

    def add_policy_version(self, region: str, name: str, value: Any, valid_from: Any, reason: str, operator: str,
                           *, today: dt.date | None = None) -> Done[dict[str, Any]]:
        """A new dated value of one parameter (engine.store.policy_versions.add_version)."""
        done = versions.add_version(self.store, region, name, value, valid_from, reason, operator, today=today)
        return self._done(done, Changes(policy=True))

    def earliest_valid_from(self, region: str, *, today: dt.date | None = None) -> dt.date:
        """The first day a new version of the region's parameters may apply from."""
        return versions.earliest_valid_from(self.store, region, today=today)

    def last_case_date(self, region: str) -> dt.date | None:
        """The latest settlement date of the region's saved (non-void) cases."""
        return versions.last_case_date(self.store, region)

    @staticmethod
    def parameter_template(region: str, name: str) -> Any:
        """The value a typed new value of a parameter is read against (its latest in the files)."""
        p = load_books()[region].parameters.get(name)
        return p.values[-1][1] if p else None
