"""The calculation: one case, or a person's year of cases, through all four layers.

基本医保 → 大病保险 → 医疗救助 → 倾斜救助 / 再救助 / 托底, each on what the layers
before it left (policy-readings.md). Under several identities each is computed
alone and the one that pays most is kept (就高不重复).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Iterable, Iterator, Sequence

from . import collector, validate
from .breakdown import NAMES, Notice, kind_of
from .case import FLAGS, IDENTITIES, Case, parse_case
from .context import Cap, Ctx, Step
from .early_warning import early_warning
from .errors import InputError
from .insurance import assistance_base, basic_layer, critical_layer
from .ledger import Ledger, LedgerView
from .money import ZERO, fmt
from .policy import PolicyBook, bundled
from .region_registry import REGIONS, module as region_module


@dataclass(slots=True)
class Result:
    """One computed case. From a bulk run (explain=False) the sequences are empty tuples: nothing but
    the numbers is made (and a result kept gives the cyclic collector one object to scan, not six)."""
    region: str
    policy_year: int
    documents: Sequence[str]
    identity_used: str | None
    assistance_class: str | None
    basic: Decimal
    critical: Decimal
    assistance: Decimal
    tilt: Decimal
    hospital_borne: Decimal
    out_of_pocket: Decimal
    to_pay: Decimal         # what this office pays now: max(0, assistance − assistance_paid) + tilt
    steps: Sequence[Step]
    warnings: Sequence[str]     # a Notice says its kind; a plain str is a note (engine/breakdown.py)
    caps: Sequence[Cap]
    early_warning: dict | None
    unverified: Sequence[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "policy_year": self.policy_year,
            "documents": self.documents,
            "identity_used": self.identity_used,
            "assistance_class": self.assistance_class,
            "payouts": {"basic": fmt(self.basic), "critical": fmt(self.critical),
                        "assistance": fmt(self.assistance), "tilt": fmt(self.tilt)},
            "hospital_borne": fmt(self.hospital_borne),
            "out_of_pocket": fmt(self.out_of_pocket),
            "to_pay": fmt(self.to_pay),
            "steps": [s.to_json() for s in self.steps],
            "warnings": [str(w) for w in self.warnings],
            "warning_kinds": [kind_of(w) for w in self.warnings],
            "caps": [c.to_json() for c in self.caps],
            "early_warning": self.early_warning,
            "unverified_parameters": self.unverified,
        }


def known_identities(ps) -> list[str]:
    """The identities a region's documents name, in class order: those with an assistance class,
    then those named only by its early-warning or rural rules (e.g. 武汉 稳定脱贫人口)."""
    known = list(ps.values["classes"])
    for name in ("warning.relapse.identities", "rural.identities"):
        known += [code for code in ps.values.get(name, ()) if code not in known]
    return known


def _known(ps) -> tuple[str, ...]:
    """known_identities of a parameter set, made once per set."""
    return ps.once("known", lambda: tuple(known_identities(ps)))


def _cited(ps, used: set[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Notice, ...]]:
    """What a result cites for the parameters it used: its documents (core ones and those of the used
    parameters, local versions left out), the unverified parameters used and their warnings. Many
    cases use the same parameters: made once per parameter set and set of names."""
    def make() -> tuple[tuple[str, ...], tuple[str, ...], tuple[Notice, ...]]:
        used_docs = {ps.meta[n].document.key for n in used if n in ps.meta}
        documents = tuple(d.label for d in ps.documents if (d.core or d.key in used_docs) and not d.local)
        unverified = tuple(sorted(used & ps.unverified))
        notices = tuple(Notice("unverified", f"未核实参数：{ps.meta[n].description}（{ps.meta[n].citation}）为本地取值，"
                                             "文件未载，请核实。") for n in unverified)
        return documents, unverified, notices
    return ps.once(("cited", frozenset(used)), make)


def _evaluate(case: Case, ps, ledger: Ledger, identity: str | None, module, explain: bool) -> Ctx:
    klass = ps.values["classes"].get(identity) if identity else None
    ctx = Ctx(case, ps, LedgerView(ledger), identity, klass, explain)
    ctx.basic = basic_layer(ctx)
    ctx.critical = critical_layer(ctx)
    ctx.base = assistance_base(ctx)
    module.assist(ctx)
    return ctx


def _unnamed_identities(region: str, identities: tuple[str, ...], known: tuple[str, ...]) -> tuple[str, ...]:
    """The case's identities the region's documents do not name: ignored, each with a warning
    (policy-readings.md, "Everywhere"); with none left the person is an ordinary insured person."""
    ignored = [code for code in identities if code not in known]
    held = [code for code in identities if code in known]
    return tuple(f"{REGIONS[region]}的文件未规定“{IDENTITIES[code]}”的救助待遇，此身份未使用；"
                 + ("按其他身份就高计算。" if held else "按普通参保人员计算。") for code in ignored)


def _identities(ps, region: str, identities: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[str, ...]]:
    """A case's identities as the region reads them: those its documents name, the candidates to try
    (those, in class order; None for an ordinary insured person) and the warnings for the others.
    Made once per parameter set and set of identities (a year repeats them; read from the memo directly:
    this runs for every case)."""
    key = ("identities", identities)
    found = ps.memo.get(key)
    if found is not None:
        return found

    def make() -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[str, ...]]:
        known = _known(ps)
        held = tuple(code for code in identities if code in known)
        return held, tuple(sorted(held, key=known.index)) or (None,), _unnamed_identities(region, identities, known)
    return ps.once(key, make)


def calculate_case(case: Case, ledger: Ledger, book: PolicyBook | None = None, explain: bool = True) -> Result:
    """Compute one case against the person's ledger for its region and year, with the parameters of
    `book` (default: the bundled policy files); commit the usage. Without `explain` (a bulk run:
    what-if, the settlements import) only the numbers and the ledger are made: the same amounts,
    identity, class and ledger, and the same InputError for a refused case, but no steps, caps,
    warnings, early warning, documents or unverified parameters."""
    ps = (book or bundled()).params_for(case.region, case.date)
    module = region_module(case.region)
    held, candidates, ignored = _identities(ps, case.region, case.identities)
    if ignored:  # every rule, the early warning's groups included, sees only the identities the region names
        case = replace(case, identities=held)
    ctx = _evaluate(case, ps, ledger, candidates[0], module, explain)
    tried = [ctx]
    for identity in candidates[1:]:
        other = _evaluate(case, ps, ledger, identity, module, explain)
        tried.append(other)
        if other.paid > ctx.paid:
            ctx = other
    if len(tried) > 1 and explain:
        others = "；".join(f"{IDENTITIES[t.identity]}（{t.klass or '无类别'}）合计 {fmt(t.paid)}"
                          for t in tried if t is not ctx)
        ctx.steps.insert(0, Step("info", f"就高不重复：按{IDENTITIES[ctx.identity]}（{ctx.klass or '无类别'}）计算，"
                                 f"各层合计 {fmt(ctx.paid)}；其他身份：{others}", None, ctx.cite("classes")))
    borne = module.hospital_borne(ctx) if hasattr(module, "hospital_borne") else ZERO
    c = case
    out_of_pocket = c.total - ctx.paid - borne
    if explain:
        hospital = f" − {NAMES['hospital']} {fmt(borne)}" if borne else ""
        ctx.steps.append(Step("out_of_pocket", f"{NAMES['out_of_pocket']} = {NAMES['total']} {fmt(c.total)}"
                              f" − {NAMES['basic']} {fmt(ctx.basic)} − {NAMES['critical']} {fmt(ctx.critical)}"
                              f" − {NAMES['assistance']} {fmt(ctx.assistance)} − {NAMES['tilt']} {fmt(ctx.tilt)}{hospital}"
                              f" = {fmt(out_of_pocket)}", out_of_pocket, "各层支付汇总"))
    to_pay = _to_pay(ctx)
    warning = early_warning(ctx, out_of_pocket)
    ctx.view.commit()
    if not explain:
        return Result(c.region, c.date.year, (), ctx.identity, ctx.klass, ctx.basic, ctx.critical, ctx.assistance, ctx.tilt,
                      borne, out_of_pocket, to_pay, (), (), (), None, ())
    ctx.warnings[:0] = ignored
    for flag in sorted(c.flags - module.FLAGS_USED) if c.flags else ():
        ctx.warnings.append(f"“{FLAGS[flag]}”({flag}) 不适用于{REGIONS[c.region]}的文件，已忽略。")
    documents, unverified, notices = _cited(ps, ctx.used)
    ctx.warnings += notices
    return Result(
        region=c.region, policy_year=c.year, documents=list(documents), identity_used=ctx.identity,
        assistance_class=ctx.klass, basic=ctx.basic, critical=ctx.critical, assistance=ctx.assistance,
        tilt=ctx.tilt, hospital_borne=borne, out_of_pocket=out_of_pocket, to_pay=to_pay, steps=ctx.steps,
        warnings=ctx.warnings, caps=ctx.caps, early_warning=warning, unverified=list(unverified),
    )


def _to_pay(ctx: Ctx) -> Decimal:
    """What the office pays now (case-format.md, "Already paid"): 医疗救助 less what the hospital already
    paid of it in one-stop settlement (never below 0), plus the tilt. Paid above what is due is warned."""
    c = ctx.case
    paid = c.assistance_paid
    if not paid:
        return ctx.assistance + ctx.tilt
    validate.assistance_paid(paid, c.policy_scope, ctx.basic, ctx.critical)
    still = max(ctx.assistance - paid, ZERO)
    to_pay = still + ctx.tilt
    if paid > ctx.assistance:
        ctx.warnings.append(f"一站式已支付医疗救助高于本次应付：医院已支付 {fmt(paid)}，按文件本次医疗救助 "
                            f"{fmt(ctx.assistance)}，多付 {fmt(paid - ctx.assistance)}；本次只支付倾斜救助部分，请核对结算单。")
    if ctx.explain:
        ctx.steps.append(Step("to_pay", f"{NAMES['to_pay']} = max(0, {NAMES['assistance']} {fmt(ctx.assistance)} − "
                              f"{NAMES['assistance_paid']} {fmt(paid)}) + {NAMES['tilt']} {fmt(ctx.tilt)} = {fmt(to_pay)}",
                              to_pay, "一站式结算已支付部分扣除"))
    return to_pay


class Year:
    """One person's ledgers, by region and policy year, for a sequence of cases."""

    def __init__(self, ledgers: dict[tuple[str, int], Ledger] | None = None, book: PolicyBook | None = None,
                 explain: bool = True):
        self.ledgers = ledgers if ledgers is not None else {}
        self.book = book
        self.explain = explain

    def add(self, case: Case) -> Result:
        """Compute the next case on the ledger of its region and policy year (a new one for the first)."""
        key = (case.region, case.date.year)
        ledger = self.ledgers.get(key)
        if ledger is None:
            ledger = self.ledgers[key] = Ledger()
        return calculate_case(case, ledger, self.book, self.explain)


