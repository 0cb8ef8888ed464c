"""The store never takes in a foreign database and never loses the live one (issue 18).

- restore and open compare the schema with the one the migrations make: a hostile trigger, a
  missing trigger, a view in place of a table, other columns are refused by name, the live
  database and its rows unchanged;
- restore builds the new database beside the live one and swaps it in by rename: SIGKILL at any
  instant leaves the old or the new database, never an empty one, and receipt numbers are never
  issued twice (after an older backup they continue after the highest ever issued);
- backups are ordered and rotated by the time recorded inside them, never by name;
- a list given to `cases save` is one transaction, under concurrency too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import clock
from engine.store import StoreError, open_store
from engine.store import backup as store_backup
from engine.store.cases import save_cases
from engine.store.database import restore_hint
from engine.store.restore import check, restore
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
WORKER = str(Path(__file__).resolve().parents[1] / "store_worker.py")
OFFICE = "测试站"


def case(date="2023-03-01", seq=1, name=None):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": valid_id("1980-01-01", seq), "name": name or f"测试{chr(0x4E00 + seq)}",
                       "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def save(folder: Path, first: int, n: int) -> list:
    with open_store(folder, daily_backup=False) as store:
        return [save_cases(store, case(f"2023-{1 + i % 12:02d}-10", i), operator="测试", office=OFFICE)[0]
                for i in range(first, first + n)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("persons", "cases", "receipts", "audit")}
    finally:
        conn.close()


def cli(*args):
    return subprocess.run([sys.executable, "-m", "engine", "cases", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def quiet(folder: Path) -> Path:
    """The live database, checkpointed into its main file (so its bytes say what it holds)."""
    with open_store(folder, daily_backup=False) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder / "cases.sqlite3"


# ---- foreign schemas ------------------------------------------------------------------------

HOSTILE = {
    "after-insert trigger": ("evil_assistance",
                             "CREATE TRIGGER evil_assistance AFTER INSERT ON cases BEGIN "
                             "UPDATE cases SET assistance = '99999.00' WHERE id = NEW.id; END;"),
    "missing trigger": ("cases_never_deleted", "DROP TRIGGER cases_never_deleted;"),
    "a view for a table": ("audit",
                           "DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete; "
                           "DROP INDEX audit_case; DROP TABLE audit; "
                           "CREATE VIEW audit AS SELECT 1 AS id, '' AS at, '' AS operator, '' AS action, "
                           "NULL AS case_id, NULL AS person_id, '' AS detail;"),
    "a trigger named like SQLite's own table": (
        "sqlite_stat1",
        "PRAGMA writable_schema = ON; INSERT INTO sqlite_master VALUES ('trigger', 'sqlite_stat1', 'cases', 0, "
        "'CREATE TRIGGER sqlite_stat1 AFTER INSERT ON cases BEGIN "
        "UPDATE cases SET assistance = ''99999.00'' WHERE id = NEW.id; END');"),
    "wrong columns": ("extra_note", "ALTER TABLE cases ADD COLUMN extra_note TEXT;"),
    "a protective trigger disarmed": ("cases_void_once",
                                      "DROP TRIGGER cases_void_once; CREATE TRIGGER cases_void_once BEFORE UPDATE "
                                      "OF void ON cases WHEN 0 BEGIN SELECT RAISE(ABORT, 'never'); END;"),
}


def spoiled_copy(folder: Path, target: Path, script: str) -> Path:
    with open_store(folder, daily_backup=False) as store:
        store_backup.copy_database(store.conn, target)
    conn = sqlite3.connect(target)
    conn.executescript(script)
    conn.close()
    return target


@pytest.mark.parametrize("attack", list(HOSTILE))
def test_restore_refuses_a_foreign_schema_and_changes_nothing(tmp_path, attack):
    name, script = HOSTILE[attack]
    data = tmp_path / "data"
    save(data, 0, 3)
    hostile = spoiled_copy(data, tmp_path / "hostile.sqlite3", script)
    live = quiet(data)
    before, rows, backups = digest(live), counts(live), sorted(os.listdir(data / "backups"))
    proc = cli("--data-dir", str(data), "restore", str(hostile))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and name in proc.stderr and "未做任何改动" in proc.stderr
    assert digest(live) == before and counts(live) == rows
    assert sorted(os.listdir(data / "backups")) == backups  # not even a before-restore backup
    assert cli("--data-dir", str(data), "check").returncode == 0


@pytest.mark.parametrize("attack", ["after-insert trigger", "missing trigger", "wrong columns"])
def test_a_foreign_live_database_is_refused_at_open_and_by_check(tmp_path, attack):
    name, script = HOSTILE[attack]
    save(tmp_path, 0, 2)
    live = quiet(tmp_path)
    conn = sqlite3.connect(live)
    conn.executescript(script)
    conn.close()
    before = digest(live)
    with pytest.raises(StoreError) as err:
        open_store(tmp_path, daily_backup=False)
    assert name in err.value.zh and err.value.unusable and "从备份恢复…" in err.value.zh
    for command in ("check", "list"):
        proc = cli("--data-dir", str(tmp_path), command)
        assert proc.returncode == 1
        assert name in proc.stderr and "不是本程序的数据库" in proc.stderr and "cases restore" in proc.stderr
    assert digest(live) == before


def test_corrupt_schema_bytes_take_the_damaged_database_path(tmp_path):
    save(tmp_path, 0, 2)
    with open_store(tmp_path, daily_backup=False) as store:
        store_backup.make_backup(store.conn, tmp_path, "manual")
    live = quiet(tmp_path)
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'BEGIN', CAST(x'2d2dff0a' AS TEXT) || 'BEGIN') "
                 "WHERE name = 'cases_void_once'")  # a comment of bytes that are not UTF-8
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        open_store(tmp_path, daily_backup=False)
    assert err.value.unusable and len(err.value.backups) == 1
    proc = cli("--data-dir", str(tmp_path), "list")
    assert proc.returncode == 1 and "内部错误" not in proc.stderr and "cases restore" in proc.stderr


def test_a_damaged_backup_is_refused_with_exit_2(tmp_path):
    data = tmp_path / "data"
    save(data, 0, 2)
    with open_store(data, daily_backup=False) as store:
        made = store_backup.make_backup(store.conn, data, "manual")
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(made.read_bytes()[:6000])
    live = quiet(data)
    before = digest(live)
    for bad in (broken, tmp_path / "missing.sqlite3"):
        proc = cli("--data-dir", str(data), "restore", str(bad))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert digest(live) == before


# ---- receipt numbers after an older backup --------------------------------------------------

def test_restoring_an_older_backup_never_reissues_a_number(tmp_path):
    save(tmp_path, 0, 3)
    with open_store(tmp_path, daily_backup=False) as store:
        older = store_backup.make_backup(store.conn, tmp_path, "manual")
    issued = save(tmp_path, 3, 4)
    assert issued[-1].receipt_no == "2023-000007"
    proc = cli("--data-dir", str(tmp_path), "restore", str(older))
    assert proc.returncode == 0, proc.stderr
    assert "2023-000004 至 2023-000007" in proc.stdout and "2023-000008" in proc.stdout  # the clerk is told
    with open_store(tmp_path, daily_backup=False) as store:
        assert store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 3
        skip = store.query("SELECT detail FROM audit WHERE action = 'receipt-skip'")
        assert len(skip) == 1 and "2023-000004 至 2023-000007" in skip[0]["detail"]
        [again] = save_cases(store, case("2023-12-01", 50), operator="测试", office=OFFICE)
    assert again.receipt_no == "2023-000008"
    assert check(tmp_path)["cases"] == 4


# ---- SIGKILL during restore -----------------------------------------------------------------

def _template(tmp_path: Path, damage: bool) -> tuple[Path, Path]:
    """A data folder whose live database issued numbers 1..30 (then damaged, if asked), and an
    older backup holding cases 1..10."""
    data = tmp_path / "template"
    save(data, 0, 10)
    with open_store(data, daily_backup=False) as store:
        older = store_backup.copy_database(store.conn, tmp_path / "older.sqlite3")
    save(data, 10, 20)
    live = quiet(data)
    if damage:
        raw = bytearray(live.read_bytes())
        raw[0:16] = b"garbage garbage!"
        live.write_bytes(bytes(raw))
    return data, older


def _restore_killed(tmp_path: Path, damage: bool, kills: int, seed: int) -> set[str]:
    template, older = _template(tmp_path, damage)
    damaged_bytes = digest(template / "cases.sqlite3")
    rng = random.Random(seed)
    took = None
    outcomes = set()
    for trial in range(kills + 1):
        data = tmp_path / f"trial{trial}"
        shutil.copytree(template, data)
        proc = subprocess.Popen([sys.executable, WORKER, "--restore", str(data), str(older)], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8")
        assert proc.stdout.readline() == "ready\n"
        began = time.perf_counter()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        if took is None:  # the first restore runs whole: how long one takes
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0 and out == "restored 10\n", err
            took = time.perf_counter() - began
        else:
            end = began + rng.uniform(0, 1.2) * took
            while time.perf_counter() < end:
                pass
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
        live = data / "cases.sqlite3"
        assert live.exists() and live.stat().st_size > 0, "the live database vanished"
        try:
            store = open_store(data, daily_backup=False)
        except StoreError as exc:  # the old database, still damaged and untouched
            assert damage and exc.unusable
            assert digest(live) == damaged_bytes
            outcomes.add("old")
            continue
        with store:
            n = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            assert n in ((10,) if damage else (10, 30)), f"{n} cases after a kill"
            outcomes.add("new" if n == 10 else "old")
            [next_one] = save_cases(store, case("2023-12-20", 99), operator="测试", office=OFFICE)
        assert next_one.receipt_no == "2023-000031", "a receipt number was issued twice"
        if damage:
            kept = [p for p in (data / "backups").iterdir() if p.name.startswith("damaged-")
                    and p.name.endswith(".sqlite3")]
            assert [digest(p) for p in kept] == [damaged_bytes]
        check(data)
    return outcomes


def test_sigkill_during_restore_over_a_sound_database(tmp_path):
    assert _restore_killed(tmp_path, damage=False, kills=10, seed=18) <= {"old", "new"}


def test_sigkill_during_restore_over_a_damaged_database(tmp_path):
    assert _restore_killed(tmp_path, damage=True, kills=10, seed=81) <= {"old", "new"}


# ---- backups by the time recorded inside them -----------------------------------------------

def _stamped(source: Path, target: Path, made_at: str, kind: str) -> Path:
    shutil.copyfile(source, target)
    conn = sqlite3.connect(target)
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('backup.made_at', ?)", (made_at,))
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('backup.kind', ?)", (kind,))
    conn.commit()
    conn.close()
    return target


def test_a_planted_future_named_backup_neither_wins_nor_pushes_todays_out(tmp_path):
    save(tmp_path, 0, 3)
    with open_store(tmp_path):  # today's daily backup
        pass
    [today] = store_backup.list_backups(tmp_path)
    folder = tmp_path / "backups"
    yesterday = (clock.now() - dt.timedelta(days=1)).isoformat(timespec="seconds")
    named_late = _stamped(today, folder / "cases-2099-12-31-235959-daily.sqlite3", yesterday, "daily")
    for i in range(store_backup.KEEP_DAILY + 2):  # claims to be from the future
        _stamped(today, folder / f"cases-2099-01-{i + 1:02d}-000000-daily.sqlite3", f"2099-01-{i + 1:02d}T00:00:00+08:00",
                 "daily")
    assert store_backup.list_backups(tmp_path)[:2] == [today, named_late]  # by the time inside, not the name
    found = store_backup.describe_backups(tmp_path)
    assert all(not i.usable for i in found[2:]) and "晚于现在" in found[-1].problem
    assert restore_hint(tmp_path)[3][0] == today
    store_backup.rotate(tmp_path)
    assert today.exists() and named_late.exists()
    live = quiet(tmp_path)
    live.write_bytes(b"x" * 4096)
    with pytest.raises(StoreError) as err:
        open_store(tmp_path, daily_backup=False)
    assert err.value.backups == [today, named_late]


def test_rotation_keeps_the_newest_by_recorded_time(tmp_path):
    save(tmp_path, 0, 2)
    with open_store(tmp_path):
        pass
    [today] = store_backup.list_backups(tmp_path)
    folder = tmp_path / "backups"
    old = [_stamped(today, folder / f"cases-2030-01-{i + 1:02d}-000000-daily.sqlite3",  # names lie: the times are old
                    f"2020-01-{i + 1:02d}T08:00:00+08:00", "daily") for i in range(20)]
    store_backup.rotate(tmp_path)
    kept = set(store_backup.list_backups(tmp_path))
    assert today in kept and kept == {today, *old[-13:]}


def test_partial_files_of_killed_backups_are_swept_when_old(tmp_path):
    save(tmp_path, 0, 1)
    folder = tmp_path / "backups"
    stale, young = folder / "cases-x.sqlite3.1234abcd.partial", folder / "cases-y.sqlite3.5678abcd.partial"
    for p in (stale, young):
        p.write_bytes(b"\0" * 1000)
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    with open_store(tmp_path, daily_backup=False) as store:
        store_backup.make_backup(store.conn, tmp_path, "manual")
    assert not stale.exists() and young.exists()


# ---- a list is saved in one transaction -----------------------------------------------------

def test_a_3000_case_list_racing_a_conflicting_save_is_all_or_nothing(tmp_path):
    from test_store_durability import person_cases

    rng = random.Random(3000)
    cases = [c for i in range(1000) for c in person_cases(rng, i, 3)]
    x = case("2023-12-30", 7777, name="张三")
    cases[-1] = x
    batch, single = tmp_path / "batch.json", tmp_path / "single.json"
    batch.write_text(json.dumps({"cases": cases}, ensure_ascii=False), encoding="utf-8")
    single.write_text(json.dumps(case("2023-12-30", 7777, name="李四"), ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "data"
    open_store(data, daily_backup=False).close()

    def start(path: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "engine", "cases", "--data-dir", str(data), "save", str(path),
                                 "--operator", "测试", "--office", OFFICE], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8")

    a = start(batch)
    time.sleep(2.0)  # the list is being saved when the single save comes
    b = start(single)
    a_out, a_err = a.communicate(timeout=120)
    b_out, b_err = b.communicate(timeout=120)
    with open_store(data, daily_backup=False) as store:
        n = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        names = store.query("SELECT name FROM persons WHERE id_number = ?", (x["person"]["id_number"],))
    if a.returncode == 0:
        assert n == 3000 and names == [{"name": "张三"}] and len(a_out.splitlines()) == 3000
        # the single save lost: refused by name, or (on a very slow machine) it waited past the busy timeout
        assert (b.returncode == 2 and "李四" in b_err) or (b.returncode == 1 and "占用" in b_err), b_err
    else:
        assert a.returncode == 2 and "李四" in a_err and a_out == "", a_err
        assert b.returncode == 0 and n == 1 and names == [{"name": "李四"}]


def test_restore_refuses_while_another_connection_uses_the_database(tmp_path):
    save(tmp_path, 0, 2)
    with open_store(tmp_path, daily_backup=False) as store:
        older = store_backup.make_backup(store.conn, tmp_path, "manual")
    save(tmp_path, 2, 1)
    live = quiet(tmp_path)
    before = digest(live)
    with open_store(tmp_path, daily_backup=False) as other:  # another window
        with pytest.raises(StoreError) as err:
            restore(tmp_path, older)
        assert "正被其他程序窗口使用" in err.value.zh and "未做任何改动" in err.value.zh
        assert other.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 3
    assert counts(live)["cases"] == 3 and digest(quiet(tmp_path)) == before


def test_an_older_schema_backup_is_migrated_beside_the_live_database(tmp_path):
    from engine.store.database import statements
    from engine.store.migrations import LATEST, MIGRATIONS

    v1 = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(v1)
    for sql in statements(MIGRATIONS[0]):
        conn.execute(sql)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    data = tmp_path / "data"
    save(data, 0, 2)
    source = digest(v1)
    done = restore(data, v1)
    assert done["migrated_from"] == 1 and done["cases"] == 0 and digest(v1) == source  # the backup untouched
    with open_store(data, daily_backup=False) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        [again] = save_cases(store, case("2023-12-01", 9), operator="测试", office=OFFICE)
    assert again.receipt_no == "2023-000003"
    assert not [p for p in data.iterdir() if p.name.startswith(".cases-")]  # no temp file left
