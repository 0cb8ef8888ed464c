"""A damaged, truncated or newer database, a missing or unusable folder, a full disk:
each gives a clear message, never a traceback, and never overwrites the damaged file."""
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from engine.store import StoreError, open_store
from engine.store.backup import list_backups
from engine.store.cases import save_cases
from engine.store.datadir import is_network_path, resolve
from engine.store.migrations import LATEST
from engine.store.restore import check, restore
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]


def case(date="2023-03-01", seq=1):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": valid_id("1980-01-01", seq), "name": "测试" + "".join("零一二三四五六七八九"[int(d)] for d in str(seq)), "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def filled(folder: Path, n: int = 30) -> Path:
    with open_store(folder, daily_backup=False) as store:
        for i in range(n):
            save_cases(store, case(f"2023-{1 + i % 12:02d}-10", i), operator="测试", office="测试站")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder / "cases.sqlite3"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "engine", "cases", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", env={**os.environ, **(env or {})}, timeout=120)


def assert_clear(proc, *needles):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_truncated_database_is_reported_and_left_alone(tmp_path):
    path = filled(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = digest(path)
    with pytest.raises(StoreError) as err:
        open_store(tmp_path)
    assert "已损坏" in err.value.zh and "从备份恢复…" in err.value.zh   # the window names what to click ...
    assert "python -m engine" not in err.value.zh and "python -m engine cases restore" in err.value.message()
    proc = cli("--data-dir", str(tmp_path), "list")
    assert proc.returncode == 1
    assert_clear(proc, "已损坏", "原文件不会被改动", "python -m engine cases restore")
    assert digest(path) == before


def test_garbage_file_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "cases.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    before = digest(path)
    proc = cli("--data-dir", str(tmp_path), "list")
    assert proc.returncode == 1
    assert_clear(proc, "已损坏")
    assert digest(path) == before


def test_corrupted_pages_fail_the_check_and_are_left_alone(tmp_path):
    path = filled(tmp_path, 60)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page + 8, len(data) - page, page * 2):  # scribble over b-tree pages past the schema
        data[offset:offset + 200] = os.urandom(200)
    path.write_bytes(bytes(data))
    before = digest(path)
    proc = cli("--data-dir", str(tmp_path), "check")
    assert proc.returncode == 1
    assert_clear(proc, "已损坏")
    assert digest(path) == before


def test_newer_schema_is_refused_untouched(tmp_path):
    path = filled(tmp_path, 2)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    before = digest(path)
    proc = cli("--data-dir", str(tmp_path), "list")
    assert proc.returncode == 1
    assert_clear(proc, "更新版本", "原文件不会被改动")
    assert digest(path) == before


def test_missing_folder_is_created(tmp_path):
    folder = tmp_path / "a" / "b" / "new"
    proc = cli("--data-dir", str(folder), "check")
    assert proc.returncode == 0, proc.stderr
    assert (folder / "cases.sqlite3").exists() and (folder / "backups").is_dir()


def test_read_only_folder_gets_a_clear_message(tmp_path):
    if os.name == "posix" and os.geteuid() == 0:
        folder = Path("/proc/sanchong-read-only")  # root ignores permissions; /proc refuses new folders
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
    try:
        proc = cli("--data-dir", str(folder), "list")
    finally:
        if folder.is_relative_to(tmp_path):
            folder.chmod(0o700)
    assert proc.returncode == 1
    assert_clear(proc, "无法写入", "--data-dir")


