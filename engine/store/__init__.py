"""The case store: an offline SQLite database of persons, cases, receipts and an audit log.

No Qt here: the window and `python -m engine cases ...` call the same functions. The
database modules (and sqlite-utils) load on first use, so `python -m engine calc`, which
only needs StoreError for its error handling, stays light.
"""
from .errors import StoreError

__all__ = ["Store", "StoreError", "open_store"]


def __getattr__(name: str):
    if name in ("Store", "open_store"):
        from . import database

        return getattr(database, name)
    raise AttributeError(name)
