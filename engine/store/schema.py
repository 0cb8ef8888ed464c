"""Is a database this program's? Its schema compared with the one the migrations produce.

A database is the app's only if every table, column, index, trigger and view in its
sqlite_master is exactly what the migrations create for its PRAGMA user_version: an extra
trigger (one that rewrites every new case, say), a missing protective trigger, a view in
place of a table or other columns are each a foreign schema, refused by name. The reference
schema is built once per process by running the migrations into an in-memory database.
"""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from . import migrations
from .migrations import statements

KINDS = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}
# objects SQLite makes on its own: the statistics tables of ANALYZE (they steer the query
# planner, never a result); AUTOINCREMENT's sqlite_sequence is not among them (no table has it)
SQLITE_OWN = {"sqlite_stat1", "sqlite_stat4"}


def _norm(sql: str | None) -> str | None:
    return None if sql is None else re.sub(r"\s+", " ", sql).strip()


Schema = dict[str, tuple[str, str, str | None]]   # name -> (type, table, normalized sql)


def read(conn: sqlite3.Connection) -> Schema:
    """The schema objects of the main database of `conn`, by name."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master").fetchall()
    return {name: (kind, table, _norm(sql)) for kind, name, table, sql in rows
            if not (kind == "table" and name == table and name in SQLITE_OWN)}  # a trigger so named is not skipped


def columns(conn: sqlite3.Connection, table: str) -> list[tuple]:
    rows = conn.execute("SELECT name, type, \"notnull\", dflt_value, pk, hidden "
                        "FROM pragma_table_xinfo(?)", (table,)).fetchall()
    return [tuple(r) for r in rows]


@lru_cache(maxsize=None)
def _reference(scripts: tuple[str, ...]) -> tuple[Schema, dict[str, list[tuple]]]:

    conn = sqlite3.connect(":memory:")
    try:
        for script in scripts:
            for sql in statements(script):
                conn.execute(sql)
        schema = read(conn)
        cols = {name: columns(conn, name) for name, (kind, _, _) in schema.items() if kind in ("table", "view")}
        return schema, cols
    finally:
        conn.close()


def reference(version: int) -> tuple[Schema, dict[str, list[tuple]]]:
    """The schema (and the tables' columns) the migrations produce for `version`."""
    return _reference(tuple(migrations.MIGRATIONS[:version]))


def _what(kind: str, name: str) -> str:
    return f"{KINDS.get(kind, kind)} {name}"


def differences(conn: sqlite3.Connection, version: int) -> list[str]:
    """How the schema of `conn` differs from this program's for `version`, in Chinese, one
    object a line; empty when it is the same."""
    want, want_cols = reference(version)
    have = read(conn)
    out = []
    for name, (kind, table, sql) in want.items():
        if name not in have:
            out.append(f"缺少{_what(kind, name)}")
            continue
        h_kind, h_table, h_sql = have[name]
        if h_kind != kind:
            out.append(f"{name} 应为{KINDS.get(kind, kind)}，实为{KINDS.get(h_kind, h_kind)}")
        elif h_table != table:
            out.append(f"{_what(kind, name)} 应属于表 {table}，实属于 {h_table}")
        elif h_sql != sql:
            if kind == "table":
                got = columns(conn, name)
                gone = [c[0] for c in want_cols[name] if c[0] not in {g[0] for g in got}]
                extra = [g[0] for g in got if g[0] not in {c[0] for c in want_cols[name]}]
                parts = ([f"缺少列 {'、'.join(gone)}"] if gone else []) + ([f"多出列 {'、'.join(extra)}"] if extra else [])
                out.append(f"{_what(kind, name)} 的" + ("，".join(parts) if parts else "列或约束与本程序不同"))
            else:
                out.append(f"{_what(kind, name)} 的定义与本程序不同")
    for name, (kind, table, _) in have.items():
        if name not in want:
            on = f"（在表 {table} 上）" if kind in ("trigger", "index") else ""
            out.append(f"多出{_what(kind, name)}{on}")
    return out
