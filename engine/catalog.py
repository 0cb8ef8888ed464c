"""What the window offers for a region: its identities, disease lists and the case flags its
rules read, taken from the parameters in force (no Qt)."""
from __future__ import annotations

import datetime as dt

from .calculate import known_identities
from .case import FLAGS
from .clock import today
from .policy import PolicyBook, bundled
from .region_registry import MODULES


def region_day(region: str, day: dt.date | None = None, book: PolicyBook | None = None) -> dt.date:
    """`day` (default today) if a core document of the region is in force then, else the nearest day one is."""
    day = day or today()
    rb = (book or bundled()).region(region)
    if rb.core_for(day) is not None:
        return day
    cores = rb.cores
    before = [d.valid_until for d in cores if d.valid_until is not None and d.valid_until < day]
    after = [d.valid_from for d in cores if d.valid_from > day]
    if before and (not after or day - max(before) <= min(after) - day):
        return max(before)
    return min(after)


def identities(region: str, day: dt.date | None = None, book: PolicyBook | None = None) -> list[str]:
    book = book or bundled()
    return known_identities(book.params_for(region, region_day(region, day, book)))


def diseases(region: str, day: dt.date | None = None, book: PolicyBook | None = None) -> list[tuple[str, str]]:
    """Every disease the region's lists name, with the list it is on (a name on two lists twice)."""
    book = book or bundled()
    ps = book.params_for(region, region_day(region, day, book))
    out = []
    for name, value in ps.values.items():
        if name.split(".")[-1].endswith("diseases") and isinstance(value, (list, tuple)):
            out += [(d, ps.meta[name].description) for d in value if isinstance(d, str)]
    return out


def flags(region: str) -> list[tuple[str, str]]:
    """The case flags the region's rules read, with their Chinese names."""
    used = MODULES[region].FLAGS_USED
    return [(code, zh) for code, zh in FLAGS.items() if code in used]
