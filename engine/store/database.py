"""Opening the case database safely: checks, pragmas, migrations, write transactions.

- A file that is not an SQLite database, a damaged one, or one written by a newer
  version of the program is reported (StoreError) and never written to.
- WAL journal, foreign keys, a busy timeout so two windows can save at once, and
  synchronous=FULL so a case reported saved survives a killed process or a power cut.
- Migrations follow PRAGMA user_version, each after a backup of the database as it was.
"""
from __future__ import annotations

import os
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import sqlite_utils

from .. import clock
from ..errors import InputError, PolicyDataError
from ..policy import PolicyBook, bundled
from . import anchor, audit_check, backup, chain, datadir, location, receipt_marks, schema
from .errors import StoreError
from .migrations import LATEST, MIGRATIONS, statements

DB_NAME = "cases.sqlite3"
DEFAULT_OFFICE = "本经办点"  # the office until the settings name one (receipt numbers count per office)
BUSY_TIMEOUT_MS = 15000
SQLITE_MAGIC = b"SQLite format 3\x00"


class Store:
    """An open case database in its data folder."""

    def __init__(self, folder: Path, conn: sqlite3.Connection, db=None, backend: str = "sqlite"):
        self.folder = folder
        self.path = folder / DB_NAME
        self.conn = conn
        self.db = sqlite_utils.Database(conn) if db is None else db   # (PostgreSQL: backends/postgres.Database)
        self.backend = backend
        self.url: str | None = None     # the PostgreSQL server's URL (open_reader opens it again)
        self._book: tuple[tuple[int, ...], PolicyBook] | None = None
        self.anchor = anchor.Anchor(folder)   # the audit chain's head kept outside the file (checked at open)

    @property
    def book(self) -> PolicyBook:
        """The policy book this database computes with: the bundled files and exactly the local
        versions stored here now (read afresh, so another window's new version is seen at once)."""
        rows = self.query("SELECT * FROM policy_versions ORDER BY id")
        ids = tuple(r["id"] for r in rows)
        if self._book is None or self._book[0] != ids:
            self._book = (ids, bundled().with_stored(rows))
        return self._book[1]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): all of it is committed or none."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise database_error(exc, self.path) from None
        try:
            yield self.db
            self.anchor.before_commit(conn)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.anchor.rolled_back()
            if isinstance(exc, sqlite3.DatabaseError):
                raise database_error(exc, self.path) from None
            raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[dict]:
        try:
            return list(self.db.query(sql, params))
        except sqlite3.DatabaseError as exc:
            raise database_error(exc, self.path) from None

    def setting(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as db:
            db["settings"].upsert({"key": key, "value": value}, pk="key")


def now() -> str:
    """A timestamp in local time with its offset, to the second (the program's clock: 日结 goes by it)."""
    return clock.now().isoformat(timespec="seconds")


def audit(db: sqlite_utils.Database, operator: str, action: str, detail: str, *,
          case_id: int | None = None, person_id: int | None = None, at: str | None = None) -> None:
    """One entry of the audit log, written inside the caller's transaction after the change it
    records: it is chained to the row before and vouches for the state it names (engine/store/chain.py)."""
    chain.append(db, {"at": at or now(), "operator": operator, "action": action, "case_id": case_id,
                      "person_id": person_id, "detail": detail})


RESTORE_BUTTON = "从备份恢复…"


def restore_hint(folder: Path) -> tuple[str, str, str, list[Path]]:
    """What to do about a database that cannot be used: (for the window, for the command line,
    in English, the backups that can be offered — newest first by the time recorded in them)."""
    found = backup.usable_backups(folder)
    if found:
        newest = found[0]
        window = (f"请点击「{RESTORE_BUTTON}」，从备份中选择一份恢复（共 {len(found)} 份可用备份，"
                  f"最新的是 {newest.name}，位于 {newest.parent}）")
        cli = f"请从备份恢复：python -m engine cases restore \"{newest}\"（最新备份，共 {len(found)} 份，位于 {newest.parent}）"
        en = f"restore from a backup: python -m engine cases restore \"{newest}\" (newest of {len(found)} in {newest.parent})"
    else:
        window = (f"{folder / 'backups'} 中没有可用的备份；请联系管理员，把其他电脑或U盘上的备份文件复制到本机，"
                  f"再点击「{RESTORE_BUTTON}」选择该文件")
        cli = f"{folder / 'backups'} 中没有可用的备份；请联系管理员，用其他电脑或U盘上的备份文件执行 python -m engine cases restore 文件"
        en = f"no usable backups in {folder / 'backups'}; ask the administrator to restore a copy with python -m engine cases restore FILE"
    return window, cli, en, found


def damaged(path: Path, detail: str) -> StoreError:
    window, cli, en_hint, found = restore_hint(path.parent)
    zh = f"数据库文件 {path} 已损坏或不是本程序的数据库（{detail}）。原文件不会被改动。"
    return StoreError(zh + window,
                      f"database file {path} is damaged or not this program's database ({detail}); it is left untouched; {en_hint}",
                      found, cli_zh=zh + cli, unusable=True)


def foreign(path: Path, problems: list[str]) -> StoreError:
    """The database's schema is not the one this program makes (store.schema)."""
    window, cli, en_hint, found = restore_hint(path.parent)
    listed = "；".join(problems[:6]) + ("；……" if len(problems) > 6 else "")
    zh = f"数据库文件 {path} 不是本程序的数据库，数据结构与本程序不同：{listed}。原文件不会被改动。"
    return StoreError(zh + window,
                      f"database file {path} is not this program's database: its schema differs "
                      f"({len(problems)} difference(s): {listed}); it is left untouched; {en_hint}",
                      found, cli_zh=zh + cli, unusable=True)


def database_error(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    """A clear StoreError for an SQLite error met while using the database."""
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"磁盘空间已满，数据库 {path} 无法写入，本次操作未保存任何内容。请清理磁盘空间后重试",
                          f"the disk is full; nothing was saved to {path}; free some space and try again")
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库 {path} 正被其他窗口长时间占用，本次操作未保存。请稍后重试",
                          f"database {path} is busy in another window; nothing was saved; try again shortly")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"数据库 {path} 是只读的，无法保存。请检查文件权限，或用 --data-dir 指定可写的文件夹",
                          f"database {path} is read-only; check its permissions or choose another folder with --data-dir")
    if isinstance(exc, sqlite3.IntegrityError) or "constraint" in text:
        return StoreError(f"数据库拒绝了本次修改（{text}），未保存任何内容", f"the database refused the change ({text}); nothing was saved")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return damaged(path, text)
    return StoreError(f"数据库 {path} 出错（{text}），本次操作未保存", f"database error in {path}: {text}; nothing was saved")


