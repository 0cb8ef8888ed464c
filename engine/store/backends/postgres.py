"""The case store on PostgreSQL (psycopg 3): the small part of sqlite-utils' API the store uses.

`Database` offers what engine/store/* calls on sqlite-utils: `db["t"].insert(row).last_pk`,
`.update(pk, values)`, `.upsert(row, pk=)`, `db.query(sql, params)` (dicts), `db.execute(sql,
params)` and `db.conn.execute(...)` (cursors of tuples), with SQLite's SQL translated by
engine/store/dialect.py. So the store's modules run unchanged on both backends.

Writers: `BEGIN IMMEDIATE` (Store.write) becomes BEGIN plus a row lock (SELECT … FOR UPDATE) on
the one row of `write_lock`, held until COMMIT: one writer at a time, as on SQLite, so a receipt
number (the next after the highest stored, engine/store/cases.py) is taken under that row lock in
the saving transaction — no gaps, no duplicates across windows — and the audit chain's next row
follows the last committed one. Readers never wait (MVCC).

Schema: the SQLite migrations through dialect.ddl(), their triggers from pg_schema, numbered in
`schema_version`. Backups are the server's (pg_dump); `cases backup` writes a portable export.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import psycopg
from psycopg import conninfo, errors

from .. import dialect
from ..errors import PasswordNeeded, StoreError
from ..migrations import LATEST, MIGRATIONS, statements
from . import pg_schema

LOCK_TABLE = "write_lock"
MIGRATION_LOCK = 0x53414E43   # pg_advisory_lock key while migrating ('SANC')
CONNECT_TIMEOUT = 5


def display(url: str) -> str:
    """The URL as it may be shown or logged: never its password."""
    try:
        info = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "（无效的数据库地址）"
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}:{port}/{info.get('dbname') or ''}"


def connect_error(exc: Exception, url: str) -> StoreError:
    """A clear message for a server that cannot be reached or refuses us."""
    text = str(exc)
    where = display(url)
    if "password authentication failed" in text or "no password supplied" in text:
        return PasswordNeeded(f"数据库服务器 {where} 拒绝了登录：用户名或密码不正确。请核对密码（设置 → 数据库）后重试",
                              f"the server {where} refused the login: wrong user name or password")
    elif "does not exist" in text and "database" in text:
        zh = f"数据库服务器 {where} 上没有这个数据库。请核对数据库名，或请管理员先建好数据库"
        en = f"the database does not exist on {where}"
    elif "translate host name" in text or "resolve host" in text or "Name or service not known" in text:
        zh = f"找不到数据库服务器 {where}：主机名不正确或网络不通。请核对服务器地址"
        en = f"cannot find the server {where}: wrong host name or no network"
    elif "Connection refused" in text or "timeout" in text.lower() or "No route to host" in text:
        zh = f"连接不上数据库服务器 {where}：服务器未启动、端口不对或被防火墙阻挡。请联系管理员检查服务器"
        en = f"cannot connect to {where}: the server is down, the port is wrong, or a firewall blocks it"
    elif "invalid" in text.lower() and ("dsn" in text.lower() or "conninfo" in text.lower() or "URI" in text):
        zh = f"数据库地址无效（{where}），应为 postgresql://用户@主机:端口/数据库"
        en = "invalid database URL; expected postgresql://user@host:port/dbname"
    else:
        zh = f"无法连接数据库服务器 {where}（{text.strip().splitlines()[-1] if text.strip() else type(exc).__name__}）"
        en = f"cannot connect to {where}: {text.strip()}"
    return StoreError(zh, en)


def _text(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    text = (diag.message_primary if diag is not None and diag.message_primary else str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def lost(where: str, doing: str, reason: str) -> StoreError:
    """The connection to the server broke during an action (a restart, a network cut). `doing`:
    "write" (a transaction: rolled back by the server), "commit" (the COMMIT's answer never came:
    it may have committed), or "read"."""
    if doing == "commit":
        return StoreError(f"与数据库服务器的连接在提交时中断（{where}：{reason}），本次保存可能已完成也可能未完成。"
                          f"服务器恢复后请先查询确认，再决定是否重新保存",
                          f"the connection to {where} broke while committing ({reason}); the change may or may not "
                          f"have been saved: check before saving again", maybe_saved=True)
    if doing == "write":
        return StoreError(f"与数据库服务器的连接中断，本次保存未完成，请重试（{where}：{reason}；"
                          f"服务器已撤销这次未完成的修改，服务器恢复后重试即可）",
                          f"the connection to {where} broke ({reason}); nothing of this change was saved "
                          f"(the server rolled it back); try again once the server is back")
    return StoreError(f"与数据库服务器的连接中断，本次操作未完成，请重试（{where}：{reason}；未改动任何数据。"
                      f"如服务器仍未恢复，请检查网络或联系管理员）",
                      f"the connection to {where} broke ({reason}); try again once the server is back")


def _error(exc: psycopg.Error, where: str) -> StoreError:
    """A clear StoreError for an error met while using the database."""
    text = _text(exc)
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, errors.QueryCanceled):
        return lost(where, "write", text)
    if isinstance(exc, (psycopg.IntegrityError, errors.RaiseException)):
        return StoreError(f"数据库拒绝了本次修改（{text}），未保存任何内容", f"the database refused the change ({text}); nothing was saved")
    if isinstance(exc, errors.DiskFull):
        return StoreError(f"数据库服务器 {where} 磁盘空间已满，本次操作未保存任何内容。请联系管理员",
                          f"the server {where} is out of disk space; nothing was saved")
    if isinstance(exc, (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure)):
        return StoreError(f"数据库 {where} 正被其他窗口长时间占用，本次操作未保存。请稍后重试",
                          f"database {where} is busy in another window; nothing was saved; try again shortly")
    return StoreError(f"数据库 {where} 出错（{text}），本次操作未保存", f"database error in {where}: {text}; nothing was saved")


class Cursor:
    """Rows as tuples, like sqlite3's cursor."""

    def __init__(self, cur: psycopg.Cursor | None):
        self._cur = cur

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone() if self._cur is not None and self._cur.description else None

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall() if self._cur is not None and self._cur.description else []

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())

    @property
    def description(self):
        return self._cur.description if self._cur is not None else None

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount if self._cur is not None else -1


