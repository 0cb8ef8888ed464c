"""The working state of one case under one identity: parameters, ledger view, steps."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from .ledger import LedgerView
from .money import ZERO, fmt

if TYPE_CHECKING:  # types only: the rules depend on no loader
    from .case import Case
    from .policy import ParamSet


@dataclass(slots=True)
class Step:
    layer: str          # basic | critical | assistance | tilt | hospital | info
    text: str
    amount: Decimal | None
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "text": self.text,
                "amount": None if self.amount is None else fmt(self.amount), "source": self.source}


@dataclass(slots=True)
class Cap:
    """One yearly limit or deductible after this case: limit, used, left, clause."""
    key: str
    name: str
    limit: Decimal | None   # None: no limit (an accumulated base)
    used: Decimal
    source: str

    @property
    def left(self) -> Decimal | None:
        if self.limit is None:
            return None
        return max(self.limit - self.used, ZERO)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name,
                "limit": None if self.limit is None else fmt(self.limit),
                "used": fmt(self.used),
                "left": None if self.limit is None else fmt(self.left), "source": self.source}


class Ctx:
    """One case under one identity as the rules see it: the case, its parameter set, a view of the
    person's ledger, the four layers' amounts so far, and (when explaining) the steps and caps.

    `ctx.p(name)` is a parameter's value in force for this case. Explaining, `p` also records the name
    as used (the result cites the documents and unverified parameters it used); a bulk run
    (`explain=False`: numbers and ledger only) reads the set's values directly, records nothing, and
    `step` and `cap` do nothing.
    """

    __slots__ = ("case", "ps", "view", "identity", "klass", "explain", "p", "steps", "warnings", "used", "caps",
                 "basic", "critical", "assistance", "tilt", "base")

    def __init__(self, case: Case, ps: ParamSet, view: LedgerView, identity: str | None, klass: str | None = None,
                 explain: bool = True):
        self.case = case
        self.ps = ps
        self.view = view
        self.identity = identity
        self.klass = klass
        self.explain = explain
        values = ps.values
        self.warnings: list[str] = []
        if explain:
            self.used: set[str] | None = set()
            self.p: Callable[[str], Any] = _recording(values, self.used)
            self.steps: list[Step] | tuple[()] = []
            self.caps: list[Cap] | tuple[()] = []
        else:   # nothing is recorded
            self.used = None
            self.p = values.__getitem__
            self.steps = self.caps = ()
        self.basic = self.critical = self.assistance = self.tilt = ZERO
        self.base = ZERO            # 政策范围内个人自付 of this case (the assistance base)

    def has(self, name: str) -> bool:
        return name in self.ps.values

    def cite(self, *names: str) -> str:
        """The clauses of parameters (or literal sources), one document number each: "武政规〔2023〕1号 二、(四)；二、(七)"."""
        return self._citation(names)

    def _citation(self, names: tuple[str, ...]) -> str:
        """cite() of a tuple of names, made once per parameter set and tuple."""
        cache = self.ps.citations
        text = cache.get(names)
        if text is None:
            text = cache[names] = self._cite(names)
        return text

    def _cite(self, names: tuple[str, ...]) -> str:
        by_doc: dict[str, list[str]] = {}
        for n in names:
            meta = self.ps.meta.get(n)
            doc, clause = (meta.document.number, meta.reference) if meta and meta.document.verified else ("", meta.citation if meta else n)
            clauses = by_doc.setdefault(doc, [])
            for part in clause.split("；"):   # a clause may name several places itself: each is said once
                if part not in clauses:
                    clauses.append(part)
        return "；".join((f"{doc} " if doc else "") + "；".join(clauses) for doc, clauses in by_doc.items())

    def step(self, layer: str, text: str | Callable[[], str], amount: Decimal | None, *sources: str) -> None:
        """Record a step when explaining. A formatted text is passed as a function (`lambda: f"..."`), so a
        bulk run never formats it."""
        if self.explain:
            self.steps.append(Step(layer, text if isinstance(text, str) else text(), amount, self._citation(sources)))

    def cap(self, key: str, name: str, limit: Decimal | None, used_key: str, *sources: str) -> None:
        """Record a yearly limit as it stands after this case, when explaining."""
        if self.explain:
            self.caps.append(Cap(key, name, limit, self.view.get(used_key), self.cite(*sources)))

    @property
    def paid(self) -> Decimal:
        return self.basic + self.critical + self.assistance + self.tilt


def _recording(values: dict[str, Any], used: set[str]) -> Callable[[str], Any]:
    """An explained context's `p`: the value, the name remembered as used (a closure, not a bound method:
    a context holding its own method would be a reference cycle, engine/collector.py)."""
    def p(name: str) -> Any:
        used.add(name)
        return values[name]
    return p
