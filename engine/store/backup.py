"""Backups through SQLite's online backup API: daily and rotated, before every migration
and every restore, on request.

A backup is written to a temporary `.partial` name and renamed when complete, so a half-written
file never looks like a backup; `.partial` files a killed backup left behind are removed once
they are an hour old. Each backup records inside itself when it was made and of which kind
(settings rows `backup.made_at`, `backup.kind`): backups are listed and rotated by that time,
never by their file names, so a file planted or copied in under a later-dated name neither
comes first nor pushes today's backup out. A backup whose recorded time lies in the future,
or that cannot be read or is not this program's database, is listed last, never offered first
and never rotated.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from .. import clock
from .errors import StoreError

KEEP_DAILY = 14
PREFIX = "cases-"
SUFFIX = ".sqlite3"
MADE_AT = "backup.made_at"
KIND = "backup.kind"
STALE_PARTIAL_SECONDS = 3600     # a backup takes seconds: an hour-old .partial is a killed one's
FUTURE_SLACK = dt.timedelta(hours=1)


def backups_dir(folder: Path) -> Path:
    return folder / "backups"


@dataclass(frozen=True)
class BackupInfo:
    """One file in the backups folder, as read from inside it."""
    path: Path
    made_at: dt.datetime | None     # recorded inside (else the file's own time)
    kind: str                       # daily, manual, before-restore, before-migration-vN, … ("" unknown)
    size: int
    cases: int | None
    problem: str | None             # why it cannot be offered (unreadable, foreign, time in the future)

    @property
    def usable(self) -> bool:
        return self.problem is None and self.made_at is not None


def _read_info(path: Path, now: dt.datetime, contents: bool) -> BackupInfo:
    from . import schema

    try:
        stat = path.stat()
    except OSError as exc:
        return BackupInfo(path, None, "", 0, None, f"无法读取（{exc.strerror}）")
    made_at, kind, cases, problem = None, "", None, None
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=1)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(schema.migrations.MIGRATIONS):
                problem = "由更新版本的程序创建"
            elif version < 1 or (contents and schema.differences(conn, version)):
                problem = "不是本程序的数据库"
            elif conn.execute("SELECT type FROM sqlite_master WHERE name = 'settings'").fetchone() != ("table",):
                problem = "不是本程序的数据库"   # (a view could compute for ever at every start)
            else:
                rows = dict(conn.execute("SELECT key, value FROM settings WHERE key IN (?, ?)", (MADE_AT, KIND)))
                if contents:
                    cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
                if MADE_AT in rows:
                    made_at = dt.datetime.fromisoformat(rows[MADE_AT])
                    kind = rows.get(KIND, "")
        finally:
            conn.close()
    except Exception as exc:  # whatever is wrong with a file, it is listed as unusable, never raised
        problem = f"无法读取（{type(exc).__name__}）"
    if made_at is None:  # a backup of an earlier version of the program: the file's own time
        made_at = dt.datetime.fromtimestamp(stat.st_mtime).astimezone()
    if made_at.tzinfo is None:
        made_at = made_at.astimezone()
    if problem is None and made_at > now + FUTURE_SLACK:
        problem = f"记录的备份时间 {made_at:%Y-%m-%d %H:%M} 晚于现在，时间不可信"
    return BackupInfo(path, made_at, kind, stat.st_size, cases, problem)


def describe_backups(folder: Path, *, contents: bool = True) -> list[BackupInfo]:
    """The backups in the data folder: the usable ones newest first (by the time recorded inside
    them), then the others. Without `contents`, only the recorded time and kind are read (the
    schema is not compared and the cases not counted): what the daily backup and rotation need."""
    now = clock.now()
    infos = [_read_info(p, now, contents) for p in backups_dir(folder).glob(f"{PREFIX}*{SUFFIX}") if p.is_file()]
    usable = sorted((i for i in infos if i.usable), key=lambda i: (i.made_at, i.path.name), reverse=True)
    others = sorted((i for i in infos if not i.usable), key=lambda i: i.path.name)
    return usable + others


def list_backups(folder: Path) -> list[Path]:
    """The backups in the data folder, newest first (see describe_backups)."""
    return [i.path for i in describe_backups(folder)]


def usable_backups(folder: Path) -> list[Path]:
    """The backups that can be offered for a restore, newest first."""
    return [i.path for i in describe_backups(folder) if i.usable]


def _new_name(folder: Path, kind: str) -> Path:
    stamp = clock.now().strftime("%Y-%m-%d-%H%M%S")
    base = backups_dir(folder) / f"{PREFIX}{stamp}-{kind}{SUFFIX}"
    n = 1
    while base.exists():
        n += 1
        base = backups_dir(folder) / f"{PREFIX}{stamp}-{kind}-{n}{SUFFIX}"
    return base


def sweep_partials(folder: Path) -> None:
    """Remove the `.partial` files of killed backups (only those an hour old: a backup being
    written by another window right now has a young one)."""
    for stale in backups_dir(folder).glob("*.partial"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_PARTIAL_SECONDS:
                stale.unlink(missing_ok=True)
        except OSError:
            continue


def _finish(tmp: Path, target: Path, kind: str | None) -> None:
    """Record time and kind inside the copy, make it durable, and rename it into place."""
    dest = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        dest.execute("PRAGMA journal_mode = DELETE")
        if kind is not None:
            dest.execute("BEGIN")
            dest.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                         (MADE_AT, clock.now().isoformat(timespec="microseconds")))
            dest.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (KIND, kind))
            dest.execute("COMMIT")
    finally:
        dest.close()
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def _partial(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.partial")  # one per writer


def _failed(target: Path, exc: BaseException) -> StoreError:
    reason = getattr(exc, "strerror", None) or str(exc)
    return StoreError(f"无法写入备份 {target}（{reason}），请检查磁盘空间和权限",
                      f"cannot write backup {target} ({reason}); check disk space and permissions")


def copy_database(source: sqlite3.Connection, target: Path, kind: str | None = None) -> Path:
    """Copy an open database to `target` with the backup API (consistent even while others write);
    with a `kind`, the time and kind are recorded inside (a backup in the backups folder)."""
    tmp = _partial(target)
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            source.backup(dest, pages=1024)
        finally:
            dest.close()
        _finish(tmp, target, kind)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(target, exc) from None
    return target


def copy_file(db_file: Path, folder: Path, kind: str) -> Path:
    """A backup copied byte for byte from a database file that the caller holds locked (in
    rollback-journal mode, so the file is whole), its time and kind recorded inside."""
    target = _new_name(folder, kind)
    tmp = _partial(target)
    try:
        shutil.copyfile(db_file, tmp)
        _finish(tmp, target, kind)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(target, exc) from None
    return target


def make_backup(conn: sqlite3.Connection, folder: Path, kind: str) -> Path:
    sweep_partials(folder)
    return copy_database(conn, _new_name(folder, kind), kind)


def rotate(folder: Path, kind: str = "daily", keep: int = KEEP_DAILY) -> None:
    """Keep the `keep` newest backups of `kind` by their recorded time; an unusable file (one
    whose time is in the future, say) is neither counted nor removed."""
    ours = [i for i in describe_backups(folder, contents=False) if i.usable and i.kind == kind]
    for old in ours[keep:]:
        old.path.unlink(missing_ok=True)


STALE_LOCK_SECONDS = 600


def _claim(lock: Path) -> bool:
    """Take the day's backup lock (one window makes the daily backup); a stale lock is taken over."""
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        try:
            if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
                lock.unlink(missing_ok=True)
                return _claim(lock)
        except OSError:
            pass
        return False


def _has_today(folder: Path, today: dt.date) -> bool:
    return any(i.usable and i.kind == "daily" and i.made_at.date() == today
               for i in describe_backups(folder, contents=False))


def daily(conn: sqlite3.Connection, folder: Path, verify: Callable[[], None]) -> Path | None:
    """Once a day, after a full integrity check, a backup; the oldest daily ones are removed."""
    today = clock.today()
    if _has_today(folder, today):
        return None
    if conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0:
        return None
    lock = backups_dir(folder) / f".daily-{today.isoformat()}.lock"
    if not _claim(lock):
        return None  # another window is making today's backup
    try:
        if _has_today(folder, today):
            return None
        verify()  # never rotate good backups out for a damaged copy
        made = make_backup(conn, folder, "daily")
        rotate(folder)
        return made
    finally:
        lock.unlink(missing_ok=True)