READ_ONLY = re.compile(r"\s*(SELECT|SHOW|EXPLAIN|VALUES)\b", re.I)
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE|GRANT|SET|NEXTVAL|SETVAL)\b|FOR\s+UPDATE", re.I)


class Connection:
    """A psycopg connection (autocommit: a statement outside BEGIN is its own transaction) that
    takes SQLite's SQL.

    The server may drop the connection while the window is open (a restart, a network cut). The
    next action then connects again, when no transaction was open: a BEGIN or a read outside a
    transaction that meets a dropped connection is run again once on a new one (neither had done
    anything). A write is never run again: inside a transaction the server rolls it back, and the
    clerk is told 「本次保存未完成，请重试」 (engine/store/backends/postgres.lost); a COMMIT whose
    answer never came may have committed, and is reported as such."""

    def __init__(self, raw: psycopg.Connection, url: str):
        self.raw = raw
        self.where = display(url)
        self._url = url
        self._open_tx = False   # BEGIN sent, COMMIT/ROLLBACK not yet
        self._keys: dict[str, tuple[str, ...]] | None = None

    # --- what sqlite3.Connection offers and the store uses ---
    def execute(self, sql: str, params: Iterable | None = ()) -> Cursor:
        verb = sql.strip().upper()
        if verb in ("BEGIN", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "BEGIN DEFERRED"):
            self._begin(lock=verb != "BEGIN DEFERRED")
            return Cursor(None)
        if verb in ("ROLLBACK", "COMMIT", "END"):
            return self._finish(verb)
        return self._run(self.translate(sql), tuple(params or ()))

    def executemany(self, sql: str, rows: Iterable[Iterable]) -> None:
        try:   # psycopg sends the rows in one pipeline, not one round trip each (a bundle's 100,000 cases)
            with self.raw.cursor() as cur:
                cur.executemany(self.translate(sql), [tuple(row) for row in rows])
        except psycopg.Error as exc:
            raise _error(exc, self.where) from None

    @property
    def in_transaction(self) -> bool:
        if self.dropped:   # the server rolled it back when the connection went: the caller's
            self._open_tx = False   # transaction is over (Store.write asks this before its ROLLBACK)
            return False
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def dropped(self) -> bool:
        return self.raw.closed or self.raw.broken

    def close(self) -> None:
        self.raw.close()

    # --- ours ---
    def translate(self, sql: str) -> str:
        keys = self.primary_keys() if re.match(r"\s*INSERT\s+OR\s+REPLACE", sql, re.I) else {}
        return dialect.statement(sql, tuple(sorted(keys.items())))

    def ensure(self, doing: str = "read") -> None:
        """Before an action outside a transaction: a connection the server dropped is replaced."""
        if not self.dropped:
            return
        try:
            fresh = psycopg.connect(self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                    application_name="sanchong")
        except (psycopg.Error, ValueError) as exc:
            why = connect_error(exc, self._url)
            raise lost(self.where, doing, why.zh) from None
        self.raw.close()
        self.raw = fresh

    def _begin(self, lock: bool) -> None:
        if self._open_tx and self.dropped:
            self._open_tx = False   # (an earlier transaction that died with its connection)
        statements = ["BEGIN"] + ([f"SELECT id FROM {LOCK_TABLE} WHERE id = 1 FOR UPDATE"] if lock else [])
        for attempt in (1, 2):
            self.ensure("write")
            try:
                for sql in statements:
                    self.raw.execute(sql)
            except psycopg.OperationalError as exc:
                if self.dropped and attempt == 1:
                    continue   # dropped before anything was written: a new connection, once
                self._abandon()
                raise (lost(self.where, "write", _text(exc)) if self.dropped else _error(exc, self.where)) from None
            except psycopg.Error as exc:
                self._abandon()
                raise _error(exc, self.where) from None
            self._open_tx = True
            return

    def _abandon(self) -> None:
        if not self.dropped and self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                self.raw.execute("ROLLBACK")
            except psycopg.Error:
                pass

    def _finish(self, verb: str) -> Cursor:
        was_open, self._open_tx = self._open_tx, False
        if self.dropped:
            if verb == "ROLLBACK":
                return Cursor(None)   # the server rolled it back when the connection went
            raise lost(self.where, "write", "连接已断开")
        try:
            return Cursor(self.raw.execute(verb))
        except psycopg.OperationalError as exc:
            if self.dropped and verb != "ROLLBACK" and was_open:
                raise lost(self.where, "commit", _text(exc)) from None
            if self.dropped:
                return Cursor(None)
            raise _error(exc, self.where) from None
        except psycopg.Error as exc:
            raise _error(exc, self.where) from None

    def _run(self, sql: str, params: tuple) -> Cursor:
        if self._open_tx:
            if self.dropped:
                raise lost(self.where, "write", "连接已断开")
            try:
                return Cursor(self.raw.execute(sql, params))
            except psycopg.Error as exc:
                raise (lost(self.where, "write", _text(exc)) if self.dropped else _error(exc, self.where)) from None
        idle = self.dropped or self.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        rerun = idle and bool(READ_ONLY.match(sql)) and not WRITES.search(sql)   # (not inside raw.transaction())
        for attempt in (1, 2):
            self.ensure("read" if rerun else "write")
            try:
                return Cursor(self.raw.execute(sql, params))
            except psycopg.Error as exc:
                if self.dropped and rerun and attempt == 1:
                    continue   # a read outside a transaction: run again once on a new connection
                if self.dropped:
                    raise lost(self.where, "read" if rerun else "write", _text(exc)) from None
                raise _error(exc, self.where) from None
        raise AssertionError("unreachable")

    def primary_keys(self) -> dict[str, tuple[str, ...]]:
        if self._keys is None:
            rows = self._run(
                "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
                "AND kcu.table_schema = tc.table_schema "
                "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
                "ORDER BY tc.table_name, kcu.ordinal_position", ()).fetchall()
            keys: dict[str, tuple[str, ...]] = {}
            for table, column in rows:
                keys[table] = keys.get(table, ()) + (column,)
            self._keys = keys
        return self._keys

    def forget_keys(self) -> None:
        self._keys = None


