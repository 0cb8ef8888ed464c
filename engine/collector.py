"""The cyclic garbage collector, paused for bulk work.

A bulk run (a year of cases through `calc`, a what-if over a year of stored cases) makes many small
objects that live until the run ends: cases, results, their steps and ledgers. None of them is part
of a reference cycle (tests/engine/test_bulk_caches.py checks it), so reference counting frees each
as soon as it is done with; the cyclic collector would only scan them again and again as they pile
up, about a tenth of a bulk run's time. It is paused for the run and left as it was found after.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; afterwards the collector is on again if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
