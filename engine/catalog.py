"""What the window offers for a region: its identities, disease lists and the case flags its
rules read, taken from the parameters in force (no Qt)."""
from __future__ import annotations

import datetime as dt

from . import clock
from .calculate import known_identities
from .case import FLAGS
from .policy import load_books, params_for
from .regions import MODULES


def region_day(region: str, day: dt.date | None = None) -> dt.date:
    """`day` (default today) if the region's core document is in force then, else the nearest day it is."""
    day = day or clock.today()
    core = load_books()[region].core
    if day < core.valid_from:
        return core.valid_from
    if core.valid_until and day > core.valid_until:
        return core.valid_until
    return day


def identities(region: str, day: dt.date | None = None) -> list[str]:
    return known_identities(params_for(region, region_day(region, day)))


def diseases(region: str, day: dt.date | None = None) -> list[tuple[str, str]]:
    """Every disease the region's lists name, with the list it is on (a name on two lists twice)."""
    ps = params_for(region, region_day(region, day))
    out = []
    for name, value in ps.values.items():
        if name.split(".")[-1].endswith("diseases") and isinstance(value, (list, tuple)):
            out += [(d, ps.meta[name].description) for d in value if isinstance(d, str)]
    return out


def flags(region: str) -> list[tuple[str, str]]:
    """The case flags the region's rules read, with their Chinese names."""
    used = MODULES[region].FLAGS_USED
    return [(code, zh) for code, zh in FLAGS.items() if code in used]