def test_a_file_where_the_folder_should_be(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("x")
    proc = cli("--data-dir", str(blocker), "list")
    assert proc.returncode == 1
    assert_clear(proc, "不是文件夹")


def test_network_paths_are_recognised():
    mounts = ("/dev/sda1 / ext4 rw 0 0\n"
              "//server/share /mnt/office cifs rw 0 0\n"
              "server:/export /srv/nfs nfs4 rw 0 0\n")
    assert is_network_path(Path("/mnt/office/data"), mounts)
    assert is_network_path(Path("/srv/nfs"), mounts)
    assert not is_network_path(Path("/home/clerk/data"), mounts)
    assert not is_network_path(Path("/mnt/officework"), mounts)
    assert is_network_path(Path(r"\\server\share\data"), mounts)


def test_data_folder_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("SANCHONG_DATA_DIR", str(tmp_path / "env"))
    assert resolve(tmp_path / "opt") == tmp_path / "opt"
    assert resolve(None) == tmp_path / "env"
    monkeypatch.delenv("SANCHONG_DATA_DIR")
    assert "SanchongCalculator" in str(resolve(None))


def test_full_disk_saves_nothing_and_says_so(tmp_path):
    with open_store(tmp_path, daily_backup=False) as store:
        save_cases(store, case(), operator="测试", office="测试站")
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow: SQLITE_FULL
        big = {"cases": [case(f"2023-{m:02d}-01", 100 + m) for m in range(1, 13)]}
        for c in big["cases"]:
            c["visit"]["diseases"] = ["很长的病种名称" * 8] * 20  # a big input (names are at most 30 characters)
        with pytest.raises(StoreError) as err:
            save_cases(store, big, operator="测试", office="测试站")
        assert "磁盘空间已满" in err.value.zh
        assert store.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_and_restore_round_trip(tmp_path):
    filled(tmp_path, 5)
    proc = cli("--data-dir", str(tmp_path), "backup", "-o", str(tmp_path / "copy.sqlite3"))
    assert proc.returncode == 0, proc.stderr
    with open_store(tmp_path, daily_backup=False) as store:
        save_cases(store, case("2023-12-01", 99), operator="测试", office="测试站")
    done = restore(tmp_path, tmp_path / "copy.sqlite3")
    assert done["cases"] == 5 and done["previous_saved_as"]
    assert check(tmp_path)["cases"] == 5
    saved_before = sqlite3.connect(done["previous_saved_as"])
    assert saved_before.execute("SELECT count(*) FROM cases").fetchone()[0] == 6  # nothing lost


def test_restore_moves_a_damaged_database_aside(tmp_path):
    path = filled(tmp_path, 4)
    good = tmp_path / "good.sqlite3"
    assert cli("--data-dir", str(tmp_path), "backup", "-o", str(good)).returncode == 0
    path.write_bytes(path.read_bytes()[:5000])
    damaged = digest(path)
    proc = cli("--data-dir", str(tmp_path), "restore", str(good))
    assert proc.returncode == 0, proc.stderr
    assert "损坏的数据库已移到" in proc.stdout
    moved = [p for p in (tmp_path / "backups").iterdir() if p.name.startswith("damaged-")]
    assert [digest(p) for p in moved if p.name.endswith(".sqlite3")] == [damaged]
    assert cli("--data-dir", str(tmp_path), "check").returncode == 0


def test_restore_refuses_a_bad_backup(tmp_path):
    filled(tmp_path, 2)
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"nope" * 50)
    before = digest(tmp_path / "cases.sqlite3")
    proc = cli("--data-dir", str(tmp_path), "restore", str(bad))
    assert proc.returncode == 2  # store-cli.md: anything wrong with FILE is bad input
    assert_clear(proc, "不是数据库备份文件", "未做任何改动")
    assert digest(tmp_path / "cases.sqlite3") == before


def test_daily_backup_once_a_day_and_rotated(tmp_path):
    from engine import clock

    filled(tmp_path, 3)
    with clock.frozen("2026-03-02T08:00:00"):   # the program's clock, not the real one: no midnight in between
        with open_store(tmp_path):
            pass
        with open_store(tmp_path):
            pass
    daily = [p for p in list_backups(tmp_path) if "-daily" in p.name]
    assert [p.name for p in daily] == ["cases-2026-03-02-080000-daily.sqlite3"]
    with clock.frozen("2026-03-03T08:00:00"), open_store(tmp_path):   # the next day: its own
        pass
    assert len([p for p in list_backups(tmp_path) if "-daily" in p.name]) == 2
    conn = sqlite3.connect(daily[0])
    assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 3
    for i in range(20):  # older daily backups beyond the 14 kept are removed
        (tmp_path / "backups" / f"cases-2020-01-{i + 1:02d}-000000-daily.sqlite3").write_bytes(daily[0].read_bytes())
    from engine.store.backup import rotate

    rotate(tmp_path)
    assert len([p for p in list_backups(tmp_path) if "-daily" in p.name]) == 14


def test_migration_from_an_older_version_backs_up_first(tmp_path):
    filled(tmp_path, 2)
    # pretend a later schema exists: the migrations list gains one, and the database is behind
    import engine.store.database as database

    extra = "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
    original = list(database.MIGRATIONS)
    database.MIGRATIONS.append(extra)
    database.LATEST = len(database.MIGRATIONS)
    try:
        with open_store(tmp_path, daily_backup=False) as store:
            assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST + 1
            assert "notes" in store.db.table_names()
    finally:
        database.MIGRATIONS[:] = original
        database.LATEST = len(original)
    before = [p for p in list_backups(tmp_path) if f"before-migration-v{LATEST}" in p.name]
    assert len(before) == 1
    old = sqlite3.connect(before[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert old.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
