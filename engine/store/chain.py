"""The audit log as a hash chain (SHA-256), and its verification (`cases audit-verify`).

Each audit row carries `prev_hash` (the row before it) and `row_hash` (its own columns, the
previous hash and `state`). `state` is what the row vouches for, as it stood when the row was
written (after the change it records, in the same transaction):
- "case": the digest of its case — every stored amount, the date, operator, office, the void,
  review and payment columns, the hashes of the stored input and result (engine.codec), the
  receipt's number and the count of prints;
- "persons": [lo, hi, digest]: the persons added since the row before (ids lo..hi, each with its
  ID number and name, which never change once stored: engine.store.persons.upsert_person);
- "office": a digest of the accounts (names, roles, password hashes, locks by a 管理员), the
  local parameter versions and proposals, and the review switch (every row).
So an UPDATE of a case, a receipt number or a person, a REPLACE INTO, an edit after DROP
TRIGGER, or deleting, swapping or changing an audit row is found: the chain breaks at a row, or
the last row vouching for a case, the persons or the office no longer matches what is stored.

Limits: someone who rewrites the whole chain consistently, with this program's code, is not
detected by the file alone (there is no key outside it); a verification result shown in 设置
records the head (row count and hash) seen, so a later rewrite of earlier rows shows there.

Rows written before the chain existed (no row_hash) are accepted only as the log's first rows;
the first open after the migration seals the cases stored then (one 'seal' row each).
"""
from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from typing import Any, Iterable

import sqlite_utils

from .. import clock
from ..codec import from_json_text, result_hash, to_json_text

GENESIS = "0" * 64
CASE_COLUMNS = ("id", "person_id", "region", "policy_year", "date", "kind", "policy_version", "total", "policy_scope",
                "basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket", "warning_kind",
                "year_out_of_pocket", "operator", "office", "created_at", "void", "void_reason", "voided_at",
                "voided_by", "review", "reviewed_by", "reviewed_at", "review_note", "paid_at", "paid_by",
                "pay_method", "pay_account")
# Columns added by later migrations: in a case's digest only when set, so the rows of a database from
# before them keep the digests their audit rows carry.
LATER_COLUMNS = ("to_pay", "setl_id")   # (office_code is filled on old rows when their name is bound to a code)
CHAINED_SETTINGS = ("review",)

_CASES_SQL = ("SELECT " + ", ".join(f"c.{c}" for c in CASE_COLUMNS + LATER_COLUMNS) + ", c.input, c.result, "
              "r.number AS receipt_number, r.office AS receipt_office, r.year AS receipt_year, r.seq AS receipt_seq, "
              "(SELECT count(*) FROM receipt_prints p WHERE p.receipt_id = r.id) AS prints "
              "FROM cases c LEFT JOIN receipts r ON r.case_id = c.id")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _case_digest(row: dict) -> str:
    fields = {c: row[c] for c in CASE_COLUMNS}
    fields.update({c: row[c] for c in LATER_COLUMNS if row.get(c) is not None})
    fields.update(input=_sha(row["input"]), result=result_hash(row["result"]), receipt=[
        row["receipt_number"], row["receipt_office"], row["receipt_year"], row["receipt_seq"]], prints=row["prints"])
    return _sha(to_json_text(fields))


def case_digest(db: sqlite_utils.Database, case_id: int) -> str | None:
    rows = list(db.query(_CASES_SQL + " WHERE c.id = ?", (case_id,)))
    return _case_digest(rows[0]) if rows else None