def _check_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database before SQLite touches it."""
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise StoreError(f"无法读取数据库文件 {path}（{exc.strerror}）", f"cannot read {path}: {exc.strerror}") from None
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise damaged(path, "文件头无效或文件被截断 / bad header or truncated file")
    page_size = int.from_bytes(head[16:18], "big") or 65536
    pages = int.from_bytes(head[28:32], "big")
    size_valid = head[24:28] == head[92:96]  # the in-header size is trusted only then (file format §1.3.8)
    size = path.stat().st_size
    if size_valid and pages and size < page_size * pages and not path.with_name(path.name + "-wal").exists():
        raise damaged(path, f"文件被截断：应有 {page_size * pages} 字节，实有 {size} 字节 / truncated")


QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024


def check_integrity(conn: sqlite3.Connection, path: Path, quick: bool) -> None:
    """quick: what every open runs — the schema is read, and `PRAGMA quick_check` walks the file
    while it is small enough to take well under a second (a township's years of cases are);
    a larger file is fully checked once a day instead (before the daily backup) and by
    `cases check`. Full: `integrity_check` and the foreign keys."""
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if quick and path.stat().st_size > QUICK_CHECK_MAX_BYTES:
        return
    rows = [r[0] for r in conn.execute(f"PRAGMA {'quick_check' if quick else 'integrity_check'}").fetchall()]
    if rows != ["ok"]:
        raise damaged(path, "；".join(rows[:3]))
    if quick:
        return
    bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad_keys:
        raise damaged(path, f"{len(bad_keys)} 处外键不一致 / foreign key violations")


def connect(path: Path, mode: str = "rwc") -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _migrate(store: Store, version: int) -> None:
    if version >= LATEST:
        return
    if version > 0:
        backup.make_backup(store.conn, store.folder, f"before-migration-v{version}")
    for number in range(version, LATEST):
        with store.write():
            current = store.conn.execute("PRAGMA user_version").fetchone()[0]
            if current > number:   # another window migrated first
                continue
            for sql in statements(MIGRATIONS[number]):
                store.conn.execute(sql)
            store.conn.execute(f"PRAGMA user_version = {number + 1}")


def _set_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL; the busy timeout does not cover this pragma, so wait for other windows here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


STALE_TEMP_SECONDS = 3600  # a creation takes well under a second: an hour-old temp file is a killed one's


def _sweep_stale_temp_files(folder: Path) -> None:
    """Remove temp files a killed creation left behind. Another window creating the database at
    this very moment has its own temp files here, young ones that may vanish while we look: only
    files an hour old are touched, and a file that is gone by the time we look is no concern."""
    for stale in folder.glob(".cases-*.new*"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_TEMP_SECONDS:
                stale.unlink(missing_ok=True)
        except OSError:
            continue


def _create(folder: Path, path: Path) -> None:
    """A new database, made whole in a temporary file and then linked into place: another
    window opening the folder at the same moment, or a kill, never sees a half-made file."""
    _sweep_stale_temp_files(folder)
    tmp = folder / f".cases-{uuid.uuid4().hex}.new"
    conn = connect(tmp)
    try:
        _set_wal(conn)
        _migrate(Store(folder, conn), 0)
        marks = receipt_marks.read(folder)
        if marks:  # the database file was lost: its numbers are not issued again
            conn.execute("BEGIN IMMEDIATE")
            receipt_marks.write_floors(conn, marks, at=now(), operator="系统",
                                       why="新建数据库（原数据库文件不在数据文件夹中）")
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    try:
        os.link(tmp, path)        # fails if another window created it first: theirs is kept
    except FileExistsError:
        pass
    except OSError:               # a filesystem without hard links
        if not path.exists():
            os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def daily_check(conn: sqlite3.Connection, path: Path) -> None:
    """The daily check before the day's backup: the file's full integrity check (StoreError stops
    the backup), then the audit chain's verification, remembered for 设置 (a broken chain is
    shown there and by the window, and the backup is still made: it is evidence too)."""
    check_integrity(conn, path, quick=False)
    audit_check.verify_and_record(conn, path.parent, "每日检查")


def daily_backup(folder: Path) -> Path | None:
    """The day's backup (after the daily check) on a connection of its own, so a window
    can run it in the background; None when today's exists or there is nothing to back up (or the
    cases are on a server: its backups are its administrator's)."""
    if location.resolve(folder):
        return None
    path = folder / DB_NAME
    conn = connect(path, mode="rw")
    try:
        return backup.daily(conn, folder, lambda: daily_check(conn, path))
    except sqlite3.DatabaseError as exc:
        raise database_error(exc, path) from None
    finally:
        conn.close()


