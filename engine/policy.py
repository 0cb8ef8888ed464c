"""Policy parameters: dated, cited values loaded from resources/policies/*.yaml, as a book.

One file per region and document. Each parameter has a description, the clause it comes from
(`reference`), its values keyed by the date each starts, and whether it is taken from the
document (`verified`, the default) or is a local value the documents do not give
(`verified: false`). The loader refuses a parameter without a reference or without dated values.
See resources/policies/README.md.

A `PolicyBook` is an immutable value: the bundled files give one (`bundled()`), a case store's
local versions give a new one (`book.with_local(rows)`), and nothing here is changed by opening a
database. Several documents may define the same parameter (a successor document, or a final text
after a draft): each dated value cites its own document, a parameter is unique by (name, start)
within a region, and on any day at most one core document per region is in force.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from .errors import InputError, PolicyDataError
from .paths import policies_dir
from .region_registry import REGIONS, check_region


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
    rules: str = ""          # what the document provides, in a clause's words: named when it has ended

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

    def entry(self, day: dt.date) -> tuple[dt.date, Any] | None:
        """The (start, value) in force on `day` by this definition's own dates, or None."""
        found = None
        for start, value in self.values:
            if start <= day:
                found = (start, value)
            else:
                break
        return found


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
            local=bool(d.get("local", False)), rules=str(d.get("rules", "") or ""),
        )
    except KeyError as exc:
        raise PolicyDataError(f"{where}: document lacks {exc}") from exc
    if doc.region not in REGIONS:
        raise PolicyDataError(f"{where}: unknown region {doc.region!r} (no module engine/regions/{doc.region}.py)")
    if doc.valid_until is not None and doc.valid_until < doc.valid_from:
        raise PolicyDataError(f"{where}: in force until {doc.valid_until}, before it starts ({doc.valid_from})")
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


# ---------------------------------------------------------------------------------------
# Local versions: a supervisor's dated change of one parameter of one region, kept in the
# case database (engine/store/policy_versions.py). A book with local versions gives a local
# value for days on and after its start (the latest start on or before the day wins, a file's
# entry and a local one alike; on the same day the local one), cited as 本地调整 and counted as
# unverified, so every result that uses it says so.


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a value")


def loads_value(text: str) -> Any:
    """A stored value's JSON text: numbers become Decimal (never float)."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)


def typed_like(value: Any, template: Any) -> Any:
    """Lists become tuples and keys take the files' type (1, not "1"), leniently (stored values)."""
    if isinstance(value, dict):
        keys = {str(k): k for k in template} if isinstance(template, dict) else {}
        return {keys.get(str(k), k): typed_like(v, template.get(keys.get(str(k), k)) if isinstance(template, dict) else None)
                for k, v in value.items()}
    if isinstance(value, list):
        inner = template[0] if isinstance(template, tuple) and template else None
        return tuple(typed_like(v, inner) for v in value)
    return value


def _as_local(row: Any) -> LocalVersion:
    if isinstance(row, LocalVersion):
        return row
    day = row["valid_from"]
    return LocalVersion(id=int(row["id"]), region=row["region"], name=row["name"], value=row["value"],
                        valid_from=day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)),
                        reason=row["reason"], operator=row["operator"], created_at=str(row["created_at"]))


@dataclass(frozen=True, slots=True)
class RegionBook:
    """One region's documents and every definition of each parameter (oldest document first)."""
    region: str
    documents: tuple[Document, ...]
    definitions: Mapping[str, tuple[Parameter, ...]]

    @property
    def parameters(self) -> Mapping[str, Parameter]:
        """Each parameter by its newest definition (for its description, shape and listing)."""
        return MappingProxyType({name: defs[-1] for name, defs in self.definitions.items()})

    @property
    def cores(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.core)

    def core_for(self, day: dt.date) -> Document | None:
        """The core document in force on `day` (at most one), or None."""
        return next((d for d in self.documents if d.core and d.in_force(day)), None)

    def covered(self) -> tuple[dt.date, dt.date | None]:
        """The first and last day any core document covers (None: open-ended)."""
        cores = self.cores
        until = None if any(d.valid_until is None for d in cores) else max(d.valid_until for d in cores)
        return min(d.valid_from for d in cores), until


