"""Restoring the database from a backup file, and the `check` of the current one.

The file to restore is checked first (an SQLite database of this program, sound, not
from a newer version). The current database is backed up first; if it is too damaged to
be read, it is moved aside into the backups folder instead: never overwritten.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .. import clock
from . import backup, datadir
from .database import DB_NAME, SQLITE_MAGIC, check_integrity, connect, open_store
from .errors import StoreError
from .migrations import LATEST


def _check_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(f"找不到备份文件 {path}", f"backup file {path} not found")
    with path.open("rb") as fh:
        if not fh.read(16).startswith(SQLITE_MAGIC):
            raise StoreError(f"{path} 不是数据库备份文件（文件头无效），未做任何改动",
                             f"{path} is not a database backup (bad header); nothing changed")
    try:
        conn = connect(path, mode="ro")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"备份文件 {path} 无法读取（{exc}），未做任何改动", f"backup {path} cannot be read ({exc}); nothing changed") from None
    if rows != ["ok"]:
        conn.close()
        raise StoreError(f"备份文件 {path} 已损坏（{rows[0]}），未做任何改动；请换一份备份",
                         f"backup {path} is damaged ({rows[0]}); nothing changed; try another backup")
    if version > LATEST or not {"persons", "cases", "receipts"} <= tables:
        conn.close()
        raise StoreError(f"{path} 不是本版本程序可用的案件数据库（数据结构版本 {version}），未做任何改动",
                         f"{path} is not a case database this version can use (schema {version}); nothing changed")
    return conn


def _move_aside(db_path: Path) -> Path:
    stamp = clock.now().strftime("%Y-%m-%d-%H%M%S")
    target = backup.backups_dir(db_path.parent) / f"damaged-{stamp}-{db_path.name}"
    for suffix in ("", "-wal", "-shm"):
        src = db_path.with_name(db_path.name + suffix)
        if src.exists():
            os.replace(src, target.with_name(target.name + suffix))
    return target


def restore(data_dir: str | Path | None, source: str | Path) -> dict:
    """Replace the current database by the backup `source`; returns what was done."""
    folder = datadir.prepare(datadir.resolve(data_dir))
    source = Path(source).expanduser().resolve()
    db_path = folder / DB_NAME
    if source == db_path.resolve():
        raise StoreError("不能用数据库自身恢复，请选择备份文件", "cannot restore the database from itself; choose a backup file")
    src = _check_source(source)
    try:
        saved_as, moved = None, None
        if db_path.exists():
            try:
                current = open_store(folder, daily_backup=False)
            except StoreError:
                moved = _move_aside(db_path)
            else:
                with current:
                    saved_as = backup.make_backup(current.conn, folder, "before-restore")
                    src.backup(current.conn)
        if not db_path.exists() or moved:
            dest = connect(db_path)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode = WAL")
            finally:
                dest.close()
    finally:
        src.close()
    with open_store(folder, daily_backup=False) as store:  # migrates an older backup, checks it opens
        cases = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    return {"restored_from": str(source), "previous_saved_as": str(saved_as) if saved_as else None,
            "damaged_moved_to": str(moved) if moved else None, "cases": cases}


def check(data_dir: str | Path | None) -> dict:
    """Full integrity check of the current database (raises StoreError when it is not sound)."""
    with open_store(data_dir, daily_backup=False) as store:
        check_integrity(store.conn, store.path, quick=False)
        counts = {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("persons", "cases", "receipts", "audit")}
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        return {"path": str(store.path), "schema_version": version, **counts}
