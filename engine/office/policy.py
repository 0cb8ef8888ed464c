"""The one place the office meets the policy book: the book this database computes with (the
bundled files and exactly its local versions, engine.policy.PolicyBook), and the reads of
parameters, their history and their local versions. Nothing here changes anything outside
this office: another office, or `calc`, computes with its own book."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from .. import whatif
from . import whatif_pool
from ..errors import InputError
from ..policy import ParamSet, PolicyBook, RegionBook
from ..region_registry import REGIONS
from ..store import policy_versions as versions
from ..store.database import Store
from ..store.queries import year_cases
from .changes import Changes, Done

# A parameter value as JSON text (numbers exactly), as a clerk reads it, and as a person types it.
encode_value = versions.encode
format_value = versions.format_value
parse_value_text = versions.parse_value_text


class PolicyDesk:
    """The policy part of engine.office.Office."""

    store: Store
    _done: Callable[[Any, Changes], Done]

    @property
    def book(self) -> PolicyBook:
        """The book this database computes with now (another window's new version is seen at once)."""
        return self.store.book

    def region_book(self, region: str) -> RegionBook:
        """A region's documents and parameter definitions."""
        return self.book.region(region)

    def params_for(self, region: str, day: dt.date) -> ParamSet:
        """The parameters in force for a case of the region on `day` (InputError: no document)."""
        return self.book.params_for(region, day)

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

    def parameter_template(self, region: str, name: str) -> Any:
        """The value a typed new value of a parameter is read against (its latest in the files)."""
        return self.book.file_template(region, name)

    def what_if(self, year: int, settings: list[tuple[str, str, str]], valid_from: dt.date | None = None, *,
                progress: Callable[[int, int], None] | None = None,
                stop: Callable[[], bool] | None = None, workers: int | None = None) -> whatif.Report:
        """模拟测算: every stored non-void case of `year` re-run in each person's saved order with the
        parameters changed from `valid_from` (default 1 January of the year); nothing is saved.
        `settings` are (region, parameter, value as typed), read as `cases policy-set` reads them.
        `workers`: processes sharing the persons (default: one per core for a large year, engine/office/whatif_pool.py)."""
        total, cases = year_cases(self.store, year)   # the year checked first; its cases are read as they are run
        day = valid_from or dt.date(year, 1, 1)
        book = self.book
        changes = []
        for i, (region, name, text) in enumerate(settings):
            try:
                value = versions.parse_value_text(text, book.file_template(region, name) if region in REGIONS else None)
                value = versions.checked_value(book, region, name, value, day)
                changes.append(whatif.Change(region, name, value, day, versions.format_value(name, value)))
            except InputError as exc:   # the date is the command's own (--from); the rest is the setting's
                raise (exc if exc.field == "--from" else exc.within(f"--set[{i}]")) from None
        workers = whatif_pool.worker_count(total, workers)
        if workers > 1 and whatif_pool.shareable(self.store):
            return whatif_pool.run(self.store, year, tuple(changes), workers, total=total, progress=progress, stop=stop)
        return whatif.run(cases, year, tuple(changes), book, total=total, progress=progress, stop=stop)
