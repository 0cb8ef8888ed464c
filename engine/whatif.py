"""Policy what-if (模拟测算): a year of stored cases re-run under changed parameters, in memory.

Every stored, non-void case of the year is computed again in each person's ledger order (settlement date, then saving order) (one
ledger per person, region and policy year, as the store replays it) with a book that has the
changes as extra local versions from a start date; nothing is saved. The report puts what was
paid (the stored results) beside what the changed rules would have paid, per layer, per person
and per case. The bulk path (no steps) is used: the amounts are those of the explained path.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from decimal import Decimal
from itertools import groupby
from typing import Any, Callable, Iterable

from . import collector
from .breakdown import NAMES
from .calculate import calculate_case
from .case import Case, mask_id
from .clock import today
from .ledger import Ledger
from .money import ZERO, fmt
from .policy import LocalVersion, PolicyBook
from .region_registry import REGIONS

LAYERS = ("basic", "critical", "assistance", "tilt")   # payouts' names (case-format.md)
REASON = "模拟测算"
# How often progress is told: a window repaints its bar (and takes a click on 取消) each time, which
# per person of a large year costs more than the computation.
PROGRESS_STEPS = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One parameter of one region set to a new value (already checked against the current value's shape)."""
    region: str
    name: str
    value: Any
    valid_from: dt.date
    value_text: str = ""        # the value as a clerk reads it (rates as percentages)


@dataclass(frozen=True, slots=True)
class StoredCase:
    """A stored case as the what-if reads it: whose, which, its input and what its result paid."""
    case_id: int
    person_id: int
    id_number: str
    name: str
    case: Case
    paid: dict[str, Decimal]     # layer → amount, as stored


@dataclass(slots=True)
class PersonDiff:
    id_number: str
    name: str
    region: str
    cases: int = 0
    changed_cases: int = 0
    stored: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LAYERS, ZERO))
    what_if: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LAYERS, ZERO))

    @property
    def difference(self) -> Decimal:
        return sum(self.what_if.values(), ZERO) - sum(self.stored.values(), ZERO)

    # A worker process sends its persons to the parent (engine/office/whatif_pool.py): as plain
    # strings, a third of the time of pickling eight Decimals one by one; str → Decimal is exact.
    def __getstate__(self) -> tuple:
        return (self.id_number, self.name, self.region, self.cases, self.changed_cases,
                *(str(self.stored[k]) for k in LAYERS), *(str(self.what_if[k]) for k in LAYERS))

    def __setstate__(self, state: tuple) -> None:
        self.id_number, self.name, self.region, self.cases, self.changed_cases = state[:5]
        amounts = [Decimal(text) for text in state[5:]]
        self.stored, self.what_if = dict(zip(LAYERS, amounts[:4])), dict(zip(LAYERS, amounts[4:]))