def is_list(doc: Any) -> bool:
    """Whether an input document is a list of cases ({"cases": [...]}) rather than one CASE."""
    return isinstance(doc, dict) and "cases" in doc


def parse_input(doc: Any) -> list[Case]:
    """One CASE or {"cases": [...]}; every case validated before anything is computed."""
    if is_list(doc):
        if set(doc) != {"cases"}:
            extra = sorted(set(doc) - {"cases"})[0]
            raise InputError(extra, f"与 cases 同级不应有其他字段“{extra}”", f"unexpected field {extra!r} beside cases")
        raw_cases = doc["cases"]
        if not isinstance(raw_cases, list) or not raw_cases:
            raise InputError("cases", "cases 应为非空的案件列表", "cases must be a non-empty list of cases")
        validate.case_count(raw_cases)
        cases = []
        for i, raw in enumerate(raw_cases):
            try:
                cases.append(parse_case(raw))
            except InputError as exc:
                raise exc.within(f"cases[{i}]") from None
        _same_person(cases)
        return cases
    return [parse_case(doc)]


def _same_person(cases: list[Case]) -> None:
    first = next((c.id_number for c in cases if c.id_number), None)
    for i, c in enumerate(cases):
        if c.id_number and c.id_number != first:
            raise InputError(f"cases[{i}].person.id_number", "一个列表应为同一人的案件，身份证号不一致",
                             "a list holds one person's cases; the ID numbers differ")
    for i in range(1, len(cases)):
        if cases[i].date < cases[i - 1].date:
            raise InputError(f"cases[{i}].date", "案件应按结算日期先后排列", "cases must be in date order")


