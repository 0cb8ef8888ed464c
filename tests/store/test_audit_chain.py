"""The audit hash chain: what an attacker with the file and `sqlite3` can do is found by
`audit-verify`, naming the first broken row; an untouched database verifies."""
from __future__ import annotations

import copy
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT
from engine.office import Office
from engine.store.database import statements
from engine.store.migrations import MIGRATIONS
from ids import valid_id

SUN = valid_id("1970-01-01", 7)
WU = valid_id("1980-05-05", 3)
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def other(id_number: str, name: str, date: str) -> dict:
    doc = copy.deepcopy(EDGE)
    doc["person"].update(id_number=id_number, name=name)
    doc["date"] = date
    return doc


@pytest.fixture
def folder(tmp_path):
    """Three cases of two persons, a print and a void: audit rows 1–5."""
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        office.save(EDGE, operator="李四", office="城关镇")
        office.save(other(WU, "吴九", "2023-03-02"), operator="李四", office="城关镇")
        office.save(other(SUN, "孙七", "2023-04-01"), operator="李四", office="城关镇")
        office.record_print(1, operator="李四", reprint=False)
        office.void(2, "录入错误", operator="王五")
    return tmp_path / "d"


def verdict(folder):
    with Office.open(folder, daily_backup=False) as office:
        return office.audit_verify()


def attack(folder, *sql: str, put_back: bool = True) -> None:
    """Run the attacker's SQL on the file; with `put_back`, the triggers dropped for it are created
    again afterwards (a careful attacker: the schema is the app's again, so opening does not refuse it,
    and only the chain can tell)."""
    conn = sqlite3.connect(folder / "cases.sqlite3", isolation_level=None)
    try:
        triggers = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        for s in sql:
            conn.execute(s)
        if put_back:
            now = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            for name, create in triggers.items():
                if name not in now:
                    conn.execute(create)
    finally:
        conn.close()


def cli_verify(folder):
    return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(folder), "audit-verify"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_an_untouched_database_verifies(folder):
    v = verdict(folder)
    assert v.ok and (v.rows, v.chained, v.cases) == (5, 5, 3)
    done = cli_verify(folder)
    assert done.returncode == 0 and "共 5 条记录" in done.stdout


@pytest.mark.parametrize("sql, row, words", [
    (["UPDATE cases SET assistance = '9999.00' WHERE id = 3"], 3, "案件 3"),
    (["UPDATE cases SET to_pay = '9999.00' WHERE id = 3"], 3, "案件 3"),            # what the 发放名单 pays
    (["UPDATE cases SET date = '2023-01-01' WHERE id = 1"], 4, "案件 1"),         # row 4: the print vouches last
    (["UPDATE cases SET operator = '张三' WHERE id = 1"], 4, "案件 1"),
    (["UPDATE cases SET office = '别处' WHERE id = 3"], 3, "案件 3"),
    (["DROP TRIGGER cases_void_once", "UPDATE cases SET void = 0 WHERE id = 2"], 5, "案件 2"),   # un-voiding
    (["UPDATE receipts SET number = '2023-000099' WHERE case_id = 3"], 3, "回执号 2023-000099"),
    (["UPDATE persons SET name = '孙八' WHERE id = 1"], 1, "人员"),             # the row that recorded the person
    (["UPDATE persons SET id_number = '110101199001011234' WHERE id = 2"], 2, "人员"),
    (["DELETE FROM receipt_prints"], 4, "案件 1"),
    (["DROP TRIGGER cases_input_frozen", "UPDATE cases SET result = replace(result, '\"assistance\"', '\"assistanc\"'), "
      "total = '1.00' WHERE id = 1"], 4, "案件 1"),
    (["DROP TRIGGER audit_append_only_update", "UPDATE audit SET detail = '无' WHERE id = 2"], 2, "被改动"),
    (["DROP TRIGGER audit_append_only_delete", "DELETE FROM audit WHERE id = 2"], 3, "缺少记录"),
    (["DROP TRIGGER audit_append_only_delete", "DELETE FROM audit WHERE id = 5"], 2, "案件 2"),   # the last row (the void):
    # case 2 is void, unlike what its last remaining row (2, its save) recorded
    (["DROP TRIGGER audit_append_only_update",
      "UPDATE audit SET id = -1 WHERE id = 2", "UPDATE audit SET id = 2 WHERE id = 3", "UPDATE audit SET id = 3 WHERE id = -1"],
     2, "不衔接"),
    (["DROP TRIGGER cases_no_replace", "REPLACE INTO cases (id, person_id, region, policy_year, date, kind, input, "
      "result, policy_version, total, policy_scope, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, "
      "warning_kind, year_out_of_pocket, operator, office, created_at, void, void_reason, voided_at, voided_by, review, "
      "reviewed_by, reviewed_at, review_note, paid_at, paid_by, pay_method, pay_account) "   # columns named: later ones keep their defaults
      "SELECT id, person_id, region, policy_year, date, kind, input, "
      "result, policy_version, '1.00', policy_scope, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, "
      "warning_kind, year_out_of_pocket, operator, office, created_at, void, void_reason, voided_at, voided_by, review, "
      "reviewed_by, reviewed_at, review_note, paid_at, paid_by, pay_method, pay_account FROM cases "
      "WHERE id = 3"], 3, "案件 3"),
    (["DROP TRIGGER audit_no_replace", "REPLACE INTO audit (id, at, operator, action, case_id, person_id, detail, state, "
      "prev_hash, row_hash) SELECT id, at, '王五', action, case_id, person_id, detail, state, prev_hash, row_hash "
      "FROM audit WHERE id = 1"], 1, "被改动"),
])
def test_each_attack_is_found_naming_the_row(folder, sql, row, words):
    attack(folder, *sql)
    v = verdict(folder)
    assert not v.ok
    assert v.broken.row == row and words in v.broken.zh, v.broken
    done = cli_verify(folder)
    assert done.returncode == 1 and f"第 {row} 条" in done.stdout + done.stderr


