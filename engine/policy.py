"""Policy parameters: dated, cited values loaded from resources/policies/*.yaml.

One file per region and document. Each parameter has a description, the clause it
comes from (`reference`), its values keyed by the date each starts, and whether it
is taken from the document (`verified`, the default) or is a local value the
documents do not give (`verified: false`). The loader refuses a parameter without
a reference or without dated values. See resources/policies/README.md.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InputError, PolicyDataError
from .paths import policies_dir

REGIONS = {
    "wuhan": "武汉市",
    "dianjiang": "重庆市垫江县",
    "weihai": "威海市",
    "changchun": "长春市",
}


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    region: str
    number: str
    title: str
    issuer: str
    valid_from: dt.date
    valid_until: dt.date | None
    core: bool
    verified: bool
    local: bool = False

    @property
    def label(self) -> str:
        """How results and receipts name the document."""
        if self.number and self.number not in self.title:
            return f"{self.number}《{self.title}》"
        return self.title

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    document: Document
    description: str
    reference: str
    verified: bool
    values: tuple[tuple[dt.date, Any], ...]  # sorted by start date
    quote: str = ""
    reading: str = ""
    note: str = ""

    @property
    def citation(self) -> str:
        """Document number and clause, as a receipt prints it."""
        if self.document.verified:
            return f"{self.document.number} {self.reference}"
        return self.reference

    def at(self, day: dt.date) -> Any:
        """The value in force on `day`; None when none is (not started, or ended with null)."""
        current = None
        for start, value in self.values:
            if start <= day:
                current = value
            else:
                break
        return current


def _convert(value: Any) -> Any:
    """YAML numbers become Decimal (never float); lists become tuples."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, list):
        return tuple(_convert(v) for v in value)
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    raise PolicyDataError(f"unsupported value {value!r}")


def _as_date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise PolicyDataError(f"{where}: {value!r} is not a date") from exc


def _load_yaml(path: Path) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)
    if not isinstance(data, dict) or "document" not in data or "parameters" not in data:
        raise PolicyDataError(f"{path.name}: needs `document` and `parameters`")
    return data


def load_file(path: Path) -> tuple[Document, list[Parameter]]:
    data = _load_yaml(path)
    d = data["document"]
    where = path.name
    try:
        in_force = d["in_force"]
        doc = Document(
            key=d["key"], region=d["region"], number=d["number"], title=d["title"],
            issuer=d.get("issuer", ""),
            valid_from=_as_date(in_force["from"], where),
            valid_until=_as_date(in_force.get("until"), where),
            core=bool(d.get("core", False)), verified=bool(d.get("verified", True)),
            local=bool(d.get("local", False)),
        )
    except KeyError as exc:
        raise PolicyDataError(f"{where}: document lacks {exc}") from exc
    if doc.region not in REGIONS:
        raise PolicyDataError(f"{where}: unknown region {doc.region!r}")
    params = []
    for name, p in (data["parameters"] or {}).items():
        if not isinstance(p, dict):
            raise PolicyDataError(f"{where}: {name} must be a mapping")
        reference = str(p.get("reference") or "").strip()
        if not reference:
            raise PolicyDataError(f"{where}: {name} has no reference (clause); every value needs its source")
        raw = p.get("values")
        if not isinstance(raw, dict) or not raw:
            raise PolicyDataError(f"{where}: {name} has no dated values")
        values = tuple(sorted(((_as_date(k, f"{where}: {name}"), _convert(v)) for k, v in raw.items()),
                              key=lambda kv: kv[0]))
        verified = bool(p.get("verified", doc.verified))
        params.append(Parameter(
            name=name, document=doc, description=str(p.get("description", "")), reference=reference,
            verified=verified, values=values, quote=str(p.get("quote", "")),
            reading=str(p.get("reading", "")), note=str(p.get("note", "")),
        ))
    return doc, params


@dataclass(slots=True)
class RegionBook:
    region: str
    documents: list[Document] = field(default_factory=list)
    parameters: dict[str, Parameter] = field(default_factory=dict)

    @property
    def core(self) -> Document:
        return next(d for d in self.documents if d.core)


@lru_cache(maxsize=4)
def load_books(folder: str | None = None) -> dict[str, RegionBook]:
    """All regions' documents and parameters, loaded once per process."""
    base = Path(folder) if folder else policies_dir()
    books = {r: RegionBook(r) for r in REGIONS}
    files = sorted(base.glob("*.yaml"))
    if not files:
        raise PolicyDataError(f"no policy files in {base}")
    for path in files:
        doc, params = load_file(path)
        book = books[doc.region]
        book.documents.append(doc)
        for p in params:
            if p.name in book.parameters:
                raise PolicyDataError(f"{path.name}: {p.name} is defined twice for {doc.region}")
            book.parameters[p.name] = p
    for region, book in books.items():
        cores = [d for d in book.documents if d.core]
        if len(cores) != 1:
            raise PolicyDataError(f"region {region} needs exactly one core document, has {len(cores)}")
    return books


class ParamSet:
    """The parameters of one region in force on one day, with their metadata."""

    __slots__ = ("region", "day", "documents", "values", "meta", "unverified", "citations")

    def __init__(self, book: RegionBook, day: dt.date):
        self.region = book.region
        self.day = day
        self.documents = tuple(d for d in book.documents if d.in_force(day))
        keys = {d.key for d in self.documents}
        self.values: dict[str, Any] = {}
        self.meta: dict[str, Parameter] = {}
        for name, p in book.parameters.items():
            if p.document.key in keys:
                value = p.at(day)
                if value is not None:
                    self.values[name] = value
                    self.meta[name] = p
        self.unverified = frozenset(n for n, p in self.meta.items() if not p.verified)
        self.citations: dict[tuple[str, ...], str] = {}  # filled by Ctx.cite

    def has_document(self, key: str) -> bool:
        return any(d.key == key for d in self.documents)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def cite(self, name: str) -> str:
        return self.meta[name].citation


@lru_cache(maxsize=1)
def policy_version() -> str:
    """A fingerprint of the policy files in use, stored with every saved case."""
    digest = hashlib.sha256()
    for path in sorted(policies_dir().glob("*.yaml")):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


@lru_cache(maxsize=2048)
def params_for(region: str, day: dt.date) -> ParamSet:
    """Parameters for a case; a date no document covers is bad input."""
    books = load_books()
    if region not in books:
        raise InputError("region", f"未知地区“{region}”，可选：{'、'.join(REGIONS)}",
                         f"unknown region {region!r}; use one of {', '.join(REGIONS)}")
    book = books[region]
    core = book.core
    if not core.in_force(day):
        until = core.valid_until.isoformat() if core.valid_until else "今"
        raise InputError(
            "date",
            f"{day.isoformat()} 不在{REGIONS[region]}适用文件{core.number}的施行期内（{core.valid_from.isoformat()} 至 {until}），请核对结算日期",
            f"{day.isoformat()} is outside the period of {region}'s document ({core.valid_from.isoformat()} to {core.valid_until or 'open'}); check the settlement date",
        )
    return ParamSet(book, day)
