"""The audit chain's anchor outside the database file: `audit-anchor.json` in the data folder
holds the id and hash of the last audit row, rewritten inside every write transaction that
appends rows (under the write lock, just before COMMIT, so two windows never write it out of
order; put back if the COMMIT fails).

It catches what the file alone cannot show (engine/store/chain.py):
- a database file replaced by an older copy without this program's restore (which writes an
  audit row and moves the anchor): the anchor names a row the database does not have;
- the whole chain rewritten consistently: the anchored row's hash is no longer in the chain;
- the anchor file removed: the database says it was anchored (setting `audit_anchor`).

The check runs at every open and with `audit-verify`. A problem found stays reported (the anchor
is not moved) until a 管理员 confirms it (`cases audit-accept --reason R`, an audit row) or a
backup is restored through the program.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "audit-anchor.json"
SETTING = "audit_anchor"      # set in the database once its anchor file exists

TO_DO = ("请管理员核实：如果是手工复制备份文件恢复的数据库，请改用「设置 › 从备份恢复…」"
         "（或 python -m engine cases restore 备份文件），程序会记录这次恢复并重新登记校验点；"
         "如果没有人有意替换数据库，数据可能被改动过，请保留现状并报告上级。"
         "核实无误后，由管理员在「设置 › 账户与审核」中点击“确认校验点”"
         "（或执行 python -m engine cases audit-accept --reason 原因）重新登记。")
TO_DO_EN = ("an administrator should check: restore backups with `cases restore FILE`, not by copying files; "
            "once checked, confirm with `cases audit-accept --reason R`")


@dataclass(frozen=True, slots=True)
class Problem:
    zh: str
    en: str


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1] or "") if row else (0, "")


def _marked(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM settings WHERE key = ?", (SETTING,)).fetchone() is not None


def read(folder: Path) -> tuple[int, str] | None | Problem:
    """The anchored (row id, hash); None when there is no anchor file; a Problem when it is unreadable."""
    path = folder / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["rows"]), str(data["head"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Problem(f"数据文件夹中的操作记录校验点文件 {FILE_NAME} 无法读取或已被改动（{exc}）。" + TO_DO,
                       f"the anchor file {FILE_NAME} cannot be read ({exc}); " + TO_DO_EN)


def write(folder: Path, head: tuple[int, str]) -> None:
    """The anchor file, replaced whole (a reader never sees half of it)."""
    path = folder / FILE_NAME
    tmp = path.with_name(FILE_NAME + ".tmp")
    tmp.write_text(json.dumps({"rows": head[0], "head": head[1]}), encoding="utf-8")
    os.replace(tmp, path)


def check(conn: sqlite3.Connection, folder: Path) -> Problem | None:
    """Whether the database's audit chain still holds the anchored row."""
    found = read(folder)
    if isinstance(found, Problem):
        return found
    if found is None:
        if _marked(conn):
            return Problem(f"数据文件夹中的操作记录校验点文件 {FILE_NAME} 不见了，而数据库记录着它曾经存在："
                           "校验点被删除，或数据库来自另一个数据文件夹。" + TO_DO,
                           f"the anchor file {FILE_NAME} is gone though the database was anchored; " + TO_DO_EN)
        return None
    rows, head = found
    last = _head(conn)[0]
    if rows > last:
        return Problem(f"数据库只有 {last} 条操作记录，少于校验点登记的 {rows} 条：数据库文件被替换成了较早的副本"
                       "（没有通过本程序的“从备份恢复”，恢复也就没有记入操作记录），或操作记录被删除。" + TO_DO,
                       f"the database has {last} audit rows, the anchor recorded {rows}: the file was replaced by an "
                       "older copy without the program's restore, or rows were deleted; " + TO_DO_EN)
    row = conn.execute("SELECT row_hash FROM audit WHERE id = ?", (rows,)).fetchone() if rows else None
    if rows and (row is None or row[0] != head):
        return Problem(f"数据库第 {rows} 条操作记录与校验点登记的校验值不一致：数据库文件被替换（例如手工复制了较早的副本），或操作记录被整体改写。" + TO_DO,
                       f"audit row {rows} differs from the anchored hash: the database was replaced or its log "
                       "rewritten; " + TO_DO_EN)
    return None


def check_locked(conn: sqlite3.Connection, folder: Path) -> Problem | None:
    """check() under the write lock: another window's transaction is never seen half-way (its
    anchor written, its rows not yet committed). A read-only file, or one busy beyond the
    timeout, is checked as it stands."""
    if conn.in_transaction:
        return check(conn, folder)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return check(conn, folder)
    try:
        return check(conn, folder)
    finally:
        conn.execute("ROLLBACK")


class Anchor:
    """The anchor of one open database: checked at open, moved before each COMMIT."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ready = False                  # checked (at open): from then on writes move it
        self.problem: Problem | None = None
        self._head: tuple[int, str] | None = None
        self._undo: tuple[tuple[int, str] | None, bytes | None] | None = None   # (head, file bytes) before a move

    def open(self, conn: sqlite3.Connection) -> None:
        self.problem = check_locked(conn, self.folder)
        found = read(self.folder)
        self._head = found if isinstance(found, tuple) else None
        self.ready = True

    def before_commit(self, conn: sqlite3.Connection) -> None:
        """Inside the write transaction: move the anchor to the new last row (not while a problem stands)."""
        self._undo = None
        if not self.ready or self.problem is not None:
            return
        head = _head(conn)
        if head[0] == 0 or head == self._head:
            return
        if self._head is None and not _marked(conn):
            conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, '1')", (SETTING,))
        path = self.folder / FILE_NAME
        try:
            before = path.read_bytes()
        except FileNotFoundError:
            before = None
        write(self.folder, head)
        self._undo, self._head = (self._head, before), head

    def rolled_back(self) -> None:
        """The transaction did not commit: the anchor file goes back to what it was."""
        if self._undo is None:
            return
        (self._head, before), self._undo = self._undo, None
        path = self.folder / FILE_NAME
        if before is None:
            path.unlink(missing_ok=True)
        else:
            tmp = path.with_name(FILE_NAME + ".tmp")
            tmp.write_bytes(before)
            os.replace(tmp, path)

    def accept(self) -> None:
        """A 管理员 confirmed the problem (the caller writes the audit row saying so): that write re-anchors."""
        self.problem = None
