"""The audit chain's anchor outside the database file (engine/store/anchor.py): a database file
copied into place by hand (a restore that writes no audit row), a chain rewritten consistently,
or a removed anchor are reported at open and by audit-verify, in Chinese with what to do, until a
管理员 confirms; a restore through the program moves the anchor. The daily check verifies the
chain and remembers the result for 设置."""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from engine import clock
from engine.errors import InputError
from engine.office import Office, Refused
from engine.store import anchor
from ids import valid_id

SUN = valid_id("1970-01-01", 7)
WU = valid_id("1980-05-05", 3)
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def case(id_number: str, name: str, date: str, total: str = "6000.00") -> dict:
    doc = copy.deepcopy(EDGE)
    doc["person"].update(id_number=id_number, name=name)
    doc["date"] = date
    doc["amounts"]["total"] = total
    return doc


def open_(folder) -> Office:
    return Office.open(folder, daily_backup=False)


def cli(folder, *args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(folder), *args], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})})


@pytest.fixture
def folder(tmp_path):
    """Two saved cases; a copy of the database file as it stood after the first (`early.sqlite3`)."""
    data = tmp_path / "d"
    with open_(data) as office:
        office.save(EDGE, operator="李四", office="城关镇")
        office.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(data / "cases.sqlite3", tmp_path / "early.sqlite3")
        office.save(case(WU, "吴九", "2023-03-02"), operator="李四", office="城关镇")
    return data