def _open_error(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    """At open, every SQLite error but a passing condition (busy, full disk, read-only) means the
    file cannot be used: the damaged-database path, with its restore offer."""
    error = database_error(exc, path)
    text = str(exc)
    passing = any(w in text for w in ("disk is full", "locked", "busy", "readonly", "read-only", "unable to open"))
    return error if error.unusable or passing else damaged(path, text)


def _open_server(folder: Path, url: str) -> Store:
    """The store on a PostgreSQL server (engine/store/backends/postgres.py): migrated and checked there;
    backups are the server's business (pg_dump), so none is made here."""
    from .backends import postgres

    conn = postgres.prepare(url)
    store = Store(folder, conn, postgres.Database(conn), backend="postgresql")
    store.path = conn.where   # (in messages: the server, never its password)
    store.url = url
    try:
        chain.seal_pending(store)
    except BaseException:
        conn.close()
        raise
    return store


def open_reader(folder: Path, url: str | None = None) -> Store:
    """Another connection to a database a Store already opened (its folder, or its server's `url`), for
    reading alone, as a what-if worker process does: the opening store has checked and migrated it,
    so nothing is checked, migrated, sealed or backed up here."""
    if url:
        from .backends import postgres

        conn = postgres.connect(url)
        store = Store(folder, conn, postgres.Database(conn), backend="postgresql")
        store.path, store.url = conn.where, url
        return store
    path = folder / DB_NAME
    try:
        return Store(folder, connect(path, mode="ro"))
    except sqlite3.DatabaseError as exc:   # (the opening store checked the file: nothing is called damaged here)
        raise database_error(exc, path) from None


def open_store(data_dir: str | Path | None = None, *, daily_backup: bool = True,
               database_url: str | None = None, local: bool = False) -> Store:
    """Open (creating if new) the case database of the data folder, checked and migrated; or the
    PostgreSQL database the URL names (argument, SANCHONG_DATABASE_URL, the folder's database.json).
    `local`: the folder's SQLite file whatever names a server (cases move-to-server reads it)."""
    folder = datadir.prepare(datadir.resolve(data_dir))
    url = None if local else location.resolve(folder, database_url)
    if url:
        return _open_server(folder, url)
    path = folder / DB_NAME
    if path.exists() and path.stat().st_size == 0 and not backup.list_backups(folder):
        path.unlink()  # an empty file from an older, interrupted first start: it never held a case
    try:
        if not path.exists():
            _create(folder, path)
        _check_file(path)
        conn = connect(path, mode="rw")
    except sqlite3.DatabaseError as exc:
        raise _open_error(exc, path) from None
    except StoreError:
        raise
    except OSError as exc:
        raise StoreError(f"无法创建或读取数据库文件 {path}（{exc.strerror or exc}），请检查磁盘空间和文件夹权限",
                         f"cannot create or read {path} ({exc.strerror or exc}); check disk space and permissions") from None
    except Exception as exc:
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST:
            window, cli, en_hint, found = restore_hint(folder)
            zh = (f"数据库 {path} 由更新版本的程序创建（数据结构版本 {version}，本程序最高支持 {LATEST}）。"
                  f"请安装最新版本的三重保障计算器；原文件不会被改动。如需使用本版本，")
            raise StoreError(zh + window,
                             f"database {path} was written by a newer version (schema {version}, this program knows up to {LATEST}); "
                             f"install the newest version; the file is left untouched; or {en_hint}", found, cli_zh=zh + cli, unusable=True)
        check_integrity(conn, path, quick=True)
        problems = schema.differences(conn, version) if version else ["数据结构版本为 0（空数据库）"]
        if problems:
            raise foreign(path, problems)
        conn.execute("PRAGMA foreign_keys = ON")
        _set_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        store = Store(folder, conn)
        _migrate(store, version)
        store.anchor.open(conn)
        chain.seal_pending(store)
        if daily_backup:  # (the window runs it in the background instead: daily_backup(folder))
            backup.daily(store.conn, folder, lambda: daily_check(conn, path))
        return store
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise _open_error(exc, path) from None
    except (StoreError, InputError, PolicyDataError):  # (the policy files' or a local version's own messages)
        conn.close()
        raise
    except Exception as exc:  # corrupt schema bytes (UnicodeDecodeError), anything: the damaged-database path
        conn.close()
        raise damaged(path, f"{type(exc).__name__}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
