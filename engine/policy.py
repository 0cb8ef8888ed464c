"""Policy parameters: dated, cited values loaded from resources/policies/*.yaml.

One file per region and document. Each parameter has a description, the clause it
comes from (`reference`), its values keyed by the date each starts, and whether it
is taken from the document (`verified`, the default) or is a local value the
documents do not give (`verified: false`). The loader refuses a parameter without
a reference or without dated values. See resources/policies/README.md.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
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


def check_region(region: object, field: str = "region") -> str:
    """A region code the documents cover; anything else is bad input naming `field`."""
    if region not in REGIONS:
        raise InputError(field, f"未知地区“{region}”，可选：{'、'.join(f'{k}（{v}）' for k, v in REGIONS.items())}",
                         f"unknown region {region!r}; use one of {', '.join(REGIONS)}")
    return region


@lru_cache(maxsize=1)
def _files_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(policies_dir().glob("*.yaml")):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def policy_version() -> str:
    """A fingerprint of the policy files in use, stored with every saved case; with
    `+local:N` when local versions are applied (N: the newest one's id, which the case
    database checks before it stores a case, so a window that has not seen a newer
    version cannot save a case it applies to)."""
    return _files_fingerprint() + _local_suffix


@lru_cache(maxsize=2048)
def params_for(region: str, day: dt.date) -> ParamSet:
    """Parameters for a case; a date no document covers is bad input."""
    book = load_books()[check_region(region)]
    core = book.core
    if not core.in_force(day):
        until = core.valid_until.isoformat() if core.valid_until else "今"
        raise InputError(
            "date",
            f"{day.isoformat()} 不在{REGIONS[region]}适用文件{core.number}的施行期内（{core.valid_from.isoformat()} 至 {until}），请核对结算日期",
            f"{day.isoformat()} is outside the period of {region}'s document ({core.valid_from.isoformat()} to {core.valid_until or 'open'}); check the settlement date",
        )
    ps = ParamSet(book, day)
    overrides = _local_by_region.get(region)
    if overrides:
        _layer(ps, book, overrides, day)
    return ps


# ---------------------------------------------------------------------------------------
# Local versions: a supervisor's dated change of one parameter of one region, kept in the
# case database (engine/store/policy_versions.py) and layered over the files here. The
# files' data (load_books) is never changed: params_for(region, day) gives a local value
# for days on and after its start (the latest start on or before the day wins, a file's
# entry and a local one alike; on the same day the local one), cited as 本地调整 and
# counted as unverified, so every result that uses it says so. `python -m engine calc`
# applies none: only a store, when opened, applies its own.


@dataclass(frozen=True, slots=True)
class LocalVersion:
    id: int
    region: str
    name: str
    value: Any
    valid_from: dt.date
    reason: str
    operator: str
    created_at: str

    @property
    def label(self) -> str:
        """How steps, warnings and receipts cite a local value."""
        return f"本地调整（{self.reason}，{self.operator} {self.created_at[:10]}）"


_local: tuple[LocalVersion, ...] = ()
_local_by_region: dict[str, dict[str, tuple[tuple[LocalVersion, Parameter], ...]]] = {}
_local_suffix = ""


def _as_local(row: Any) -> LocalVersion:
    if isinstance(row, LocalVersion):
        return row
    day = row["valid_from"]
    return LocalVersion(id=int(row["id"]), region=row["region"], name=row["name"], value=row["value"],
                        valid_from=day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)),
                        reason=row["reason"], operator=row["operator"], created_at=str(row["created_at"]))


def set_local_versions(rows: Any) -> None:
    """Apply exactly these local versions (replacing any applied before); () applies none.
    Each row: id, region, name, value (already typed: Decimal numbers, the file's keys),
    valid_from, reason, operator, created_at. A version of a parameter the files do not
    (or no longer) have is kept for listing but not applied."""
    global _local, _local_by_region, _local_suffix
    versions = tuple(sorted((_as_local(r) for r in rows), key=lambda v: v.id))
    if versions == _local:
        return
    books = load_books()
    by_region: dict[str, dict[str, list[tuple[LocalVersion, Parameter]]]] = {}
    for v in sorted(versions, key=lambda v: (v.valid_from, v.id)):
        p = books[v.region].parameters.get(v.name) if v.region in books else None
        if p is None:
            continue
        variant = Parameter(
            name=p.name, document=replace(p.document, verified=False), description=p.description,
            reference=v.label, verified=False, values=((v.valid_from, v.value),),
            note=f"文件取值依据：{p.citation}",
        )
        by_region.setdefault(v.region, {}).setdefault(v.name, []).append((v, variant))
    _local = versions
    _local_by_region = {r: {n: tuple(e) for n, e in names.items()} for r, names in by_region.items()}
    _local_suffix = f"+local:{versions[-1].id}" if versions else ""
    params_for.cache_clear()


def local_versions(region: str | None = None) -> tuple[LocalVersion, ...]:
    """The local versions applied now, oldest first."""
    return tuple(v for v in _local if region is None or v.region == region)


def _layer(ps: ParamSet, book: RegionBook, overrides: dict, day: dt.date) -> None:
    keys = {d.key for d in ps.documents}
    for name, entries in overrides.items():
        p = book.parameters.get(name)
        if p is None or p.document.key not in keys:
            continue
        chosen = None
        for version, variant in entries:
            if version.valid_from > day:
                break
            chosen = (version, variant)
        if chosen is None or any(chosen[0].valid_from < start <= day for start, _ in p.values):
            continue   # not started yet, or a later dated entry of the file is in force
        ps.values[name] = chosen[0].value
        ps.meta[name] = chosen[1]
    ps.unverified = frozenset(n for n, m in ps.meta.items() if not m.verified)


def local_source(region: str, name: str, day: dt.date) -> LocalVersion | None:
    """The local version whose value params_for gives for `day`, if any."""
    try:
        meta = params_for(region, day).meta.get(name)
    except InputError:
        return None
    for version, variant in _local_by_region.get(region, {}).get(name, ()):
        if variant is meta:
            return version
    return None


def history(region: str, name: str) -> list[dict[str, Any]]:
    """Every dated value of a parameter, the file's and the local ones, in the order they
    start: from, until (the day before the next starts, or the document's end), value
    (None: ended), citation, verified, local (the LocalVersion or None)."""
    p = load_books()[region].parameters[name]
    entries = [{"from": start, "value": value, "citation": p.citation, "verified": p.verified, "local": None}
               for start, value in p.values]
    entries += [{"from": v.valid_from, "value": v.value, "citation": v.label, "verified": False, "local": v}
                for v in _local if v.region == region and v.name == name]
    entries.sort(key=lambda e: (e["from"], e["local"] is not None, e["local"].id if e["local"] else 0))
    for i, e in enumerate(entries):
        later = [n["from"] for n in entries[i + 1:] if n["from"] > e["from"]]
        end = later[0] - dt.timedelta(days=1) if later else p.document.valid_until
        superseded = any(n["from"] == e["from"] for n in entries[i + 1:])
        e["until"] = None if superseded else end
        e["superseded"] = superseded
    return entries
