"""The cyclic garbage collector, paused for bulk work.

A bulk run (a year of cases through `calc`, a what-if over a year of stored cases) makes many small
objects that live until the run ends: cases, results, their steps and ledgers. None of them is part
of a reference cycle (tests/engine/test_bulk_caches.py checks it), so reference counting frees each
as soon as it is done with; the cyclic collector would only scan them again and again as they pile
up, about a tenth of a bulk run's time. It is paused for the run and left as it was found after.

What the run made and still holds (the results) would be scanned twice more by the young
generations' collections as soon as the collector resumes (about 0.1–0.3 µs a bulk result, 0.5 µs
an explained one with its steps: 1–3 % of a case). It is moved straight to the oldest generation
instead (`gc.freeze()` then `gc.unfreeze()`, two list splices), where only a full collection looks
at it. Nothing is lost: an object the caller drops is freed by reference counting as before, and a
cycle made by other code meanwhile is found by the next full collection. When other code has frozen
objects itself (none here does), they are left frozen and the collector only resumes.
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
            if not gc.get_freeze_count():
                gc.freeze()     # every tracked object to the permanent generation, young counts reset …
                gc.unfreeze()   # … and back, into the oldest generation
            gc.enable()
