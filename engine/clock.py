"""The program's one clock: today's date and the current time, for every rule that depends on them
(a settlement date in the future is refused when saving, the day's backup, ages, parameter dates).

Tests set it instead of reading the real date: `with clock.frozen("2026-03-01"): ...` in process, or the
environment variable SANCHONG_TEST_TODAY=YYYY-MM-DD for a subprocess (the CLI, the window). Nothing else in
the program calls date.today() or datetime.now() for these purposes.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from typing import Iterator

_fixed: dt.datetime | None = None


def _from_env() -> dt.datetime | None:
    text = os.environ.get("SANCHONG_TEST_TODAY", "").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(10, 0)).astimezone()


def now() -> dt.datetime:
    """The current local time, with its offset."""
    if _fixed is not None:
        return _fixed
    return _from_env() or dt.datetime.now().astimezone()


def today() -> dt.date:
    return now().date()


def _as_datetime(at: dt.datetime | dt.date | str) -> dt.datetime:
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at) if "T" in at or " " in at else dt.date.fromisoformat(at)
    if isinstance(at, dt.datetime):
        return at if at.tzinfo else at.astimezone()
    return dt.datetime.combine(at, dt.time(10, 0)).astimezone()


@contextmanager
def frozen(at: dt.datetime | dt.date | str) -> Iterator[dt.datetime]:
    """Within the block, now() and today() give `at` (a date means 10:00 local time that day)."""
    global _fixed
    before = _fixed
    _fixed = _as_datetime(at)
    try:
        yield _fixed
    finally:
        _fixed = before
