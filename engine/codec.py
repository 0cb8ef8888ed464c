"""The text a result is stored as, and its hash.

A saved case keeps its input and result as compact JSON text (numbers as the engine's
strings, Decimal when read back); the receipt's QR code carries a hash of exactly that
text, so a printout can be checked against the database. The store, the receipt and a
trial receipt all use these three functions.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any


def to_json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


_DECODER = json.JSONDecoder(parse_float=Decimal)   # json.loads with parse_float makes a new one per call


def from_json_text(text: str) -> Any:
    return _DECODER.decode(text)


def result_hash(result_text: str) -> str:
    """The hash of a result exactly as stored (the JSON text of the case's result)."""
    return "sha256:" + hashlib.sha256(result_text.encode("utf-8")).hexdigest()[:32]
