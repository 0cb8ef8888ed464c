"""The highest receipt number ever issued, per office and year: so that a restored older
backup never issues a number twice (store-cli.md, "Receipt numbers").

Two records of it:
- inside the database, a floor per office and year (a settings row `receipt_floor:YEAR:OFFICE`)
  that a restore writes when the backup is behind: the next number is after the larger of the
  floor and the highest stored number;
- outside the database file, `receipt-numbers.json` in the data folder, raised inside every
  save's write transaction (so writers never race on it), for when the live database is too
  damaged to read at the restore.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from pathlib import Path

import sqlite_utils

from . import chain

MARKS_NAME = "receipt-numbers.json"
FLOOR_PREFIX = "receipt_floor:"

Marks = dict[tuple[str, int], int]   # (office, year) -> highest number issued


def floor_key(office: str, year: int) -> str:
    return f"{FLOOR_PREFIX}{year}:{office}"


def issued(conn: sqlite3.Connection) -> Marks:
    """The highest number issued per office and year according to this database (its receipts
    and its floors)."""
    marks: Marks = {}
    # a row bound to an office code counts in the code's series (engine/store/offices.py), older schemas by office
    coded = any(r[1] == "office_code" for r in conn.execute("PRAGMA table_info(receipts)"))
    key = "coalesce(office_code, office)" if coded else "office"
    series = [f"SELECT {key} AS office, year, seq FROM receipts"]
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'resettlements'").fetchone():
        series.append(f"SELECT {key} AS office, year, seq FROM resettlements")   # 补差 records share the cases' series
    for office, year, seq in conn.execute(f"SELECT office, year, max(seq) FROM ({' UNION ALL '.join(series)}) "
                                          "GROUP BY office, year"):
        marks[(office, int(year))] = int(seq)
    for key, value in conn.execute("SELECT key, value FROM settings WHERE key LIKE ?", (FLOOR_PREFIX + "%",)):
        year, _, office = key[len(FLOOR_PREFIX):].partition(":")
        try:
            k, seq = (office, int(year)), int(value)
        except ValueError:
            continue
        marks[k] = max(marks.get(k, 0), seq)
    return marks


def merged(*many: Marks) -> Marks:
    out: Marks = {}
    for marks in many:
        for key, seq in marks.items():
            out[key] = max(out.get(key, 0), seq)
    return out


def read(folder: Path) -> Marks:
    """The marks kept in the data folder ({} when there are none or the file is unreadable)."""
    try:
        doc = json.loads((folder / MARKS_NAME).read_text(encoding="utf-8"))
        return {(str(m["office"]), int(m["year"])): int(m["seq"]) for m in doc["marks"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def raise_to(folder: Path, marks: Marks, *, durable: bool = False) -> None:
    """Raise the marks kept in the data folder to `marks` (never lowered), written whole to a
    temporary file and renamed. `durable`: flushed to the disk before the rename."""
    current = read(folder)
    new = merged(current, marks)
    if new == current:
        return
    doc = {"marks": [{"office": o, "year": y, "seq": s} for (o, y), s in sorted(new.items())]}
    tmp = folder / f".{MARKS_NAME}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        _write(tmp, folder / MARKS_NAME, doc, durable)
    except OSError as exc:
        from .errors import StoreError

        raise StoreError(f"无法写入回执号记录 {folder / MARKS_NAME}（{exc.strerror or exc}），本次操作未保存。请检查数据文件夹的权限和磁盘空间",
                         f"cannot write the receipt-number record {folder / MARKS_NAME} ({exc.strerror or exc}); "
                         "nothing was saved; check the data folder") from None
    finally:
        tmp.unlink(missing_ok=True)


def _write(tmp: Path, target: Path, doc: dict, durable: bool) -> None:
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    for attempt in range(5):   # Windows refuses a rename over a file another process is reading
        try:
            os.replace(tmp, target)
            return
        except PermissionError:
            if attempt == 4:
                raise
            time.sleep(0.05)


def write_floors(conn: sqlite3.Connection, marks: Marks, *, at: str, operator: str, why: str) -> list[dict]:
    """Within the caller's transaction on `conn`: for each office and year whose mark is above
    what `conn` has issued, a floor so the next number comes after the mark, and an audit entry
    naming the skipped numbers. Returns the skips (office, year, first, last)."""
    have = issued(conn)
    skipped = []
    for (office, year), seq in sorted(marks.items()):
        low = have.get((office, year), 0)
        if seq <= low:
            continue
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (floor_key(office, year), str(seq)))
        first, last = f"{year}-{low + 1:06d}", f"{year}-{seq:06d}"
        span = first if first == last else f"{first} 至 {last}"
        chain.append(sqlite_utils.Database(conn), {
            "at": at, "operator": operator, "action": "receipt-skip",
            "detail": f"{why}：{office} {year} 年回执号 {span} 已在此前发出，跳过不再使用，下一张回执从 {year}-{seq + 1:06d} 起"})
        skipped.append({"office": office, "year": year, "first": first, "last": last,
                        "next": f"{year}-{seq + 1:06d}"})
    return skipped