def each_result(cases: Iterable[Case], year: Year | None = None, indexed: bool = True,
                book: PolicyBook | None = None, explain: bool = True) -> Iterator[Result]:
    """Compute cases in order on one person's ledgers, giving each result as soon as it is made (a
    caller that writes it out need not hold a year of results); errors name cases[i] when `indexed`;
    without `explain`, a bulk run: the same amounts and ledger, nothing else (calculate_case)."""
    add = (year or Year(book=book, explain=explain)).add
    for i, case in enumerate(cases):
        try:
            result = add(case)
        except InputError as exc:
            raise (exc.within(f"cases[{i}]") if indexed else exc) from None
        yield result


def calculate_cases(cases: Iterable[Case], year: Year | None = None, indexed: bool = True,
                    book: PolicyBook | None = None, explain: bool = True) -> list[Result]:
    """each_result's results in a list."""
    with collector.paused():
        return list(each_result(cases, year, indexed, book, explain))


def calculate(doc: Any, book: PolicyBook | None = None) -> dict[str, Any]:
    """The engine's contract (case-format.md): a parsed JSON document in, a JSON-ready dict out;
    computed with `book` (default: the bundled policy files)."""
    with collector.paused():
        cases = parse_input(doc)
        if is_list(doc):
            return {"results": [r.to_json() for r in calculate_cases(cases, book=book)]}
        return calculate_cases(cases, indexed=False, book=book)[0].to_json()