@dataclass(slots=True)
class Report:
    year: int
    changes: tuple[Change, ...]
    cases: int = 0
    changed_cases: int = 0
    stored: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LAYERS, ZERO))
    what_if: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LAYERS, ZERO))
    persons: list[PersonDiff] = field(default_factory=list)

    @property
    def changed_persons(self) -> int:
        """Persons with at least one changed case (a person with cases in two regions counts once)."""
        return len({p.id_number for p in self.persons if p.changed_cases})

    def largest(self, n: int = 10) -> list[PersonDiff]:
        """The persons whose year total changes most (by the size of the difference)."""
        changed = [p for p in self.persons if p.changed_cases]
        return sorted(changed, key=lambda p: (-abs(p.difference), p.id_number))[:n]

    def summary(self) -> dict[str, Any]:
        """The CLI's last line: {"cases", "changed_cases", "changed_persons", "stored", "what_if"}."""
        return {"cases": self.cases, "changed_cases": self.changed_cases, "changed_persons": self.changed_persons,
                "stored": {k: fmt(v) for k, v in self.stored.items()},
                "what_if": {k: fmt(v) for k, v in self.what_if.items()}}

    def lines(self) -> list[str]:
        """The report as a clerk reads it: per layer stored vs what-if, what changed, the largest changes."""
        out = [f"模拟测算：{self.year} 年度已保存案件 {self.cases} 件（{len({p.id_number for p in self.persons})} 人），"
               "按各人保存顺序重算，未保存任何结果。"]
        out += [f"  调整：{REGIONS[c.region]} {c.name} 自 {c.valid_from} 起为 {c.value_text}" for c in self.changes]
        for layer in LAYERS:
            out.append(_compare(NAMES[layer], self.stored[layer], self.what_if[layer]))
        out.append(_compare("合计", sum(self.stored.values(), ZERO), sum(self.what_if.values(), ZERO)))
        out.append(f"结果变化的案件 {self.changed_cases} 件，涉及 {self.changed_persons} 人。")
        largest = self.largest()
        if largest:
            out.append("变化最大的人员：")
            out += [f"  {p.name} {mask_id(p.id_number)}（{REGIONS[p.region]}，{p.cases} 件）："
                    f"已支付 {fmt(sum(p.stored.values(), ZERO))} → 模拟 {fmt(sum(p.what_if.values(), ZERO))}"
                    f"（{_signed(p.difference)}）" for p in largest]
        return out

    def write_xlsx(self, path: str | Path) -> None:
        """Each person (ID masked) with both figures per layer and the difference; a summary sheet."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "人员对比"
        sheet.append(["姓名", "身份证号", "地区", "案件数", "变化案件数",
                      *(f"{NAMES[k]}（已支付）" for k in LAYERS), "合计（已支付）",
                      *(f"{NAMES[k]}（模拟）" for k in LAYERS), "合计（模拟）", "差额"])
        for p in sorted(self.persons, key=lambda p: (-abs(p.difference), p.id_number, p.region)):
            sheet.append([p.name, mask_id(p.id_number), REGIONS[p.region], p.cases, p.changed_cases,
                          *(p.stored[k] for k in LAYERS), sum(p.stored.values(), ZERO),
                          *(p.what_if[k] for k in LAYERS), sum(p.what_if.values(), ZERO), p.difference])
        summary = book.create_sheet("汇总")
        summary.append([f"模拟测算 {self.year} 年度"])
        for c in self.changes:
            summary.append(["调整", f"{REGIONS[c.region]} {c.name} 自 {c.valid_from} 起为 {c.value_text}"])
        summary.append(["案件数", self.cases])
        summary.append(["结果变化的案件数", self.changed_cases])
        summary.append(["结果变化的人数", self.changed_persons])
        summary.append(["层级", "已支付", "模拟测算", "差额"])
        for layer in LAYERS:
            summary.append([f"{NAMES[layer]}（{layer}）", self.stored[layer], self.what_if[layer],
                            self.what_if[layer] - self.stored[layer]])
        for sheet_ in (sheet, summary):
            for cell in sheet_[1]:
                cell.font = Font(bold=True)
            for row in sheet_.iter_rows():
                for cell in row:
                    if isinstance(cell.value, Decimal):
                        cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
        book.save(path)


def _compare(label: str, stored: Decimal, what_if: Decimal) -> str:
    return f"  {label}：已支付 {fmt(stored)}，模拟测算 {fmt(what_if)}，差额 {_signed(what_if - stored)}"


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + fmt(amount)


class Cancelled(Exception):
    """The what-if was stopped before the end (nothing was changed anywhere)."""


def changed_book(book: PolicyBook, changes: Iterable[Change]) -> PolicyBook:
    """`book` with the changes as extra local versions, after (and so above) the stored ones."""
    first = max((v.id for v in book.local), default=0) + 1
    extra = [LocalVersion(id=first + i, region=c.region, name=c.name, value=c.value, valid_from=c.valid_from,
                          reason=REASON, operator="", created_at=today().isoformat())
             for i, c in enumerate(changes)]
    return book.with_local([*book.local, *extra])


def run(stored: Iterable[StoredCase], year: int, changes: tuple[Change, ...], book: PolicyBook, *, total: int = 0,
        progress: Callable[[int, int], None] | None = None, stop: Callable[[], bool] | None = None) -> Report:
    """Re-run the stored cases (grouped by person, in ledger order) with `book` plus the changes.
    `progress(done, total)` is called after a person now and then (at most about PROGRESS_STEPS
    times, and after the last one); `stop()`, asked after each person, returning True raises Cancelled."""
    book = changed_book(book, changes)
    report = Report(year, changes)
    every, told = max(-(-total // PROGRESS_STEPS), 1), 0
    with collector.paused():
        for _, person_cases in groupby(stored, key=lambda s: s.person_id):
            for diff in _person(person_cases, book):
                report.persons.append(diff)
                report.cases += diff.cases
                report.changed_cases += diff.changed_cases
                for layer in LAYERS:
                    report.stored[layer] += diff.stored[layer]
                    report.what_if[layer] += diff.what_if[layer]
            if progress and report.cases - told >= every:
                progress(report.cases, total)
                told = report.cases
            if stop and stop():
                raise Cancelled()
    if progress and told != report.cases:
        progress(report.cases, total)
    return report


def merged(year: int, changes: tuple[Change, ...], parts: Iterable[Report]) -> Report:
    """One report of the reports of consecutive shares of the year's persons (what-if workers), in
    order: the same figures and person list as one run over the whole year."""
    report = Report(year, changes)
    for part in parts:
        report.cases += part.cases
        report.changed_cases += part.changed_cases
        for layer in LAYERS:
            report.stored[layer] += part.stored[layer]
            report.what_if[layer] += part.what_if[layer]
        report.persons += part.persons
    return report


def _person(cases: Iterable[StoredCase], book: PolicyBook) -> list[PersonDiff]:
    ledgers: dict[tuple[str, int], Ledger] = {}
    diffs: dict[str, PersonDiff] = {}
    for s in cases:
        case = s.case
        ledger = ledgers.setdefault((case.region, case.date.year), Ledger())
        result = calculate_case(case, ledger, book, explain=False)
        now = {"basic": result.basic, "critical": result.critical, "assistance": result.assistance, "tilt": result.tilt}
        diff = diffs.get(case.region)
        if diff is None:
            diff = diffs[case.region] = PersonDiff(s.id_number, s.name, case.region)
        diff.cases += 1
        if now != s.paid:
            diff.changed_cases += 1
        for layer in LAYERS:
            diff.stored[layer] += s.paid[layer]
            diff.what_if[layer] += now[layer]
    return list(diffs.values())

