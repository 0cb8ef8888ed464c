"""The case store: an offline SQLite database of persons, cases, receipts and an audit log.

No Qt here: the window and `python -m engine cases ...` call the same functions.
"""
from .database import Store, open_store
from .errors import StoreError

__all__ = ["Store", "StoreError", "open_store"]
