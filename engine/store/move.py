"""Moving an office from its SQLite data folder to a PostgreSQL server (`cases move-to-server`).

Every table is copied row for row (ids, receipt numbers, the audit rows with their chain) in one
transaction on the server, then checked inside that transaction before it commits: the same rows
in every table, the audit chain verifies, and every person's year ledger is the same on both. A
server database that already holds data is refused; the SQLite file is only read. Afterwards the
clerk switches 设置 → 数据库 to the server.

The order of the copy follows the protecting triggers (migrations.py): accounts and settings before
the cases (a case saved while the office had no account is 免审, so the accounts come first and
each case's review state is put back as stored), the cases before the local policy versions (a case
is checked against the versions dated before it, which it had applied when it was saved), and a
voided case is voided after its 补差 records are in (补差 is refused for a void case).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .database import Store, audit
from .errors import StoreError

# tables in copy order; a table not listed (added by a later migration) follows, in the file's order
ORDER = ("settings", "accounts", "offices", "office_names", "persons", "person_identities", "cases", "receipts",
         "receipt_prints", "resettlements", "policy_versions", "policy_proposals", "audit", "bundle_exports",
         "bundle_imports", "imported_audit")
SEEDED = ("settings",)   # rows a fresh server database may hold already (the migrations' own flags)
SERVER_ONLY = ("schema_version", "write_lock")
NAMES = {"settings": "设置", "accounts": "账户", "offices": "经办点", "office_names": "经办点名称", "persons": "人员",
         "person_identities": "人员身份", "cases": "案件", "receipts": "回执号", "receipt_prints": "打印记录",
         "resettlements": "补差", "policy_versions": "政策参数版本", "policy_proposals": "政策参数待审批",
         "audit": "操作记录", "bundle_exports": "数据包导出记录", "bundle_imports": "数据包导入记录",
         "imported_audit": "导入的操作记录"}


@dataclass(frozen=True, slots=True)
class Moved:
    target: str                  # the server, without its password
    rows: dict[str, int]         # table -> rows copied
    ledgers: int                 # person-years whose ledgers were compared
    audit_rows: int              # audit rows verified on the server (the move's own row included)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "rows": self.rows, "ledgers": self.ledgers, "audit_rows": self.audit_rows}


def copy_order(found: list[str]) -> list[str]:
    """Tables in the order they are copied: ORDER, then any other (a later migration's) in the file's order."""
    return [t for t in ORDER if t in found] + [t for t in found if t not in ORDER]


def _tables(source: Store) -> list[str]:
    return copy_order([r["name"] for r in source.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")])


def _columns(source: Store, table: str) -> list[str]:
    return [r["name"] for r in source.query(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")]


def _rows(conn, table: str, columns: list[str]) -> list[tuple]:
    return [tuple(r) for r in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1").fetchall()]


def _check_target(conn, tables: list[str]) -> None:
    """The server database must be this program's and hold nothing yet (but the migrations' flags)."""
    have = {r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
    missing = [t for t in tables if t not in have]
    if missing:
        raise StoreError(f"服务器上的数据库 {conn.where} 缺少数据表（{'、'.join(missing)}），与本机数据的版本不一致。"
                         f"请先把本程序和服务器上的数据库升级到同一版本",
                         f"the server's database lacks the tables {', '.join(missing)}")
    held = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables if t not in SEEDED}
    cases = held.get("cases", 0)
    if cases:
        raise InputError("--database-url", f"服务器上的数据库 {conn.where} 已有 {cases} 件案件，不能把本机数据迁入（迁入只用于空的数据库，"
                                           f"以免两份数据混在一起）。本机和服务器都没有做任何改动。请让管理员新建一个空数据库再迁移",
                         f"the server's database {conn.where} already holds {cases} cases; moving needs an empty database; "
                         f"nothing was changed")
    others = {t: n for t, n in held.items() if n}
    if others:
        listed = "、".join(f"{NAMES.get(t, t)} {n} 行" for t, n in others.items())
        raise InputError("--database-url", f"服务器上的数据库 {conn.where} 已有数据（{listed}），不能把本机数据迁入。"
                                           f"本机和服务器都没有做任何改动。请让管理员新建一个空数据库再迁移",
                         f"the server's database {conn.where} already holds rows ({', '.join(others)}); nothing was changed")


def _copy(source: Store, conn, tables: list[str]) -> dict[str, int]:
    from .backends.postgres import _error
    import psycopg

    copied: dict[str, int] = {}
    voided: list[int] = []
    reviews: dict[int, str] = {}
    for table in tables:
        columns = _columns(source, table)
        rows = _rows(source.conn, table, columns)
        if table in SEEDED:
            conn.execute(f"DELETE FROM {table}")
        if table == "cases":
            void_at, review_at, id_at = columns.index("void"), columns.index("review"), columns.index("id")
            voided = [r[id_at] for r in rows if r[void_at] == 1]
            reviews = {r[id_at]: r[review_at] for r in rows}
            rows = [r[:void_at] + (0,) + r[void_at + 1:] for r in rows]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        try:
            with conn.raw.cursor() as cur:
                cur.executemany(sql, rows)
        except psycopg.Error as exc:
            raise _error(exc, conn.where) from None
        copied[table] = len(rows)
        if table == "cases":   # the review trigger may have made a case 免审: as stored
            stored = dict(conn.execute("SELECT id, review FROM cases").fetchall())
            for case_id, review in reviews.items():
                if stored.get(case_id) != review:
                    conn.execute("UPDATE cases SET review = ? WHERE id = ?", (review, case_id))
    for case_id in voided:   # after their 补差 records
        conn.execute("UPDATE cases SET void = 1 WHERE id = ?", (case_id,))
    return copied


def _ledgers(store: Store) -> dict[tuple[str, int, str], dict]:
    from .queries import year_ledger

    out = {}
    for row in store.query("SELECT DISTINCT p.id_number, c.policy_year, c.region FROM cases c "
                           "JOIN persons p ON p.id = c.person_id ORDER BY 1, 2, 3"):
        key = (row["id_number"], int(row["policy_year"]), row["region"])
        out[key] = year_ledger(store, key[0], key[1], key[2])
    return out


def _differs(a: list[tuple], b: list[tuple]) -> int | None:
    """The index of the first row that differs, both sides sorted alike (the server's collation may
    order text otherwise), values compared as text (1 and 1.0, '1' and 1 alike); None when equal."""
    def norm(row: tuple) -> tuple:
        return tuple(v if v is None or isinstance(v, str) else
                     str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in row)

    here, there = sorted(map(norm, a), key=repr), sorted(map(norm, b), key=repr)
    for i, (x, y) in enumerate(zip(here, there)):
        if x != y:
            return i
    return None if len(here) == len(there) else min(len(here), len(there))


def move(source: Store, url: str, *, operator: str) -> Moved:
    """Copy the SQLite store `source` into the empty PostgreSQL database at `url` and check it (see
    the module's doc). Nothing is written to `source`; on the server, all or nothing."""
    from . import chain
    from .backends import postgres

    if source.backend != "sqlite":
        raise StoreError("迁移到服务器只能从本机数据文件开始：当前已在使用数据库服务器",
                         "moving to a server starts from the local SQLite file; this store is already on a server")
    before = chain.verify(source.db)
    if before.broken is not None:
        raise StoreError(f"本机数据的操作记录校验未通过（{before.broken.zh}），不能迁移。请先由管理员核实（cases audit-verify）",
                         f"the local audit chain does not verify ({before.broken.en}); not moved")
    tables = _tables(source)
    conn = postgres.prepare(url)
    target = Store(source.folder, conn, postgres.Database(conn), backend="postgresql")
    target.path = conn.where
    try:
        _check_target(conn, tables)
        conn.execute("BEGIN IMMEDIATE")
        try:
            _check_target(conn, tables)   # (again, under the write lock: another window may have begun)
            copied = _copy(source, conn, tables)
            _verify(source, target, tables, copied)
            ledgers = _ledgers(source)
            if _ledgers(target) != ledgers:
                raise StoreError("迁移后服务器上的人员台账与本机不一致，已撤销，服务器上没有留下任何数据。请联系开发人员",
                                 "the ledgers on the server differ from the local ones; rolled back")
            total = sum(copied.values())
            audit(target.db, operator, "move-to-server",
                  f"从本机数据文件迁入：案件 {copied.get('cases', 0)} 件，人员 {copied.get('persons', 0)} 人，"
                  f"共 {total} 行，逐表核对一致")
            after = chain.verify(target.db)
            if after.broken is not None:
                raise StoreError(f"迁移后服务器上的操作记录校验未通过（{after.broken.zh}），已撤销，服务器上没有留下任何数据。请联系开发人员",
                                 f"the audit chain on the server does not verify ({after.broken.en}); rolled back")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return Moved(conn.where, copied, len(ledgers), after.rows)


def _verify(source: Store, target: Store, tables: list[str], copied: dict[str, int]) -> None:
    """Inside the copy's transaction: every table holds the same rows on the server as in the file."""
    for table in tables:
        columns = _columns(source, table)
        here, there = _rows(source.conn, table, columns), _rows(target.conn, table, columns)
        at = _differs(here, there)
        if at is not None:
            raise StoreError(f"迁移后服务器上的「{NAMES.get(table, table)}」（{table}）与本机不一致（本机 {len(here)} 行，"
                             f"服务器 {len(there)} 行，第 {at + 1} 行起不同），已撤销，服务器上没有留下任何数据。请联系开发人员",
                             f"table {table} differs after the copy ({len(here)} rows here, {len(there)} there, from row "
                             f"{at + 1}); rolled back")

