"""The one door: everything the window and `python -m engine cases ...` do with a data folder.

An `Office` is opened once per window or per command on a data folder. Reads return the
store's plain dicts (amounts as the engine's strings, ID numbers masked in lists). Each
call that changes something returns `Done(value, changes)`, where `changes` says what
kinds of things changed, and tells every subscriber (the window's `Session` turns that
into one Qt signal, and each page refreshes itself from it) — the model is Anki's
OpChanges → operation_did_execute. No SQL, no connection and no store module is reached
from gui/: the window only talks to this object.

The policy book is met in one place, engine/office/policy.py: which local parameter versions
apply, and the reads of parameters and their history.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any, Callable, TypeVar

from ..store import backup as _backup
from ..store import datadir
from ..store import restore as _restore
from ..store.backup import BackupInfo
from ..store.restore import skip_notice
from ..store.cases import Saved, preview_case, record_print, save_cases, show_case, void_case
from ..store.database import DEFAULT_OFFICE, RESTORE_BUTTON, Store, daily_backup, open_store
from ..store.errors import StoreError
from ..store.export import export_cases
from ..store.import_persons import ImportReport, import_persons
from ..store.persons import find_by_id_number, identities_on, search_by_name
from ..store import offices as _offices
from ..store.offices import check_code as check_office_code
from ..store import resettle as _resettle
from ..store.queries import (case_years, early_warning_list, last_live_year, list_cases, newest_case_year,
                            person_or_error, person_years, year_ledger)
from ..store.verify import verify
from ..validate import account_name as _account_name, office_name as _office_name

from .accounts import AccountDesk, Refused
from .changes import SAVED, Changes, Done
from .policy import PolicyDesk, encode_value, format_value, parse_value_text

__all__ = ["BackupInfo", "Changes", "check_office_code", "Done", "Office", "RESTORE_BUTTON", "Refused", "skip_notice", "StoreError", "SETTING_DEFAULTS", "encode_value", "format_value",
           "parse_value_text"]

T = TypeVar("T")


def validate_operator(name: str) -> str:
    return _account_name(name, "operator")


def validate_office(name: str) -> str:
    return _office_name(name, "office")

# A setting the office has not stored yet reads as this.
SETTING_DEFAULTS = {"office": DEFAULT_OFFICE, "window": "", "operator": "", "default_region": "wuhan", "paper": "A4",
                    "printer": "", "office_copy": ""}


class Office(AccountDesk, PolicyDesk):
    """An open data folder. Use `Office.open(data_dir)`; close it (or use `with`)."""

    def __init__(self, store: Store):
        self.store = store
        self._subscribers: list[Callable[[Changes], None]] = []

    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, daily_backup: bool = True, local: bool = False) -> "Office":
        """Open (creating if new) the data folder's database, checked and migrated; the day's
        backup is made unless `daily_backup` is False (the window makes it in the background).
        `local`: the folder's own SQLite file even when a server is chosen (move_to_server)."""
        return cls(open_store(data_dir, daily_backup=daily_backup, local=local))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Office":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def folder(self) -> Path:
        return self.store.folder

    @property
    def on_server(self) -> bool:
        """Whether this office's cases are on a PostgreSQL server (else in the folder's SQLite file)."""
        return self.store.backend == "postgresql"

    @property
    def path(self) -> Path:
        """The database file."""
        return self.store.path

    # ---- what changed -----------------------------------------------------------------

    def subscribe(self, listener: Callable[[Changes], None]) -> None:
        """`listener(changes)` is called after every call that changed something."""
        self._subscribers.append(listener)

    def _tell(self, changes: Changes) -> None:
        for listener in list(self._subscribers):
            listener(changes)

    def _done(self, value: T, changes: Changes) -> Done[T]:
        self._tell(changes)
        return Done(value, changes)

    # ---- settings ---------------------------------------------------------------------

    def setting(self, key: str) -> str:
        """A setting of the office, or its default when none is stored."""
        return self.store.setting(key) or SETTING_DEFAULTS.get(key, "")

    def configured(self) -> bool:
        """Whether the office has been named once (the first start's setup is done)."""
        return self.store.setting("office") is not None

    def set_settings(self, values: dict[str, str]) -> Done[None]:
        for key, value in values.items():
            self.store.set_setting(key, value)
        return self._done(None, Changes(settings=True))

    # ---- office codes -----------------------------------------------------------------

    def office_code(self) -> str:
        """This data folder's own office code ("" until one is set)."""
        return self.store.setting(_offices.OWN_CODE) or ""

    def offices(self) -> list[dict[str, Any]]:
        """Every registered office code: code, name, former_names, cases, own."""
        return _offices.list_offices(self.store)

    def unbound_office_names(self) -> list[dict[str, Any]]:
        """Office names in the folder's history with no code yet (the clerk confirms one for each)."""
        return _offices.unbound_names(self.store)

    def set_office(self, code: str, name: str, *, operator: str | None = None) -> Done[dict[str, Any]]:
        """Register an office code with its name (or rename it; the code never changes), binding the
        cases saved under that name before. With accounts: a 管理员."""
        operator = self.acting(operator, ("管理员",), "设置经办点代码") or "系统"
        return self._done(_offices.set_office(self.store, code, name, operator=operator),
                          Changes(settings=True, cases=True))

    # ---- township -> district -----------------------------------------------------------

    def export_bundle(self, out: str | Path, year: int, month: int | None = None, *,
                      operator: str | None = None, code: str | None = None) -> Done[dict[str, Any]]:
        """The office's bundle of the period: what it added since its previous bundle (engine/store/bundles.py)."""
        from ..store.bundles import export_bundle

        operator = self.acting(operator, ("经办", "审核", "管理员"), "生成数据包") or "系统"
        return self._done(export_bundle(self.store, out, year, month, operator=operator, code=code),
                          Changes(settings=True))

    def import_bundle(self, path: str | Path, *, operator: str | None = None) -> Done[dict[str, Any]]:
        """A township's bundle added at the district: what is new, conflicts reported, nothing overwritten."""
        from ..store.bundles import import_bundle

        operator = self.acting(operator, ("管理员",), "导入数据包") or "系统"
        return self._done(import_bundle(self.store, path, operator=operator),
                          Changes(cases=True, persons=True, ledger=True, settings=True))

    def merged_differences(self, year: int) -> list[dict[str, Any]]:
        """Persons whose year, merged across offices, replays to other amounts than were paid."""
        from ..store.merged import merged_differences

        return merged_differences(self.store, year)

    # ---- cases ------------------------------------------------------------------------

    def preview(self, doc: Any) -> dict[str, Any]:
        """What saving one case would give now, against the person's stored year; nothing is written."""
        return preview_case(self.store, doc)

    def save(self, doc: Any, *, operator: str, office: str,
             on_saved: Callable[[Saved], None] | None = None) -> Done[list[Saved]]:
        """Save one case or {"cases": [...]} (see engine.store.cases.save_cases)."""
        operator = self.acting(operator, ("经办",), "保存案件")
        saved: list[Saved] = []

        def each(one: Saved) -> None:
            saved.append(one)
            if on_saved:
                on_saved(one)
        try:
            save_cases(self.store, doc, operator=operator, office=office, on_saved=each)
        finally:
            if saved:   # told even when a list failed part-way: the cases committed before are saved
                self._tell(SAVED)
        return Done(saved, SAVED)

    def void(self, case_id: int, reason: str, *, operator: str) -> Done[dict[str, Any]]:
        """作废 a case; the answer lists later cases of the year whose results would now differ.
        With accounts: a 经办 their own case while 待审核 or 退回, else a 审核 other than its maker."""
        if self.has_accounts():
            from ..store.review import check_void

            operator = check_void(self.store, self.account, case_id)
        answer = void_case(self.store, case_id, reason, operator=operator)
        return self._done(answer, Changes(cases=True, ledger=True))

    def late_entry(self, doc: Any) -> list[dict[str, Any]]:
        """Before saving: the stored cases this case would change (it is dated before them), each with
        the difference that would wait for 补差. Nothing is written."""
        return _resettle.late_entry(self.store, doc)

    # ---- re-settlement (补差) ----------------------------------------------------------

    def pending_resettlements(self) -> list[dict[str, Any]]:
        """Cases whose replayed result differs from what was paid (stored + 补差): waiting for 补差."""
        return _resettle.pending(self.store)

    def resettle(self, case_id: int, reason: str, *, operator: str) -> Done[dict[str, Any]]:
        """补差 one case (see engine.store.resettle.settle); the case itself is never changed.
        With accounts: a 审核 (review, void and re-settle are the checker's)."""
        operator = self.acting(operator, ("审核",), "补差", case_id)
        answer = _resettle.settle(self.store, case_id, reason, operator=operator)
        return self._done(answer, Changes(cases=True, ledger=True))

    def resettlements(self, case_id: int) -> list[dict[str, Any]]:
        """The 补差 records of a case, oldest first."""
        return _resettle.resettlements_of(self.store, case_id)

    def write_resettlement_receipt(self, resettlement_id: int, out: str | Path | IO[bytes], *,
                                   layout: str = "A4") -> dict[str, Any]:
        """The 补差结算单 PDF of a 补差 record into `out`; returns the record."""
        from ..receipt.resettlement import from_stored, write

        record = _resettle.resettlement(self.store, resettlement_id)
        original = self.case(record["case_id"])
        write(from_stored(original, record, window=self.setting("window")), out, layout)
        return record

    def case(self, case_id: int) -> dict[str, Any]:
        """One saved case as `cases show --json` gives it (full ID number: mask it to show it)."""
        return show_case(self.store, case_id)

    def cases(self, **criteria: Any) -> list[dict]:
        """Cases, oldest first; criteria as engine.store.queries.list_cases takes them."""
        return list_cases(self.store, **criteria)

    def case_years(self) -> list[int]:
        return case_years(self.store)

    def newest_case_year(self) -> int | None:
        return newest_case_year(self.store)

    # ---- persons and their years -------------------------------------------------------

    def find_person(self, id_number: str) -> dict | None:
        """The person with this (checked) ID number, or None."""
        return find_by_id_number(self.store.db, id_number)

    def person(self, id_number: str) -> dict:
        """The person with this ID number; InputError (ID_NUMBER) when it is wrong or unknown."""
        return person_or_error(self.store, id_number)

    def find_persons(self, name: str) -> list[dict]:
        """Persons by name: exact, starting with it, containing it, its characters in order, one off."""
        return search_by_name(self.store.db, name)

    def identities_on(self, id_number: str, day: dt.date) -> list[str]:
        """The identities a person holds on a day (none for a person not on file)."""
        person = self.find_person(id_number)
        return identities_on(self.store.db, person["id"], day) if person else []

    def person_years(self, id_number: str) -> list[int]:
        return person_years(self.store, id_number)

    def last_live_year(self, id_number: str) -> int | None:
        return last_live_year(self.store, id_number)

    def year_ledger(self, id_number: str, year: int, region: str | None = None) -> dict[str, Any]:
        return year_ledger(self.store, id_number, year, region)

    def warnings(self, year: int, region: str | None = None) -> list[dict]:
        """The year's early-warning list."""
        return early_warning_list(self.store, year, region)

    # ---- receipts ---------------------------------------------------------------------

    def write_receipt(self, case_id: int, out: str | Path | IO[bytes], *, layout: str = "A4",
                      reprint: bool = False, office_copy: bool | None = None) -> dict[str, Any]:
        """The receipt PDF of a saved case into `out` (nothing is recorded: see record_print): the
        resident's copy, then the office's copy (存根) when `office_copy` (default: the setting) asks.
        A case printed before is a reprint (补打) whatever `reprint` says. Returns the case."""
        from ..receipt.make import from_stored, write

        stored = self.case(case_id)
        reprint = reprint or bool(stored["prints"])
        if office_copy is None:
            office_copy = self.setting("office_copy") == "1"
        write(from_stored(stored, window=self.setting("window"), reprint=reprint), out, layout, office_copy=office_copy)
        return {**stored, "reprint": reprint}

    def record_print(self, case_id: int, *, operator: str, reprint: bool) -> Done[dict[str, Any]]:
        """A receipt was printed (or reprinted, 补打); the answer is the case as `case` gives it."""
        operator = self.acting(operator, ("经办",), "打印回执", case_id)
        stored = record_print(self.store, case_id, operator=operator, reprint=reprint)
        return self._done(stored, Changes(prints=True))

    def verify(self, text: str) -> dict[str, Any]:
        """A receipt's QR code text checked against the database."""
        return verify(self.store, text)

    # ---- exchange ---------------------------------------------------------------------

    def export(self, output: str | Path, fmt: str, year: int, region: str | None = None, month: int | None = None,
               include_void: bool = False, mask_id: bool = False) -> int:
        return export_cases(self.store, output, fmt, year, region, month, include_void, mask_id)

    @staticmethod
    def write_list_xlsx(path: str | Path, title: str, header: list[str], rows: list[list[Any]],
                        widths: list[int], money_columns: tuple[int, ...] = ()) -> Path:
        """A list the window shows, written as an .xlsx that is safe to open (no formulas, owner-only)."""
        from ..store.export import write_list_xlsx

        return write_list_xlsx(path, title, header, rows, widths, money_columns)

    def import_persons(self, path: str | Path, *, operator: str) -> Done[ImportReport]:
        operator = self.acting(operator, ("经办", "管理员"), "导入人员")
        report = import_persons(self.store, path, operator=operator)
        return self._done(report, Changes(persons=True))

    # ---- the insurer's settlement list (engine/settlements/) ---------------------------

    def import_settlements(self, path: str | Path, *, region: str | None = None, operator: str = "",
                           office: str | None = None, dry_run: bool = False, outdir: str | Path | None = None,
                           progress: Callable[[int, int], None] | None = None,
                           cancelled: Callable[[], bool] | None = None) -> Done[Any]:
        """Import a settlement list (engine.settlements.importer.import_settlements); unless a dry run, the
        拟发放名单 and the receipts are written to `outdir` (default: beside the file). The value is the
        Report, with `outputs` (paths and totals) set when files were written."""
        from ..settlements.importer import import_settlements
        from ..settlements.outputs import write_outputs

        if not dry_run:
            operator = self.acting(operator, ("经办",), "导入结算清单")
        operator = validate_operator(operator)
        office_name = validate_office(office or self.setting("office"))
        report = import_settlements(self.store, path, region=region or self.setting("default_region"),
                                    operator=operator, office=office_name, dry_run=dry_run, progress=progress,
                                    cancelled=cancelled)
        if report.saved:
            self._tell(SAVED)
        if not dry_run:
            folder = Path(outdir) if outdir is not None else Path(path).resolve().parent
            report.outputs = write_outputs(self.store, report, report.setl_ids, folder)
        return Done(report, SAVED if report.saved else Changes())

    def settlement_rows(self, path: str | Path) -> list[dict[str, Any]]:
        """The readable rows of a settlement list, for the wizard's 从结算单导入 (nothing written): each with
        its row number, ID number, name, date, the case's visit and amounts, or why it cannot be used."""
        from ..settlements.pick import rows_for_wizard

        return rows_for_wizard(path, self.book, self.setting("default_region"))

    # ---- reports ----------------------------------------------------------------------

    def day_report(self, day: dt.date, office: str | None = None):
        """日结 of a day (by the recorded time of each action), for one office or all."""
        from ..reports.day import day_report

        return day_report(self.store, day, office)

    def write_day_report(self, day: dt.date, out: str | Path, office: str | None = None):
        """日结 into a .pdf or .xlsx file; returns the report."""
        from .. import clock
        from ..reports.day_files import write

        report = self.day_report(day, office)
        write(report, out, made_at=clock.now().strftime("%Y-%m-%d %H:%M"))
        return report

    def month_report(self, year: int, month: int, *, mask: bool = False):
        """The month report to the district (cases by the time of saving)."""
        from ..reports.month import month_report

        return month_report(self.store, year, month, mask=mask)

    def write_month_report(self, year: int, month: int, out: str | Path, *, mask: bool = False):
        """The month report into an .xlsx or .pdf file, with the 统计 charts of the policy year `year` as
        images; returns the report."""
        from .. import clock
        from ..reports.chart import year_charts
        from ..reports.chart_png import year_pngs
        from ..reports.month_files import write

        report = self.month_report(year, month, mask=mask)
        charts = year_pngs(year_charts(self.year_stats(year)), year)
        write(report, out, charts, made_at=clock.now().strftime("%Y-%m-%d %H:%M"))
        return report

    def year_stats(self, year: int):
        """The year at a glance: paid per month and layer, caps used, early warnings by month."""
        from ..reports.stats import year_stats

        return year_stats(self.store, year)

    def cap_use_list(self, year: int, bucket: int) -> list[dict]:
        """The persons and caps of one bar of the 统计 page's cap histogram (bucket 0 = 0–10 % used)."""
        from ..reports.stats import cap_use_list

        return cap_use_list(self.store, year, bucket)

    # ---- backups, restore, check -------------------------------------------------------

    def backups(self) -> list[Path]:
        """The backups in the data folder, newest first."""
        return _backup.list_backups(self.folder)

    def describe_backups(self) -> list[Any]:
        """Each backup with the date recorded in it, its kind, size and case count, newest first."""
        return _backup.describe_backups(self.folder)

    @staticmethod
    def describe_folder_backups(folder: str | Path) -> list[Any]:
        """describe_backups for a data folder whose database cannot be opened."""
        return _backup.describe_backups(Path(folder))

    @staticmethod
    def folder_backups_dir(folder: str | Path) -> Path:
        return _backup.backups_dir(Path(folder))

    @property
    def backups_folder(self) -> Path:
        return _backup.backups_dir(self.folder)

    def backup(self, target: str | Path | None = None) -> Done[Path]:
        """A backup now: into the backups folder, or to the file `target` (replaced if it exists:
        the caller refuses an existing one)."""
        if self.on_server:   # pg_dump is the server's business: a portable export instead
            from ..store.backends import postgres

            made = postgres.export_tables(self.store.conn, Path(target) if target else None, self.folder)
        elif target is None:
            made = _backup.make_backup(self.store.conn, self.folder, "manual")
        else:
            made = _backup.copy_database(self.store.conn, Path(target), "manual")
        return self._done(made, Changes(backups=True))

    def restore(self, source: str | Path, *, operator: str | None = None) -> Done[dict[str, Any]]:
        """Replace the database by the backup `source` (the current one is backed up first);
        the office stays open on the restored database, whatever happened. With accounts: a 管理员."""
        by = self.acting(None, ("管理员",), "恢复备份")
        from ..store.accounts import keep_after_restore, live_rows

        accounts = live_rows(self.store)
        folder = self.folder
        self.store.close()
        try:
            done = self.restore_folder(folder, source, operator=operator)
        finally:
            self.store = open_store(folder, daily_backup=False)
        keep_after_restore(self.store, accounts, by)   # accounts and locks are the live ones, not the backup's
        return self._done(done, Changes(store_replaced=True))

    def move_to_server(self, url: str, *, operator: str | None = None) -> Done[dict[str, Any]]:
        """Copy this data folder's SQLite store into the empty PostgreSQL database at `url`, checked
        there (engine/store/move.py); the file is only read. With accounts: a 管理员."""
        from ..store.move import move

        by = self.acting(operator, ("管理员",), "迁移到服务器") or self.setting("operator") or "管理员"
        return self._done(move(self.store, url, operator=by).to_json(), Changes())

    def check(self) -> dict[str, Any]:
        """A full integrity check of the database (StoreError when it is not sound)."""
        return self.check_folder(self.folder)

    @staticmethod
    def restore_folder(data_dir: str | Path | None, source: str | Path, *,
                       operator: str | None = None) -> dict[str, Any]:
        """Restore a data folder whose database is not open (it may be too damaged to open)."""
        return _restore.restore(data_dir, source, operator=operator)

    @staticmethod
    def check_folder(data_dir: str | Path | None) -> dict[str, Any]:
        return _restore.check(data_dir)

    @staticmethod
    def resolve_folder(data_dir: str | Path | None) -> Path:
        """The data folder a data_dir (None: SANCHONG_DATA_DIR, else the user's) stands for; not created."""
        return datadir.resolve(data_dir)

    @staticmethod
    def prepare_folder(data_dir: str | Path | None) -> Path:
        """The data folder (given, else SANCHONG_DATA_DIR, else the user's), made and checked writable."""
        return datadir.prepare(datadir.resolve(data_dir))

    @staticmethod
    def daily_backup(folder: str | Path) -> Path | None:
        """The day's backup on a connection of its own (the window runs it in the background)."""
        return daily_backup(Path(folder))