def _region_book(region: str, docs: list[Document], params: list[Parameter]) -> RegionBook:
    cores = sorted((d for d in docs if d.core), key=lambda d: d.valid_from)
    if not cores:
        raise PolicyDataError(f"region {region} has no core document")
    for before, after in zip(cores, cores[1:]):
        if before.valid_until is None or before.valid_until >= after.valid_from:
            raise PolicyDataError(f"region {region}: core documents {before.key} and {after.key} are both in force on "
                                  f"{after.valid_from}; give {before.key} an end (`until`) before {after.key} starts")
    order = {d.key: (d.valid_from, i) for i, d in enumerate(docs)}
    definitions: dict[str, list[Parameter]] = {}
    starts: dict[tuple[str, dt.date], str] = {}
    for p in sorted(params, key=lambda p: order[p.document.key]):
        for start, _ in p.values:
            other = starts.get((p.name, start))
            if other is not None:
                raise PolicyDataError(f"region {region}: {p.name} from {start} is defined twice ({other} and "
                                      f"{p.document.key}); a parameter is unique by (name, start)")
            starts[(p.name, start)] = p.document.key
        definitions.setdefault(p.name, []).append(p)
    return RegionBook(region, tuple(sorted(docs, key=lambda d: order[d.key])),
                      MappingProxyType({n: tuple(defs) for n, defs in definitions.items()}))


class ParamSet:
    """The parameters of one region in force on one day, with their metadata. Nothing in a region's
    book changes between two of its change days (PolicyBook.params_for): the set made for the first
    day of such a period serves every day of it, and `day` is that first day."""

    __slots__ = ("region", "day", "documents", "values", "meta", "unverified", "citations", "memo", "_book")

    def __init__(self, book: RegionBook, day: dt.date):
        self.region = book.region
        self.day = day
        self._book = book
        self.documents = tuple(d for d in book.documents if d.in_force(day))
        self.values: dict[str, Any] = {}
        self.meta: dict[str, Parameter] = {}
        for name, defs in book.definitions.items():
            chosen: tuple[dt.date, Any, Parameter] | None = None
            for p in defs:
                if not p.document.in_force(day):
                    continue
                entry = p.entry(day)
                if entry is not None and (chosen is None or entry[0] > chosen[0]):
                    chosen = (entry[0], entry[1], p)
            if chosen is not None and chosen[1] is not None:
                self.values[name] = chosen[1]
                self.meta[name] = chosen[2]
        self.unverified = frozenset(n for n, p in self.meta.items() if not p.verified)
        self.citations: dict[tuple[str, ...], str] = {}  # filled by Ctx.cite
        # What the calculation derives from these parameters alone (known identities, the documents a
        # set of used parameters cites): computed once per book, region and day, never per case. A
        # book's sets are its own (params_for), so a new book never sees an older book's entries.
        self.memo: dict[Any, Any] = {}

    def once(self, key: Any, make: Callable[[], Any]) -> Any:
        """A value derived from these parameters alone, made on the first call with `key` (memo)."""
        value = self.memo.get(key)
        if value is None:
            value = self.memo[key] = make()
        return value

    def has_document(self, key: str) -> bool:
        return any(d.key == key for d in self.documents)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def cite(self, name: str) -> str:
        return self.meta[name].citation

    def ended(self, name: str) -> Parameter | None:
        """When `name` is not in force on this day because the document that last gave it has ended
        (and no successor gives it), that definition; else None."""
        if name in self.values:
            return None
        past = [p for p in self._book.definitions.get(name, ())
                if p.document.valid_until is not None and p.document.valid_until < self.day]
        return max(past, key=lambda p: p.document.valid_until) if past else None


def _change_days(rb: RegionBook, overrides: Mapping[str, tuple[tuple[LocalVersion, Parameter], ...]]) -> tuple[dt.date, ...]:
    """The days on which what is in force in a region may change, in order: each document's first day
    and the day after its last, each dated value's start, each local version's start. From one of
    them to the day before the next, every value, document and ended definition stays the same."""
    days: set[dt.date] = set()
    for d in rb.documents:
        days.add(d.valid_from)
        if d.valid_until is not None and d.valid_until < dt.date.max:
            days.add(d.valid_until + dt.timedelta(days=1))
    for definitions in rb.definitions.values():
        for p in definitions:
            days.update(start for start, _ in p.values)
    for entries in overrides.values():
        days.update(version.valid_from for version, _ in entries)
    return tuple(sorted(days))


