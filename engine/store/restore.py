"""Restoring the database from a backup file, and the `check` of the current one.

`restore` is the one way to restore, for the command line and the window alike:

1. The backup is copied beside the live database (a temporary file in the data folder) and
   checked there — an SQLite database, sound, foreign keys consistent, its schema exactly the
   one the migrations make for its version (store.schema: no extra trigger or view, none
   missing, the same columns) — then migrated there. Anything wrong with the file: InputError
   (exit 2), nothing changed.
2. The live database: when it opens, the restore must be alone on it (another window or
   program using it: StoreError, nothing changed); it is switched to a rollback journal (one
   whole file, no WAL beside it) and locked, and copied into backups/ as the before-restore
   backup. When it cannot be opened (damaged, foreign, newer), the file and its journal files
   are copied into backups/ as `damaged-…`.
3. The receipt numbers: the highest number ever issued per office and year — from the live
   database, the data folder's marks (receipt_marks) and, best effort, a damaged file — is
   written into the new database as a floor; numbers the restored backup had not yet issued are
   skipped, recorded in its audit log and returned for the clerk.
4. The new file is renamed over the live one (os.replace, atomic): a kill at any instant leaves
   the old database or the new one, never an empty one. A process that still holds the old
   file can no longer write to it (SQLite reports the file moved).
5. The audit chain's anchor (engine/store/anchor.py) moves to the restore's audit row: a restore
   through here is recorded; a database file copied into place by hand is not, and is reported.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from .. import clock
from ..errors import InputError
from . import anchor, backup, chain, datadir, location, receipt_marks, schema
from .database import DB_NAME, SQLITE_MAGIC, _sweep_stale_temp_files, check_integrity, connect, now, open_store, \
    statements
from .errors import StoreError
from .migrations import MIGRATIONS

JOURNALS = ("-wal", "-journal", "-shm")


def _refused(source: Path, zh: str, en: str) -> InputError:
    return InputError("FILE", f"备份文件 {source} {zh}；未做任何改动，请换一份备份",
                      f"backup file {source}: {en}; nothing was changed; choose another backup")


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- 1. the new database, beside the live one -----------------------------------------------

def _copy_in(source: Path, tmp: Path) -> sqlite3.Connection:
    """The backup copied to `tmp` by SQLite's backup API; the open connection on the copy."""
    try:
        with source.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise _refused(source, f"无法读取（{exc.strerror}）", f"cannot be read ({exc.strerror})") from None
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise _refused(source, "不是数据库备份文件（文件头无效）", "not a database backup (bad header)")
    try:
        src = connect(source, mode="ro")
        try:
            src.execute("PRAGMA trusted_schema = OFF")
            dest = connect(tmp)
            try:
                src.backup(dest)
            except BaseException:
                dest.close()
                raise
        finally:
            src.close()
    except sqlite3.Error as exc:
        if "full" in str(exc):  # not the file's fault
            raise StoreError(f"磁盘空间已满，无法从 {source} 恢复；未做任何改动。请清理磁盘空间后重试",
                             f"the disk is full; nothing was changed; free some space and try again") from None
        raise _refused(source, f"无法读取（{exc}）", f"cannot be read ({exc})") from None
    return dest