def copy_in_by_hand(src, folder) -> None:
    """What a clerk (or someone else) does without the program: a database file copied over the live one."""
    for suffix in ("-wal", "-shm"):
        (folder / f"cases.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(src, folder / "cases.sqlite3")


def test_the_anchor_follows_the_last_audit_row(folder):
    with open_(folder) as office:
        last = office.store.query("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1")[0]
        assert office.anchor_problem() is None
    assert json.loads((folder / anchor.FILE_NAME).read_text(encoding="utf-8")) == {"rows": last["id"],
                                                                                  "head": last["row_hash"]}
    assert last["id"] == 2


def test_an_older_copy_put_in_place_by_hand_is_caught(folder, tmp_path):
    copy_in_by_hand(tmp_path / "early.sqlite3", folder)
    with open_(folder) as office:
        problem = office.anchor_problem()
        assert problem and "只有 1 条操作记录，少于校验点登记的 2 条" in problem and "从备份恢复" in problem
        office.save(case(WU, "吴九", "2023-03-05"), operator="李四", office="城关镇")   # work goes on …
        v = office.audit_verify()
        assert not v.ok and v.broken.row is None and "数据库文件被替换" in v.broken.zh
    with open_(folder) as office:            # … and the problem stays until someone confirms it
        assert office.anchor_problem() is not None
    done = cli(folder, "audit-verify")
    assert done.returncode == 1 and "较早的副本" in done.stdout + done.stderr and "audit-accept" in done.stdout


def test_a_chain_rewritten_consistently_is_caught(folder, tmp_path):
    """Another database whose chain is sound in itself (as this program's code would write it),
    with a larger amount and as many audit rows: the file alone verifies, the anchor does not."""
    other = tmp_path / "other"
    with open_(other) as office:
        office.save(case(SUN, "孙七", "2023-03-01", total="9000.00"), operator="李四", office="城关镇")
        office.save(case(WU, "吴九", "2023-03-02"), operator="李四", office="城关镇")
        office.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert office.audit_verify().ok
    copy_in_by_hand(other / "cases.sqlite3", folder)
    with open_(folder) as office:
        assert "第 2 条操作记录与校验点登记的校验值不一致" in office.anchor_problem()
        assert not office.audit_verify().ok


def test_a_removed_anchor_is_caught(folder):
    (folder / anchor.FILE_NAME).unlink()
    with open_(folder) as office:
        assert "不见了" in office.anchor_problem()
    (folder / anchor.FILE_NAME).write_text("{not json", encoding="utf-8")
    with open_(folder) as office:
        assert "无法读取" in office.anchor_problem()


def test_a_restore_through_the_program_is_recorded_and_moves_the_anchor(folder, tmp_path):
    with open_(folder) as office:
        made = office.backup().value
        office.save(case(SUN, "孙七", "2023-04-01"), operator="李四", office="城关镇")
        office.restore(made)
        assert office.anchor_problem() is None and office.audit_verify().ok
        assert "restore" in [r["action"] for r in office.store.query("SELECT action FROM audit WHERE id > 2")]
    with open_(folder) as office:
        assert office.anchor_problem() is None


def test_a_restore_through_the_program_clears_a_copy_made_by_hand(folder, tmp_path):
    copy_in_by_hand(tmp_path / "early.sqlite3", folder)
    done = cli(folder, "restore", str(tmp_path / "early.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert cli(folder, "audit-verify").returncode == 0


def test_an_administrator_confirms_with_a_reason_and_it_is_recorded(folder, tmp_path):
    with open_(folder) as office:
        office.add_account("王管理", ["管理员"], "admin-pass-1")
        office.login("王管理", "admin-pass-1")
        office.add_account("李经办", ["经办"], "clerk-pass-1")
        office.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(folder / "cases.sqlite3", tmp_path / "staffed.sqlite3")
        office.add_account("赵审核", ["审核"], "check-pass-1")
    copy_in_by_hand(tmp_path / "staffed.sqlite3", folder)
    with open_(folder) as office:
        office.login("李经办", "clerk-pass-1")
        with pytest.raises(Refused):
            office.accept_anchor("核实过了")
        office.logout()
        office.login("王管理", "admin-pass-1")
        with pytest.raises(InputError):
            office.accept_anchor("  ")
        assert office.anchor_problem() is not None
        office.accept_anchor("上午手工复制了昨天的备份，已核对案件无误")
        assert office.anchor_problem() is None
        row = office.store.query("SELECT operator, action, detail FROM audit ORDER BY id DESC LIMIT 1")[0]
        assert (row["operator"], row["action"]) == ("王管理", "anchor")
        assert "少于校验点登记" in row["detail"] and "已核对案件无误" in row["detail"]
        assert office.audit_verify().ok
        with pytest.raises(InputError):
            office.accept_anchor("again")    # nothing left to confirm
    env = {"SANCHONG_PASSWORD": "admin-pass-1"}
    assert cli(folder, "audit-verify").returncode == 0
    assert cli(folder, "audit-accept", "--reason", "x", "--operator", "王管理", env=env).returncode == 2


def test_the_daily_check_verifies_the_chain_and_remembers_it(folder):
    with clock.frozen("2026-03-02T08:30:00"):
        with Office.open(folder) as office:          # the day's first open: the daily check and backup
            last = office.last_audit_verification()
    assert last["ok"] is True and (last["rows"], last["cases"], last["how"]) == (2, 2, "每日检查")
    assert last["at"].startswith("2026-03-02T08:30:00")
    assert Office.audit_verification_text(last) == "上次校验：2026-03-02 08:30（每日检查），共 2 条操作记录、2 件案件，完好。"
    import sqlite3

    conn = sqlite3.connect(folder / "cases.sqlite3", isolation_level=None)
    conn.execute("UPDATE cases SET assistance = '9999.00' WHERE id = 2")
    conn.close()
    with clock.frozen("2026-03-03T08:30:00"):
        with Office.open(folder) as office:
            last = office.last_audit_verification()
    assert last["ok"] is False and last["row"] == 2 and "案件 2" in last["problem"]
    assert "发现问题" in Office.audit_verification_text(last)


def test_another_windows_transaction_is_not_seen_half_way(folder):
    """The anchor is written just before COMMIT, under the write lock: a window opening at that
    instant waits for the lock and sees the rows and the anchor together (no false alarm)."""
    import sqlite3
    import threading

    import sqlite_utils

    from engine.store import chain

    writer = sqlite3.connect(folder / "cases.sqlite3", isolation_level=None, check_same_thread=False, timeout=15)
    writer.execute("BEGIN IMMEDIATE")
    chain.append(sqlite_utils.Database(writer), {"at": "2026-03-02T10:00:00+08:00", "operator": "李四",
                                                 "action": "settings", "detail": "另一个窗口的操作"})
    anchor.write(folder, writer.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone())
    reader = sqlite3.connect(folder / "cases.sqlite3", isolation_level=None)
    assert "少于校验点登记的 3 条" in anchor.check(reader, folder).zh     # as it stands mid-transaction
    reader.close()
    later = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    later.start()
    try:
        with open_(folder) as office:
            assert office.anchor_problem() is None
            assert office.audit_verify().ok
    finally:
        later.join()
        writer.close()
