"""Importing the insurer's settlement list into the case store (`cases import-settlements`, the
window's batch page).

Every row is checked first (engine/settlements/slips.py); rows of persons not on the office's
民政名单 on the settlement date are skipped and listed; the rest are computed against each person's
stored year in settlement-date order, exactly as saving them one by one computes them (a row whose
computation refuses it is rejected, never half-saved), then saved with receipt numbers in chunks
of CHUNK rows, one transaction each. Cancelling keeps the committed chunks; running the same file
again skips what was imported (each case keeps its settlement ID, unique in the store), so it
resumes. A dry run computes and reports and writes nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..calculate import Result, calculate_case
from ..case import Case, normalised, parse_case
from ..errors import InputError
from ..ledger import Ledger
from ..money import ZERO, fmt
from ..policy import PolicyBook
from ..region_registry import check_region
from ..store import settlements as stored
from ..store.cases import check_savable
from ..store.database import Store
from .slips import Rejected, Sheet, Slip, case_doc, parse_sheet, read_sheet

CHUNK = 200     # rows saved per transaction


@dataclass(frozen=True, slots=True)
class Planned:
    slip: Slip
    case: Case
    raw: dict[str, Any]
    result: Result


@dataclass
class Report:
    """What an import did (or, in a dry run, would do)."""
    file: str
    region: str
    rows: int = 0
    planned: list[Planned] = field(default_factory=list)
    saved: list[Any] = field(default_factory=list)          # engine.store.cases.Saved, in saving order
    skipped: list[tuple[int, str, str, str]] = field(default_factory=list)    # (row, setl_id, name, reason)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)        # (row, setl_id, reason)
    cancelled: bool = False
    dry_run: bool = False
    setl_ids: list[str] = field(default_factory=list)     # every readable row's settlement ID, in file order
    outputs: dict[str, Any] | None = None                  # the files written (engine/settlements/outputs.py)

    @property
    def to_pay(self) -> Decimal:
        if self.dry_run:
            return sum((p.result.to_pay for p in self.planned), ZERO)
        return sum((Decimal(s.result["to_pay"]) for s in self.saved), ZERO)

    def summary(self) -> dict[str, Any]:
        """The command's last line."""
        return {"rows": self.rows, "saved": len(self.saved), "skipped": len(self.skipped),
                "rejected": len(self.rejected), "to_pay": fmt(self.to_pay)}


def _rural_needed(store: Store, case: Case) -> bool:
    """Whether the region's documents treat rural residents apart for one of the person's identities."""
    ps = store.book.params_for(case.region, case.date)
    return bool(set(ps.values.get("rural.identities") or ()) & set(case.identities))


def plan(store: Store, sheet: Sheet, region: str, report: Report) -> None:
    """Check every row against the store and compute the good ones in memory (nothing written)."""
    book: PolicyBook = store.book
    slips: list[Slip] = []
    ids = _setl_ids(sheet)
    for number, item in parse_sheet(sheet):
        report.rows += 1
        if isinstance(item, Rejected):
            report.rejected.append((number, ids.get(number, ""), str(item)))
        else:
            slips.append(item)
    report.setl_ids = [s.setl_id for s in slips]
    done = stored.imported(store, report.setl_ids)
    by_person: dict[tuple[str, str, int], list[tuple[Slip, Case, dict]]] = {}
    for slip in sorted(slips, key=lambda s: (s.date, s.row)):
        if slip.setl_id in done:
            report.rejected.append((slip.row, slip.setl_id, f"结算ID {slip.setl_id} 已导入（回执号 {done[slip.setl_id]}）"))
            continue
        person, identities = stored.listed_person(store, slip.id_number, slip.date)
        if person is None or not identities:
            why = "未登记" if person is None else f"结算日期 {slip.date} 不在其民政名单认定有效期内"
            report.skipped.append((slip.row, slip.setl_id, slip.name, f"不在民政名单（{why}）"))
            continue
        if person["name"] != slip.name:
            report.rejected.append((slip.row, slip.setl_id, f"证件号码已登记为“{person['name']}”，与结算单姓名“{slip.name}”不一致"))
            continue
        rural = None if person.get("rural") is None else bool(person["rural"])
        try:
            doc = case_doc(slip, region, book, identities, rural)
            case = parse_case(doc)
            check_savable(case)
            if rural is None and _rural_needed(store, case):
                raise InputError("person.rural", "已登记人员未注明是否农村居民，而本地区文件对农村低收入人口另有规定；"
                                 "请在人员信息中登记后再导入", "the stored person's rural status is unknown")
        except InputError as exc:
            report.rejected.append((slip.row, slip.setl_id, f"{exc.zh}（{exc.field}）"))
            continue
        by_person.setdefault((slip.id_number, region, case.year), []).append((slip, case, normalised(doc, case)))
    planned: list[Planned] = []
    for (id_number, region_, year), items in by_person.items():
        planned += _compute_year(store, book, id_number, region_, year, items, report)
    report.planned = sorted(planned, key=lambda p: (p.slip.date, p.slip.row))


