"""`audit-verify` as one call: the hash chain (engine/store/chain.py) and its anchor outside the
file (engine/store/anchor.py); the last verification is remembered (time, result, row count) for
设置, whether it ran from the button, the command line or the daily check (before the daily
backup, engine/store/database.py)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import clock
from . import anchor, chain

SETTING = "audit_last_verified"


def verify(conn: sqlite3.Connection, folder: Path, db: sqlite_utils.Database | None = None) -> chain.Verdict:
    """The chain walked and compared with what is stored, then the anchor checked against it (a SQLite
    file's: the anchor sits beside it in the data folder; a server has none). `db`: the store's (on
    PostgreSQL its facade); made from `conn` when not given."""
    if db is None:
        if isinstance(conn, sqlite3.Connection):
            db = sqlite_utils.Database(conn)
        else:   # a server (backends/postgres)
            from .backends.postgres import Database

            db = Database(conn)
    verdict = chain.verify(db)
    if verdict.ok and isinstance(conn, sqlite3.Connection):
        problem = anchor.check_locked(conn, folder)
        if problem is not None:
            return chain.Verdict(verdict.rows, verdict.chained, verdict.cases, verdict.head,
                                 chain.Broken(None, problem.zh, problem.en))
    return verdict


def record(conn: sqlite3.Connection, verdict: chain.Verdict, how: str) -> dict[str, Any]:
    """Remember this verification (its own small write; the setting is not part of the chain)."""
    last = {"at": clock.now().isoformat(timespec="seconds"), "ok": verdict.ok, "rows": verdict.rows,
            "cases": verdict.cases, "how": how, "problem": verdict.broken.zh if verdict.broken else "",
            "row": verdict.broken.row if verdict.broken else None}
    try:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                     (SETTING, json.dumps(last, ensure_ascii=False)))
    except sqlite3.OperationalError:   # a read-only copy, or busy beyond the timeout: the verdict still stands
        pass
    return last


def verify_and_record(conn: sqlite3.Connection, folder: Path, how: str,
                      db: sqlite_utils.Database | None = None) -> chain.Verdict:
    verdict = verify(conn, folder, db)
    record(conn, verdict, how)
    return verdict


def last(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The last verification: at, ok, rows, cases, how (按钮 / 命令行 / 每日检查), problem, row; None if never."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING,)).fetchone()
    if not row:
        return None
    try:
        found = json.loads(row[0])
        return found if isinstance(found, dict) and "ok" in found else None
    except ValueError:   # a value written by an earlier version (free text): not a result to show
        return None


def text(found: dict[str, Any] | None) -> str:
    """The last verification as 设置 shows it."""
    if not found:
        return "尚未校验操作记录。"
    at = found["at"][:16].replace("T", " ")
    head = f"上次校验：{at}（{found.get('how', '')}），共 {found['rows']} 条操作记录、{found['cases']} 件案件"
    return head + ("，完好。" if found["ok"] else f"，发现问题：{found['problem']}")