def _outside_message(region: str, day: dt.date, book: RegionBook) -> InputError:
    first, last = book.covered()
    names = "、".join(d.number for d in book.cores)
    return InputError(
        "date",
        f"{day.isoformat()} 不在{REGIONS[region]}适用文件（{names}）的施行期内（{first.isoformat()} 至 "
        f"{last.isoformat() if last else '今'}），请核对结算日期",
        f"{day.isoformat()} is outside the period of {region}'s documents ({first.isoformat()} to {last or 'open'}); "
        "check the settlement date",
    )


class PolicyBook:
    """Every region's documents and parameters, with (or without) a store's local versions.
    Immutable: `with_local` gives a new book; a book's answers never change."""

    __slots__ = ("regions", "local", "files_fingerprint", "_overrides", "_changes", "_periods", "_cache")

    def __init__(self, regions: Mapping[str, RegionBook], files_fingerprint: str,
                 local: tuple[LocalVersion, ...] = ()):
        self.regions = MappingProxyType(dict(regions))
        self.files_fingerprint = files_fingerprint
        self.local = local
        overrides: dict[str, dict[str, list[tuple[LocalVersion, Parameter]]]] = {}
        for v in sorted(local, key=lambda v: (v.valid_from, v.id)):
            rb = self.regions.get(v.region)
            p = rb.parameters.get(v.name) if rb else None
            if p is None:   # a version of a parameter the files no longer have: listed, not applied
                continue
            variant = Parameter(
                name=p.name, document=replace(p.document, verified=False), description=p.description,
                reference=v.label, verified=False, values=((v.valid_from, v.value),),
                note=f"文件取值依据：{p.citation}",
            )
            overrides.setdefault(v.region, {}).setdefault(v.name, []).append((v, variant))
        self._overrides = {r: {n: tuple(e) for n, e in names.items()} for r, names in overrides.items()}
        self._changes = {r: _change_days(rb, self._overrides.get(r, {})) for r, rb in self.regions.items()}
        self._periods: dict[tuple[str, dt.date], ParamSet] = {}   # by region and first day of a period
        self._cache: dict[tuple[str, dt.date], ParamSet] = {}     # by region and day: the same sets

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_cache"):
            raise AttributeError("a PolicyBook is immutable: use with_local() for a new one")
        object.__setattr__(self, name, value)

    # ---- the book as a whole ----------------------------------------------------------

    def with_local(self, rows: Iterable[Any]) -> "PolicyBook":
        """A new book: these files with exactly these local versions (rows or LocalVersion)."""
        versions = tuple(sorted((_as_local(r) for r in rows), key=lambda v: v.id))
        if versions == self.local:
            return self
        return PolicyBook(self.regions, self.files_fingerprint, versions)

    def with_stored(self, rows: Iterable[Any]) -> "PolicyBook":
        """A new book with a case database's `policy_versions` rows, whose values are JSON text:
        typed like the files' value of the same parameter (Decimal numbers, the files' keys)."""
        return self.with_local([{**r, "value": typed_like(loads_value(r["value"]), self.file_template(r["region"], r["name"]))}
                                for r in rows])

    def file_template(self, region: str, name: str) -> Any:
        """The files' latest non-null value of a parameter (the shape a new value must have), or None."""
        rb = self.regions.get(region)
        p = rb.parameters.get(name) if rb else None
        if p is None:
            return None
        return next((v for _, v in reversed(p.values) if v is not None), None)

    @property
    def version(self) -> str:
        """A fingerprint of the policy files, stored with every saved case; with `+local:N` when
        local versions are applied (N: the newest one's id, which the case database checks before
        it stores a case, so a window that has not seen a newer version cannot save a case it applies to)."""
        return self.files_fingerprint + (f"+local:{self.local[-1].id}" if self.local else "")

    def region(self, region: str) -> RegionBook:
        return self.regions[check_region(region)]

    # ---- what is in force -------------------------------------------------------------

    def params_for(self, region: str, day: dt.date) -> ParamSet:
        """Parameters for a case; a date no core document covers is bad input. Every day between two
        of the region's change days gets the one set made for the first of them (so a year of cases
        derives what it derives from its parameters once a period, not once a day)."""
        key = (region, day)
        ps = self._cache.get(key)
        if ps is not None:
            return ps
        rb = self.region(region)
        if rb.core_for(day) is None:
            raise _outside_message(region, day, rb)
        changes = self._changes[region]
        start = changes[bisect_right(changes, day) - 1]   # a core document's first day is one: never before
        ps = self._periods.get((region, start))
        if ps is None:
            ps = self._periods[(region, start)] = ParamSet(rb, start)
            overrides = self._overrides.get(region)
            if overrides:
                self._layer(ps, rb, overrides, start)
        if len(self._cache) < 4096:
            self._cache[key] = ps
        return ps

    @staticmethod
    def _layer(ps: ParamSet, rb: RegionBook, overrides: dict, day: dt.date) -> None:
        for name, entries in overrides.items():
            current = ps.meta.get(name)
            if current is None:
                continue
            chosen = None
            for version, variant in entries:
                if version.valid_from > day:
                    break
                chosen = (version, variant)
            if chosen is None:
                continue
            file_start = next((start for start, _ in reversed(current.values) if start <= day), None)
            if file_start is not None and file_start > chosen[0].valid_from:
                continue   # a later dated entry of the files is in force
            ps.values[name] = chosen[0].value
            ps.meta[name] = chosen[1]
        ps.unverified = frozenset(n for n, m in ps.meta.items() if not m.verified)

    def local_versions(self, region: str | None = None) -> tuple[LocalVersion, ...]:
        """The local versions of this book, oldest first."""
        return tuple(v for v in self.local if region is None or v.region == region)

    def local_source(self, region: str, name: str, day: dt.date) -> LocalVersion | None:
        """The local version whose value params_for gives for `day`, if any."""
        try:
            meta = self.params_for(region, day).meta.get(name)
        except InputError:
            return None
        for version, variant in self._overrides.get(region, {}).get(name, ()):
            if variant is meta:
                return version
        return None

    def history(self, region: str, name: str) -> list[dict[str, Any]]:
        """Every dated value of a parameter, each document's and the local ones, in the order they
        start: from, until (the day before the next starts, or its document's end), value (None:
        ended), citation, verified, local (the LocalVersion or None), document."""
        defs = self.region(region).definitions[name]
        entries = [{"from": start, "value": value, "citation": p.citation, "verified": p.verified, "local": None,
                    "document": p.document} for p in defs for start, value in p.values]
        newest = defs[-1]
        entries += [{"from": v.valid_from, "value": v.value, "citation": v.label, "verified": False, "local": v,
                     "document": newest.document}
                    for v in self.local if v.region == region and v.name == name]
        entries.sort(key=lambda e: (e["from"], e["local"] is not None, e["local"].id if e["local"] else 0))
        for i, e in enumerate(entries):
            later = [n["from"] for n in entries[i + 1:] if n["from"] > e["from"]]
            end = later[0] - dt.timedelta(days=1) if later else None
            doc_end = e["document"].valid_until
            if doc_end is not None and (end is None or doc_end < end):
                end = doc_end
            superseded = any(n["from"] == e["from"] for n in entries[i + 1:])
            e["until"] = None if superseded else end
            e["superseded"] = superseded
        return entries


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def load_book(folder: str | Path | None = None) -> PolicyBook:
    """A book from a folder of policy files (default: the bundled ones)."""
    base = Path(folder) if folder else policies_dir()
    files = sorted(base.glob("*.yaml"))
    if not files:
        raise PolicyDataError(f"no policy files in {base}")
    docs: dict[str, list[Document]] = {r: [] for r in REGIONS}
    params: dict[str, list[Parameter]] = {r: [] for r in REGIONS}
    keys: set[str] = set()
    for path in files:
        doc, ps = load_file(path)
        if doc.key in keys:
            raise PolicyDataError(f"{path.name}: document key {doc.key!r} is used twice")
        keys.add(doc.key)
        docs[doc.region].append(doc)
        params[doc.region] += ps
    return PolicyBook({r: _region_book(r, docs[r], params[r]) for r in REGIONS}, _fingerprint(files))


@lru_cache(maxsize=1)
def bundled() -> PolicyBook:
    """The book of the policy files shipped with the program, loaded once per process."""
    return load_book()


# ---- the bundled book, for callers without a store ----------------------------------------

def load_books() -> Mapping[str, RegionBook]:
    """The bundled files' regions (documents and parameter definitions)."""
    return bundled().regions


def params_for(region: str, day: dt.date) -> ParamSet:
    """The bundled files' parameters for a case (no local versions)."""
    return bundled().params_for(region, day)


def history(region: str, name: str) -> list[dict[str, Any]]:
    return bundled().history(region, name)


def policy_version() -> str:
    return bundled().version