class Table:
    def __init__(self, db: "Database", name: str):
        self.db, self.name = db, name
        self.last_pk: Any = None

    def _key(self) -> tuple[str, ...]:
        return self.db.conn.primary_keys().get(self.name) or ("id",)

    def insert(self, row: dict[str, Any]) -> "Table":
        cols = list(row)
        key = self._key()
        sql = (f"INSERT INTO {self.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
               f"RETURNING {', '.join(key)}")
        got = self.db.conn.execute(sql, [row[c] for c in cols]).fetchone()
        self.last_pk = got[0] if len(key) == 1 else got
        return self

    def update(self, pk: Any, values: dict[str, Any]) -> "Table":
        key = self._key()
        pks = pk if isinstance(pk, (tuple, list)) else (pk,)
        cols = list(values)
        if cols:
            self.db.conn.execute(f"UPDATE {self.name} SET {', '.join(f'{c} = ?' for c in cols)} "
                                 f"WHERE {' AND '.join(f'{k} = ?' for k in key)}", [values[c] for c in cols] + list(pks))
        self.last_pk = pk
        return self

    def upsert(self, row: dict[str, Any], pk: str | tuple[str, ...]) -> "Table":
        keys = (pk,) if isinstance(pk, str) else tuple(pk)
        cols = list(row)
        rest = [c for c in cols if c not in keys]
        action = f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in rest)}" if rest else "DO NOTHING"
        self.db.conn.execute(f"INSERT INTO {self.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                             f"ON CONFLICT ({', '.join(keys)}) {action}", [row[c] for c in cols])
        self.last_pk = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        return self


class Database:
    """sqlite_utils.Database's subset, on a PostgreSQL connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def __getitem__(self, name: str) -> Table:
        return Table(self, name)

    def execute(self, sql: str, params: Iterable | None = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Iterable | None = ()) -> Iterator[dict]:
        cur = self.conn.execute(sql, params)
        if not cur.description:
            return iter(())
        names = [d.name for d in cur.description]
        return (dict(zip(names, row)) for row in cur.fetchall())


def connect(url: str) -> Connection:
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                              application_name="sanchong")
    except (psycopg.Error, ValueError) as exc:
        raise connect_error(exc, url) from None
    return Connection(raw, url)


def test_connection(url: str) -> str:
    """「测试连接」: the server's version and what it holds of ours, or a StoreError saying what is wrong."""
    conn = connect(url)
    try:
        version = conn.raw.execute("SHOW server_version").fetchone()[0]
        schema = current_version(conn)
    finally:
        conn.close()
    held = "尚未建立本程序的数据表（首次使用时自动建立）" if schema is None else f"数据结构版本 {schema}"
    return f"连接成功：PostgreSQL {version}，{held}"


# --- schema ---

def current_version(conn: Connection) -> int | None:
    if conn.raw.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return None
    row = conn.raw.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _ours(conn: Connection) -> list[str]:
    return [r[0] for r in conn.raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1").fetchall()]


def migration_statements(number: int) -> list[tuple[str, bool]]:
    """Migration `number` (1-based) for PostgreSQL: its plain statements (translated when run, True),
    then its triggers as pg_schema writes them (run as they are, False)."""
    out: list[tuple[str, bool]] = []
    names = []
    dropped = []
    for sql in statements(MIGRATIONS[number - 1]):
        name = dialect.trigger_name(sql)
        if name:
            names.append(name)
            continue
        drop = re.match(r"\s*DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)", sql, re.I)
        if drop:   # (a trigger replaced: pg_schema drops and creates its PostgreSQL form under this number)
            dropped.append(drop.group(1))
            continue
        try:
            translated, rowid_table = dialect.ddl(sql)
        except dialect.Untranslatable as exc:
            raise StoreError(f"本程序的数据结构第 {number} 版含有不能在服务器上执行的语句（{exc}）。请联系开发人员",
                             f"migration {number} has a statement with no PostgreSQL form: {exc}") from None
        out.append((translated, True))
        if rowid_table:
            out.append((pg_schema.rowid_trigger(rowid_table), False))
    extra = pg_schema.TRIGGERS.get(number, [])
    pg_dropped = {m.group(1) for sql in extra for m in re.finditer(r"DROP TRIGGER (?:IF EXISTS )?(\w+)", sql)}
    missing = sorted((set(names) - set(pg_schema.trigger_names(extra))) | (set(dropped) - pg_dropped))
    if missing:
        raise StoreError(f"本程序的数据结构第 {number} 版含有尚无 PostgreSQL 写法的触发器（{', '.join(missing)}），"
                         f"不能在服务器上使用。请联系开发人员",
                         f"migration {number} has triggers without a PostgreSQL form: {', '.join(missing)}")
    return out + [(sql, False) for sql in extra]


def _migrate(conn: Connection, have: int | None) -> None:
    raw = conn.raw
    if have is None:
        with raw.transaction():
            raw.execute(pg_schema.FUNCTIONS)
            raw.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            raw.execute(f"CREATE TABLE {LOCK_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1))")
            raw.execute(f"INSERT INTO {LOCK_TABLE} VALUES (1)")
            raw.execute("INSERT INTO schema_version (version) VALUES (0)")
        have = 0
    for number in range(have + 1, LATEST + 1):
        with raw.transaction():
            for sql, translate in migration_statements(number):
                conn.forget_keys()   # (a table created above is known to INSERT OR REPLACE below)
                if translate:
                    conn.execute(sql)
                else:
                    raw.execute(sql)
            raw.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
        conn.forget_keys()


def expected_triggers(version: int) -> set[str]:
    """The triggers the migrations up to `version` leave on PostgreSQL (created, less those dropped)."""
    names: set[str] = set()
    for number in range(1, version + 1):
        for sql, _ in migration_statements(number):
            names -= {m.group(1) for m in re.finditer(r"DROP TRIGGER (?:IF EXISTS )?(\w+)", sql)}
            names |= set(pg_schema.trigger_names([sql]))
    return names


def prepare(url: str) -> Connection:
    """Connect, check the version, migrate (one window at a time), and check the triggers are all there."""
    conn = connect(url)
    try:
        raw = conn.raw
        raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            have = current_version(conn)
            if have is None and _ours(conn):
                raise StoreError(f"数据库服务器 {conn.where} 上的这个数据库已有其他数据表，不是本程序的数据库。请为本程序新建一个空数据库",
                                 f"the database at {conn.where} holds other tables; it is not this program's; create an empty one")
            if have is not None and have > LATEST:
                raise StoreError(f"服务器上的数据库 {conn.where} 由更新版本的程序建立（数据结构版本 {have}，本程序最高支持 {LATEST}）。"
                                 f"请安装最新版本的三重保障计算器；数据库不会被改动",
                                 f"the database at {conn.where} was written by a newer version (schema {have}, this program "
                                 f"knows up to {LATEST}); install the newest version")
            if have is None or have < LATEST:
                try:
                    _migrate(conn, have)
                except psycopg.Error as exc:
                    raise _error(exc, conn.where) from None
        finally:
            raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        present = {r[0] for r in raw.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'").fetchall()}
        missing = sorted(expected_triggers(LATEST) - present)
        if missing:
            raise StoreError(f"服务器上的数据库 {conn.where} 缺少保护数据的触发器（{'、'.join(missing[:4])}），可能被直接改动过。"
                             f"请联系管理员检查；本程序不会写入",
                             f"the database at {conn.where} lacks the triggers {', '.join(missing)}; it may have been altered")
        return conn
    except BaseException:
        conn.close()
        raise


# --- the portable export that stands in for a backup file ---

def export_tables(conn: Connection, target: Path | None, folder: Path) -> Path:
    """Every table of the store as JSON (one object: table -> rows, read in one snapshot), written
    whole then renamed; `target` None: into the data folder's backups folder, named by the time."""
    from ... import clock

    made_at = clock.now().isoformat(timespec="seconds")
    if target is None:
        target = folder / "backups" / f"server-export-{clock.now():%Y-%m-%d-%H%M%S}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
    conn.ensure()
    tables = [t for t in _ours(conn) if t not in ("schema_version", LOCK_TABLE)]
    doc: dict[str, Any] = {"format": "sanchong-export/1", "made_at": made_at, "schema_version": current_version(conn),
                           "source": conn.where, "tables": {}}
    try:
        with conn.raw.transaction():
            conn.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for table in tables:
                cur = conn.raw.execute(f"SELECT * FROM {table} ORDER BY 1")
                names = [d.name for d in cur.description]
                doc["tables"][table] = [dict(zip(names, row)) for row in cur.fetchall()]
    except psycopg.Error as exc:
        raise _error(exc, conn.where) from None
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"无法写入导出文件 {target}（{exc.strerror or exc}）。请检查磁盘空间和文件夹权限",
                         f"cannot write the export {target} ({exc.strerror or exc})") from None
    return target