def _build(source: Path, tmp: Path) -> tuple[sqlite3.Connection, int]:
    """The checked, migrated copy of `source` at `tmp` (open), and the version it had."""
    dest = _copy_in(source, tmp)
    try:
        dest.execute("PRAGMA trusted_schema = OFF")
        dest.execute("PRAGMA journal_mode = DELETE")
        version = dest.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise _refused(source, f"由更新版本的程序创建（数据结构版本 {version}，本程序最高支持 {len(MIGRATIONS)}），"
                                   "请安装最新版本的程序后再恢复",
                           f"written by a newer version (schema {version}); install the newest version")
        if version < 1:
            raise _refused(source, "不是本程序的案件数据库（没有数据结构版本）", "not a case database of this program")
        rows = [r[0] for r in dest.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            raise _refused(source, f"已损坏（{'；'.join(rows[:3])}）", f"damaged ({rows[0]})")
        problems = schema.differences(dest, version)
        if problems:
            listed = "；".join(problems[:6]) + ("；……" if len(problems) > 6 else "")
            raise _refused(source, f"不是本程序的数据库，数据结构与本程序不同：{listed}",
                           f"not this program's database, its schema differs: {len(problems)} difference(s)")
        if dest.execute("PRAGMA foreign_key_check").fetchall():
            raise _refused(source, "内部引用不一致（外键）", "foreign key violations")
        for number in range(version, len(MIGRATIONS)):
            dest.execute("BEGIN IMMEDIATE")
            for sql in statements(MIGRATIONS[number]):
                dest.execute(sql)
            dest.execute(f"PRAGMA user_version = {number + 1}")
            dest.execute("COMMIT")
        dest.execute("DELETE FROM settings WHERE key IN (?, ?)", (backup.MADE_AT, backup.KIND))
        return dest, version
    except InputError:
        dest.close()
        raise
    except Exception as exc:  # corrupt bytes anywhere (a UnicodeDecodeError too): the file is refused
        dest.close()
        raise _refused(source, f"无法使用（{type(exc).__name__}: {exc}）", f"cannot be used ({type(exc).__name__}: {exc})") \
            from None


# ---- 2. the live database -------------------------------------------------------------------

@dataclass
class _Live:
    conn: sqlite3.Connection | None = None   # open, locked, in rollback-journal mode (a sound live database)
    saved_as: Path | None = None             # the before-restore backup
    damaged_copy: Path | None = None         # the copy of a live database that could not be opened
    marks: receipt_marks.Marks = field(default_factory=dict)


def _take_sound(folder: Path) -> _Live | None:
    """The live database locked for the swap, and its before-restore backup; None when it cannot be
    opened (damaged, foreign, newer)."""
    try:
        store = open_store(folder, daily_backup=False)
    except StoreError as exc:
        if exc.unusable:
            return None
        raise  # busy, unreadable folder …: nothing is changed
    conn = store.conn
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            mode = "wal"
        if mode.lower() != "delete":
            raise StoreError("数据库正被其他程序窗口使用，无法恢复。请关闭其他窗口（和正在运行的命令）后重试；未做任何改动",
                             "the database is in use by another window or program; close it and try again; nothing was changed")
        conn.execute("BEGIN EXCLUSIVE")
        marks = receipt_marks.issued(conn)
        saved_as = backup.copy_file(folder / DB_NAME, folder, "before-restore")
        return _Live(conn=conn, saved_as=saved_as, marks=marks)
    except BaseException:
        conn.close()
        raise


def _copy_damaged(folder: Path, db_path: Path) -> _Live:
    """A live database that cannot be opened: copied with its journal files into backups/ (the
    copy is what is kept; the live file is replaced by the rename), its numbers read if it can be."""
    stamp = clock.now().strftime("%Y-%m-%d-%H%M%S")
    target = backup.backups_dir(folder) / f"damaged-{stamp}-{uuid.uuid4().hex[:4]}-{db_path.name}"
    for suffix in ("-wal", "-journal", ""):   # the main file last: its presence marks a whole copy
        src = db_path.with_name(db_path.name + suffix)
        if src.exists():
            part = target.with_name(target.name + suffix + ".partial")
            shutil.copyfile(src, part)
            with part.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(part, target.with_name(target.name + suffix))
    marks: receipt_marks.Marks = {}
    try:
        conn = connect(target, mode="ro")
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            marks = receipt_marks.issued(conn)
        finally:
            conn.close()
    except Exception:  # too damaged to tell: the data folder's marks stand in
        pass
    return _Live(damaged_copy=target, marks=marks)


# ---- 3. and 4. ------------------------------------------------------------------------------

def _swap(tmp: Path, db_path: Path, live: _Live) -> None:
    if live.conn is None:
        for suffix in JOURNALS:  # kept in the damaged copy; they must not be applied to the new file
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    if live.conn is not None and os.name != "posix":
        live.conn.execute("ROLLBACK")  # Windows renames over a file only when nobody holds it open
        live.conn.close()
        live.conn = None
    for attempt in range(20):
        try:
            os.replace(tmp, db_path)   # POSIX: while the old file is still locked by us
            break
        except PermissionError:
            if attempt == 19:
                raise StoreError("数据库正被其他程序窗口使用，无法恢复。请关闭其他窗口后重试；未做任何改动",
                                 "the database is held open by another program; close it and try again") from None
            time.sleep(0.1)
    _fsync_dir(db_path.parent)


def restore(data_dir: str | Path | None, source: str | Path, *, operator: str | None = None) -> dict:
    """Replace the current database by the backup `source` (see the module's notes); returns what
    was done: restored_from, previous_saved_as, damaged_moved_to, cases, migrated_from, skipped."""
    folder = datadir.prepare(datadir.resolve(data_dir))
    location.refuse_restore(folder)
    db_path = folder / DB_NAME
    source = Path(source).expanduser()
    if not source.is_file():
        raise InputError("FILE", f"找不到备份文件 {source}；未做任何改动", f"backup file {source} not found; nothing changed")
    source = source.resolve()
    if db_path.exists() and source == db_path.resolve():
        raise InputError("FILE", "不能用数据库自身恢复，请选择备份文件", "cannot restore the database from itself; choose a backup file")
    _sweep_stale_temp_files(folder)
    backup.sweep_partials(folder)
    tmp = folder / f".cases-{uuid.uuid4().hex}.new-restore"
    live = _Live()
    try:
        new, version = _build(source, tmp)
        try:
            if db_path.exists():
                try:
                    live = _take_sound(folder) or _copy_damaged(folder, db_path)
                except OSError as exc:
                    raise StoreError(f"无法保存当前的数据库 {db_path}（{exc.strerror or exc}），未做任何改动。请检查磁盘空间和权限",
                                     f"cannot keep the current database {db_path} ({exc.strerror or exc}); nothing was changed")\
                        from None
            marks = receipt_marks.merged(live.marks, receipt_marks.read(folder))
            at = now()
            who = operator or "系统"
            new.execute("BEGIN IMMEDIATE")
            before = f"，恢复前的数据库另存为 {(live.saved_as or live.damaged_copy).name}" if (live.saved_as or live.damaged_copy) else ""
            chain.append(sqlite_utils.Database(new), {"at": at, "operator": who, "action": "restore",
                                                      "detail": f"从备份 {source.name} 恢复数据库{before}"})
            skipped = receipt_marks.write_floors(new, marks, at=at, operator=who, why="从较早的备份恢复")
            new.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, '1')", (anchor.SETTING,))
            new.execute("COMMIT")
            head = new.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
            cases = new.execute("SELECT count(*) FROM cases").fetchone()[0]
        finally:
            new.close()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        receipt_marks.raise_to(folder, marks, durable=True)
        _swap(tmp, db_path, live)
        anchor.write(folder, tuple(head))   # the restore is recorded: the anchor moves to its row
    finally:
        if live.conn is not None:
            live.conn.close()
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in JOURNALS)):
            leftover.unlink(missing_ok=True)
    with open_store(folder, daily_backup=False):  # sets WAL again; proves it opens
        pass
    return {"restored_from": str(source), "previous_saved_as": str(live.saved_as) if live.saved_as else None,
            "damaged_moved_to": str(live.damaged_copy) if live.damaged_copy else None, "cases": cases,
            "migrated_from": version if version < len(MIGRATIONS) else None, "skipped": skipped}


def skip_notice(skip: dict) -> str:
    """The clerk told of receipt numbers skipped by a restore (one of restore()'s "skipped")."""
    span = skip["first"] if skip["first"] == skip["last"] else f"{skip['first']} 至 {skip['last']}"
    return (f"注意：{skip['office']} {skip['year']} 年的回执号 {span} 在恢复前已经发出，不再使用；"
            f"下一张回执号为 {skip['next']}（已记入操作记录）。")


def check(data_dir: str | Path | None) -> dict:
    """Full integrity check of the current database, its schema included (raises StoreError when
    it is not sound or not this program's)."""
    with open_store(data_dir, daily_backup=False) as store:
        if store.backend == "sqlite":   # (a server's own checks are its administrator's; its open checks version and triggers)
            check_integrity(store.conn, store.path, quick=False)
        counts = {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("persons", "cases", "receipts", "audit")}
        version = store.conn.execute("PRAGMA user_version" if store.backend == "sqlite"
                                     else "SELECT max(version) FROM schema_version").fetchone()[0]
        return {"path": str(store.path), "schema_version": version, **counts}