def _rows_digest(db: sqlite_utils.Database, sql: str) -> str:
    h = hashlib.sha256()
    for row in db.conn.execute(sql):
        h.update(to_json_text(list(row)).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _persons_digest(rows: Iterable[tuple]) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(to_json_text(list(row)).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _persons_since(db: sqlite_utils.Database, lo: int) -> list:
    """[lo, hi, digest] of the persons with ids from lo on."""
    rows = db.conn.execute("SELECT id, id_number, name FROM persons WHERE id >= ? ORDER BY id", (lo,)).fetchall()
    hi = rows[-1][0] if rows else lo - 1
    return [lo, hi, _persons_digest(rows)]


def office_digest(db: sqlite_utils.Database) -> str:
    marks = ",".join("?" * len(CHAINED_SETTINGS))
    parts = [
        _rows_digest(db, "SELECT id, name, roles, password_hash, locked, created_at, created_by FROM accounts ORDER BY id"),
        _rows_digest(db, "SELECT * FROM policy_versions ORDER BY id"),
        _rows_digest(db, "SELECT * FROM policy_proposals ORDER BY id"),
    ]
    h = hashlib.sha256("|".join(parts).encode("utf-8"))
    for row in db.conn.execute(f"SELECT key, value FROM settings WHERE key IN ({marks}) ORDER BY key",
                               CHAINED_SETTINGS):
        h.update(to_json_text(list(row)).encode("utf-8"))
    return h.hexdigest()


def _row_hash(row: dict) -> str:
    return _sha(to_json_text([row["id"], row["at"], row["operator"], row["action"], row["case_id"], row["person_id"],
                              row["detail"], row["state"], row["prev_hash"]]))


def _head(db: sqlite_utils.Database) -> tuple[int, str, int]:
    """The last row's id and hash, and the first person id no chained row covers yet."""
    last = db.conn.execute("SELECT id, row_hash, state FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    if not last:
        return 0, GENESIS, 1
    covered = from_json_text(last[2]).get("persons") if last[2] else None
    return last[0], last[1] or GENESIS, (int(covered[1]) + 1 if covered else 1)


def append(db: sqlite_utils.Database, entry: dict[str, Any], *, office: str | None = None,
           case: str | None = None) -> int:
    """Insert one audit row, chained, inside the caller's transaction (write it after the change
    it records). `entry`: at, operator, action, detail, case_id, person_id."""
    return _append(db, entry, office=office, case=case)


def _append(db: sqlite_utils.Database, entry: dict[str, Any], *, office: str | None = None,
            case: str | None = None) -> int:
    last_id, prev, lo = _head(db)
    state: dict[str, Any] = {"office": office or office_digest(db), "persons": _persons_since(db, lo)}
    if entry.get("case_id") is not None:
        state["case"] = case or case_digest(db, entry["case_id"]) or ""
    row = {"id": last_id + 1, "at": entry["at"], "operator": entry["operator"], "action": entry["action"],
           "case_id": entry.get("case_id"), "person_id": entry.get("person_id"), "detail": entry.get("detail", ""),
           "state": to_json_text(state), "prev_hash": prev}
    row["row_hash"] = _row_hash(row)
    db["audit"].insert(row)
    return row["id"]


def append_many(db: sqlite_utils.Database, entries: list[dict[str, Any]]) -> None:
    """The rows append() would write for `entries` one after another (each naming a case, written after
    the cases), chained in one pass and inserted together: for a batch of thousands of cases (a
    district importing a township's bundle)."""
    if not entries:
        return
    last_id, prev, lo = _head(db)
    office = office_digest(db)
    digests: dict[int, str] = {}
    ids = [e["case_id"] for e in entries]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for row in db.query(_CASES_SQL + f" WHERE c.id IN ({', '.join('?' * len(chunk))})", chunk):
            digests[row["id"]] = _case_digest(row)
    persons = _persons_since(db, lo)
    columns = ("id", "at", "operator", "action", "case_id", "person_id", "detail", "state", "prev_hash", "row_hash")
    rows = []
    for entry in entries:
        last_id += 1
        state = {"office": office, "persons": persons, "case": digests.get(entry["case_id"]) or ""}
        row = {"id": last_id, "at": entry["at"], "operator": entry["operator"], "action": entry["action"],
               "case_id": entry["case_id"], "person_id": entry.get("person_id"), "detail": entry.get("detail", ""),
               "state": to_json_text(state), "prev_hash": prev}
        row["row_hash"] = prev = _row_hash(row)
        rows.append(tuple(row[c] for c in columns))
        persons = [persons[1] + 1, persons[1], _persons_digest([])]   # the next row covers no new person
    db.conn.executemany(f"INSERT INTO audit ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def _seal_if_pending(db: sqlite_utils.Database) -> None:
    """Once, after the migration that brought the chain: one 'seal' row per case stored before."""
    pending = db.conn.execute("SELECT 1 FROM settings WHERE key = 'chain_seal'").fetchone()
    if not pending:
        return
    db.conn.execute("DELETE FROM settings WHERE key = 'chain_seal'")
    if db.conn.execute("SELECT 1 FROM audit WHERE row_hash IS NOT NULL LIMIT 1").fetchone():
        return   # the chain has begun: a flag set again later is ignored
    at = clock.now().isoformat(timespec="seconds")
    office = office_digest(db)
    for row in db.query(_CASES_SQL + " ORDER BY c.id"):
        _append(db, {"at": at, "operator": "系统", "action": "seal", "case_id": row["id"],
                     "detail": "启用防篡改校验：登记此前已保存的案件"}, office=office, case=_case_digest(row))


def seal_pending(store) -> None:
    """Seal the cases stored before the chain existed, if that has not been done (open_store, after
    the migrations: before anything else is written)."""
    if store.conn.execute("SELECT 1 FROM settings WHERE key = 'chain_seal'").fetchone():
        with store.write() as db:
            _seal_if_pending(db)


@dataclass(frozen=True, slots=True)
class Broken:
    row: int | None          # the audit row where the chain breaks (None: a case or table no row vouches for)
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Verdict:
    rows: int                # audit rows checked
    chained: int             # of which carry a hash
    cases: int
    head: str                # the last row's hash
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(db: sqlite_utils.Database) -> Verdict:
    """Walk the chain in id order, then compare what the last rows vouch for with what is stored."""
    prev, count, chained = GENESIS, 0, 0
    last_case: dict[int, tuple[int, str]] = {}
    person_ranges: list[tuple[int, int, int, str]] = []   # (row, lo, hi, digest)
    last_office: tuple[int, str] | None = None
    cases = db.conn.execute("SELECT count(*) FROM cases").fetchone()[0]

    def fail(row: int | None, zh: str, en: str) -> Verdict:
        return Verdict(count, chained, cases, prev, Broken(row, zh, en))

    expected_id = None
    for row in db.query("SELECT * FROM audit ORDER BY id"):
        count += 1
        if row["row_hash"] is None:
            if chained:
                return fail(row["id"], f"第 {row['id']} 条操作记录缺少校验值（在已校验的记录之后插入或被改动）",
                            f"audit row {row['id']} has no hash after chained rows")
            continue
        if expected_id is not None and row["id"] != expected_id:
            return fail(row["id"], f"第 {row['id']} 条操作记录之前缺少记录（应为第 {expected_id} 条）：操作记录被删除",
                        f"audit rows before {row['id']} are missing (expected {expected_id})")
        if row["prev_hash"] != prev:
            return fail(row["id"], f"第 {row['id']} 条操作记录与前一条不衔接：记录被删除、插入或调换了顺序",
                        f"audit row {row['id']} does not follow the row before it (deleted, inserted or reordered)")
        if _row_hash(row) != row["row_hash"]:
            return fail(row["id"], f"第 {row['id']} 条操作记录的内容被改动", f"audit row {row['id']} was changed")
        chained += 1
        prev, expected_id = row["row_hash"], row["id"] + 1
        try:
            state = from_json_text(row["state"] or "{}")
        except ValueError:
            return fail(row["id"], f"第 {row['id']} 条操作记录的内容被改动", f"audit row {row['id']} was changed")
        if "case" in state and row["case_id"] is not None:
            last_case[row["case_id"]] = (row["id"], state["case"])
        if "persons" in state:
            lo, hi, digest = state["persons"]
            person_ranges.append((row["id"], int(lo), int(hi), digest))
        if "office" in state:
            last_office = (row["id"], state["office"])
    if not chained and not cases:
        return Verdict(count, chained, cases, prev, None)
    for row in db.query(_CASES_SQL + " ORDER BY c.id"):
        vouched = last_case.get(row["id"])
        if vouched is None:
            return fail(None, f"案件 {row['id']} 没有任何校验过的操作记录：案件被插入或其记录被删除",
                        f"case {row['id']} has no chained audit row (inserted, or its rows deleted)")
        if vouched[1] != _case_digest(row):
            return fail(vouched[0], f"案件 {row['id']}（回执号 {row['receipt_number']}）的数据与第 {vouched[0]} 条操作记录"
                                    "登记的不一致：金额、日期、经办人、回执号等被改动，或其后的记录被删除",
                        f"case {row['id']} differs from what audit row {vouched[0]} recorded")
    missing = sorted(set(last_case) - {r[0] for r in db.conn.execute("SELECT id FROM cases")})
    if missing:
        row_id = last_case[missing[0]][0]
        return fail(row_id, f"第 {row_id} 条操作记录所登记的案件 {missing[0]} 已不存在：案件被删除",
                    f"case {missing[0]} recorded by audit row {row_id} is gone")
    persons = db.conn.execute("SELECT id, id_number, name FROM persons ORDER BY id").fetchall()
    ids = [p[0] for p in persons]
    next_id = None
    for row_id, lo, hi, digest in person_ranges:
        if next_id is not None and lo != next_id:
            return fail(row_id, f"第 {row_id} 条操作记录登记的人员编号不衔接：操作记录被改动",
                        f"audit row {row_id} does not continue the persons recorded before")
        chunk = persons[bisect.bisect_left(ids, lo):bisect.bisect_right(ids, hi)]
        if _persons_digest(chunk) != digest:
            return fail(row_id, f"人员的姓名或身份证号与第 {row_id} 条操作记录登记的不一致：人员被改动、删除或插入",
                        f"persons {lo}..{hi} differ from what audit row {row_id} recorded")
        next_id = hi + 1
    if person_ranges and persons and persons[-1][0] >= (next_id or 1):
        return fail(None, f"人员 {persons[-1][0]} 没有任何操作记录登记：人员被直接插入",
                    f"person {persons[-1][0]} was added without an audit row")
    if last_office is not None and last_office[1] != office_digest(db):
        return fail(last_office[0], f"账户、政策参数或审核设置与第 {last_office[0]} 条操作记录登记的不一致：被直接改动",
                    f"accounts, parameters or the review switch differ from audit row {last_office[0]}")
    return Verdict(count, chained, cases, prev, None)

