"""Backups through SQLite's online backup API: daily and rotated, before every migration
and every restore, on request; and restoring one.

A backup is written to a temporary name and renamed when complete, so a half-written
file never looks like a backup. The damaged database is never overwritten: a restore
moves it aside into the backups folder first.
"""
from __future__ import annotations

import os
import re
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Callable

from .. import clock
from .errors import StoreError

KEEP_DAILY = 14
PREFIX = "cases-"
SUFFIX = ".sqlite3"


def backups_dir(folder: Path) -> Path:
    return folder / "backups"


def list_backups(folder: Path) -> list[Path]:
    """The backups in the data folder, newest first."""
    found = [p for p in backups_dir(folder).glob(f"{PREFIX}*{SUFFIX}") if p.is_file()]
    return sorted(found, key=lambda p: p.name, reverse=True)


def _new_name(folder: Path, kind: str) -> Path:
    stamp = clock.now().strftime("%Y-%m-%d-%H%M%S")
    base = backups_dir(folder) / f"{PREFIX}{stamp}-{kind}{SUFFIX}"
    n = 1
    while base.exists():
        n += 1
        base = backups_dir(folder) / f"{PREFIX}{stamp}-{kind}-{n}{SUFFIX}"
    return base


def copy_database(source: sqlite3.Connection, target: Path) -> Path:
    """Copy an open database to `target` with the backup API (consistent even while others write)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{uuid.uuid4().hex[:8]}.partial")  # one per writer
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            source.backup(dest, pages=1024)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        os.replace(tmp, target)
    except (OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise StoreError(f"无法写入备份 {target}（{reason}），请检查磁盘空间和权限",
                         f"cannot write backup {target} ({reason}); check disk space and permissions") from None
    return target


def make_backup(conn: sqlite3.Connection, folder: Path, kind: str) -> Path:
    return copy_database(conn, _new_name(folder, kind))


def rotate(folder: Path, kind: str = "daily", keep: int = KEEP_DAILY) -> None:
    pattern = re.compile(rf"{PREFIX}\d{{4}}-\d\d-\d\d-\d{{6}}-{re.escape(kind)}(-\d+)?")
    ours = [p for p in list_backups(folder) if pattern.fullmatch(p.stem)]
    for old in ours[keep:]:
        old.unlink(missing_ok=True)


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


def daily(conn: sqlite3.Connection, folder: Path, verify: Callable[[], None]) -> Path | None:
    """Once a day, after a full integrity check, a backup; the oldest daily ones are removed."""
    today = clock.today().isoformat()
    if any(p.name.startswith(f"{PREFIX}{today}-") and "-daily" in p.name for p in list_backups(folder)):
        return None
    if conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0:
        return None
    lock = backups_dir(folder) / f".daily-{today}.lock"
    if not _claim(lock):
        return None  # another window is making today's backup
    try:
        if any(p.name.startswith(f"{PREFIX}{today}-") and "-daily" in p.name for p in list_backups(folder)):
            return None
        verify()  # never rotate good backups out for a damaged copy
        made = make_backup(conn, folder, "daily")
        rotate(folder)
        return made
    finally:
        lock.unlink(missing_ok=True)
