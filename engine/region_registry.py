"""The regions the program has rules for: one module each in engine/regions/ (every module there
but `common`), found without importing them and imported on first use, so that parsing a case,
loading the policy files or listing regions in the window never depends on the rules themselves.
What each region module declares is described in engine/regions/__init__.py.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import ModuleType

from .errors import InputError

_NOT_REGIONS = frozenset({"common"})

_PACKAGE = "engine.regions"


def _codes() -> tuple[str, ...]:
    path = importlib.import_module(_PACKAGE).__path__
    return tuple(sorted(m.name for m in pkgutil.iter_modules(path)
                        if not m.ispkg and not m.name.startswith("_") and m.name not in _NOT_REGIONS))


CODES: tuple[str, ...] = _codes()


@lru_cache(maxsize=None)
def module(code: str) -> ModuleType:
    """The module of a region's rules and declarations."""
    if code not in CODES:
        raise KeyError(code)
    return importlib.import_module(f"{_PACKAGE}.{code}")


@lru_cache(maxsize=1)
def _ordered() -> tuple[str, ...]:
    return tuple(sorted(CODES, key=lambda code: (module(code).ORDER, code)))


class _Names(Mapping):
    """Region code → name, in the window's order (read-only)."""

    def __getitem__(self, code: object) -> str:
        if not isinstance(code, str) or code not in CODES:
            raise KeyError(code)
        return module(code).NAME

    def __iter__(self) -> Iterator[str]:
        return iter(_ordered())

    def __len__(self) -> int:
        return len(CODES)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in CODES

    def __repr__(self) -> str:
        return f"REGIONS({dict(self.items())!r})"


REGIONS: Mapping[str, str] = _Names()


class _Modules(Mapping):
    """Region code → its module (read-only)."""

    def __getitem__(self, code: object) -> ModuleType:
        if not isinstance(code, str) or code not in CODES:
            raise KeyError(code)
        return module(code)

    def __iter__(self) -> Iterator[str]:
        return iter(_ordered())

    def __len__(self) -> int:
        return len(CODES)


MODULES: Mapping[str, ModuleType] = _Modules()


def check_region(region: object, field: str = "region") -> str:
    """A region code the program has rules for; anything else is bad input naming `field`."""
    if not isinstance(region, str) or region not in CODES:
        shown = region if isinstance(region, str) else type(region).__name__
        raise InputError(field, f"未知地区“{shown}”，可选：{'、'.join(f'{k}（{v}）' for k, v in REGIONS.items())}",
                         f"unknown region {shown!r}; use one of {', '.join(REGIONS)}")
    return region


def ledger_labels() -> dict[str, str]:
    """Every region's own ledger amounts, as a clerk reads them."""
    out: dict[str, str] = {}
    for code in REGIONS:
        out.update(module(code).LEDGER_LABELS)
    return out


def field_hint(code: str, field: str) -> str | None:
    return getattr(module(code), "FIELD_HINTS", {}).get(field)