def test_replace_into_is_refused_while_the_triggers_stand(folder):
    for sql in ("REPLACE INTO audit (id, at, operator, action, detail) VALUES (1, 'x', 'x', 'x', 'x')",
                "REPLACE INTO cases SELECT * FROM cases WHERE id = 1",
                "REPLACE INTO receipts SELECT * FROM receipts WHERE id = 1"):
        with pytest.raises(sqlite3.IntegrityError):
            attack(folder, sql)
    assert verdict(folder).ok


def test_a_case_inserted_without_an_audit_row_is_found(folder):
    attack(folder, "INSERT INTO cases (person_id, region, policy_year, date, kind, input, result, policy_version, total, "
                   "policy_scope, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, operator, office, "
                   "created_at) SELECT person_id, region, policy_year, date, kind, input, result, policy_version, total, "
                   "policy_scope, basic, critical, assistance, tilt, hospital_borne, out_of_pocket, operator, office, "
                   "created_at FROM cases WHERE id = 1")
    v = verdict(folder)
    assert not v.ok and "案件 4 没有任何校验过的操作记录" in v.broken.zh


def test_a_person_inserted_without_an_audit_row_is_found(folder):
    attack(folder, "INSERT INTO persons (id_number, name, created_at, updated_at) VALUES ('x', '冒名', 'x', 'x')")
    v = verdict(folder)
    assert not v.ok and "人员 3 没有任何操作记录登记" in v.broken.zh


def test_an_account_given_a_role_with_sqlite_is_found(tmp_path):
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        office.add_account("王管理", ["管理员"], "admin-pass-1")
        office.login("王管理", "admin-pass-1")
        office.add_account("李经办", ["经办"], "clerk-pass-1")
    attack(tmp_path / "d", "UPDATE accounts SET roles = '经办,审核' WHERE name = '李经办'")
    v = verdict(tmp_path / "d")
    assert not v.ok and v.broken.row == 2 and "账户" in v.broken.zh


def test_an_older_database_is_sealed_with_every_case_intact(tmp_path):
    """A folder of the schema before accounts: migrated after a backup, each case sealed once."""
    folder = tmp_path / "d"
    with Office.open(folder, daily_backup=False) as office:
        office.save(EDGE, operator="李四", office="城关镇")
        office.save(other(WU, "吴九", "2023-03-02"), operator="李四", office="城关镇")
        before = office.store.query("SELECT id, total, assistance, tilt, result FROM cases ORDER BY id")
    old = tmp_path / "old"
    old.mkdir()
    conn = sqlite3.connect(old / "cases.sqlite3", isolation_level=None)
    for number in range(len(MIGRATIONS)):
        if "CREATE TABLE accounts" in MIGRATIONS[number]:
            break
        for sql in statements(MIGRATIONS[number]):
            conn.execute(sql)
    conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(f"ATTACH '{folder / 'cases.sqlite3'}' AS new")
    for t in ("persons", "person_identities", "cases", "receipts", "receipt_prints"):
        cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({t})"))
        conn.execute(f"INSERT INTO main.{t} ({cols}) SELECT {cols} FROM new.{t}")
    conn.execute("INSERT INTO main.audit (id, at, operator, action, case_id, person_id, detail) "
                 "SELECT id, at, operator, action, case_id, person_id, detail FROM new.audit")
    conn.execute("DETACH new")
    conn.close()
    with Office.open(old, daily_backup=False) as office:
        assert office.store.query("SELECT id, total, assistance, tilt, result FROM cases ORDER BY id") == before
        assert [r["action"] for r in office.store.query("SELECT action FROM audit ORDER BY id")] == [
            "save", "save", "seal", "seal"]
        assert office.cases()[0]["review"] == "免审"
        v = office.audit_verify()
        assert v.ok and (v.rows, v.chained) == (4, 2)
        office.void(1, "录入错误", operator="王五")
        assert office.audit_verify().ok
    assert any(f"before-migration-v{number}" in p.name for p in (old / "backups").iterdir())
    with Office.open(old, daily_backup=False):
        pass
    assert verdict(old).ok
    attack(old, "DROP TRIGGER audit_append_only_update", "UPDATE audit SET row_hash = NULL WHERE id = 4")
    v = verdict(old)
    assert not v.ok and v.broken.row == 4


def test_a_dropped_trigger_left_dropped_makes_the_database_foreign(folder):
    """Without putting the trigger back, the store refuses the file at open, naming the trigger
    (issue 18: a database is the app's only if its schema is the app's); audit-verify exits 1."""
    attack(folder, "DROP TRIGGER cases_void_once", "UPDATE cases SET void = 0 WHERE id = 2", put_back=False)
    done = cli_verify(folder)
    assert done.returncode == 1 and "cases_void_once" in done.stderr