def _compute_year(store: Store, book: PolicyBook, id_number: str, region: str, year: int,
                  items: list[tuple[Slip, Case, dict]], report: Report) -> list[Planned]:
    """A person's new cases computed among their stored ones of the year, in the ledger's order (settlement
    date, stored before new on the same day): what saving them one by one in date order gives."""
    person, _ = stored.listed_person(store, id_number, items[0][0].date)
    old = stored.year_cases(store, person["id"], region, year)
    order = sorted([(c.date, 0, i) for i, c in enumerate(old)] + [(it[1].date, 1, i) for i, it in enumerate(items)])
    ledger = Ledger()
    out = []
    for _, new, i in order:
        if not new:
            calculate_case(old[i], ledger, book, explain=False)
            continue
        slip, case, raw = items[i]
        try:   # a refused case leaves the ledger as it was (calculate_case commits only a computed case)
            result = calculate_case(case, ledger, book, explain=False)   # the amounts; saving explains them
        except InputError as exc:
            report.rejected.append((slip.row, slip.setl_id, f"{exc.zh}（{exc.field}）"))
            continue
        out.append(Planned(slip, case, raw, result))
    return out


def _setl_ids(sheet: Sheet) -> dict[int, str]:
    """Row number → the settlement ID as written (for the report of a row rejected before it was read)."""
    col = sheet.columns.get("setl_id")
    return {n: str(row[col]).strip() for n, row in sheet.rows
            if col is not None and col < len(row) and row[col] not in (None, "")}


def import_settlements(store: Store, path: str | Path, *, region: str, operator: str, office: str,
                       dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> Report:
    """Read, check, compute and (unless `dry_run`) save the file's rows. `progress(done, total)` after each
    chunk; `cancelled()` is asked before each chunk. InputError (exit 2, nothing written) when the file
    cannot be read or has no usable column."""
    region = check_region(region)
    sheet = read_sheet(path)
    report = Report(file=Path(path).name, region=region, dry_run=dry_run)
    plan(store, sheet, region, report)
    if dry_run:
        return report
    total = len(report.planned)
    if progress:
        progress(0, total)
    for start in range(0, total, CHUNK):
        if cancelled and cancelled():
            report.cancelled = True
            break
        chunk = report.planned[start:start + CHUNK]
        report.saved += stored.save_chunk(store, [(p.case, p.raw, p.slip.setl_id) for p in chunk],
                                          operator=operator, office=office)
        if progress:
            progress(min(start + CHUNK, total), total)
    summary = report.summary()
    stored.record_import(store, operator, f"导入结算清单 {report.file}：{summary['rows']} 行，保存 {summary['saved']} 件，"
                         f"跳过 {summary['skipped']} 行，拒绝 {summary['rejected']} 行，本次应付合计 {summary['to_pay']}"
                         + ("（已取消，未完成）" if report.cancelled else ""))
    return report
