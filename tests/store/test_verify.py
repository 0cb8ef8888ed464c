"""`cases verify TEXT|- [--json]`: a receipt's QR text checked against the database. Exit 0 when
genuine and the case stands; exit 2 when unreadable, not matching, or voided. Texts of the
first format (SCJ/1, printed before the QR was redesigned) still verify."""
from __future__ import annotations

import json

import pytest

from engine.receipt import payload
from engine.receipt.make import from_stored
from engine.store import open_store
from engine.store.cases import show_case
from ids import valid_id

ID = valid_id("1980-01-01", 7)
CASE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": ID, "name": "王秀英", "identities": ["subsistence"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
KEYS = {"ok", "case_id", "receipt_no", "void", "problems"}


@pytest.fixture
def saved(run, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    done = run("save", str(tmp_path / "c.json"), "--office", "城关镇医保站", "--operator", "李四")
    assert done.returncode == 0, done.stderr
    with open_store(tmp_path / "d", daily_backup=False) as store:
        return show_case(store, 1)


def old_text(stored: dict) -> str:
    """The SCJ/1 text as receipts printed before the redesign carry it."""
    money = payload.amounts(stored["input"], stored["result"])
    lines = ["SCJ/1", f"no={stored['receipt_no']}", f"office={stored['office']}", f"case={stored['case_id']}"]
    lines += [f"{k}={money[k]}" for k in ("total", "basic", "critical", "assistance", "tilt", "oop")]
    return "\n".join(lines + [f"hash={stored['result_hash']}"])


def test_a_genuine_receipt_verifies(run, saved):
    text = from_stored(saved).qr_text
    done = run("verify", text)
    assert done.returncode == 0 and "2023-000001" in done.stdout and "真实有效" in done.stdout
    as_json = json.loads(run("verify", "-", "--json", stdin=text).stdout)
    assert as_json == {"ok": True, "case_id": 1, "receipt_no": "2023-000001", "void": False, "problems": []}


def test_a_receipt_printed_with_the_old_scj1_text_still_verifies(run, saved):
    done = run("verify", old_text(saved), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
    tampered = old_text(saved).replace("assistance=1200.00", "assistance=2200.00")
    bad = run("verify", tampered, "--json")
    assert bad.returncode == 2 and any("医疗救助" in p for p in json.loads(bad.stdout)["problems"])


@pytest.mark.parametrize("change, word", [("姓名：王秀英", "姓名"), ("医疗救助：1200.00", "医疗救助"),
                                          ("回执号：2023-000001", "没有"), ("案件编号：1", "案件编号")])
def test_a_text_that_does_not_match_the_database_exits_2(run, saved, change, word):
    text = from_stored(saved).qr_text
    assert change in text
    label, value = change.split("：")
    wrong = {"姓名": "王秀云", "医疗救助": "1300.00", "回执号": "2023-000002", "案件编号": "2"}[label]
    done = run("verify", text.replace(change, f"{label}：{wrong}"), "--json")
    assert done.returncode == 2
    outcome = json.loads(done.stdout)
    assert set(outcome) == KEYS and outcome["ok"] is False and any(word in p for p in outcome["problems"])
    plain = run("verify", text.replace(change, f"{label}：{wrong}"))
    assert plain.returncode == 2 and word in plain.stderr and "Traceback" not in plain.stderr


def test_a_voided_case_does_not_verify_and_says_when_and_why(run, saved):
    assert run("void", "1", "--reason", "结算单金额录入错误", "--operator", "李四").returncode == 0
    done = run("verify", from_stored(saved).qr_text)
    assert done.returncode == 2
    assert "已作废" in done.stderr and "结算单金额录入错误" in done.stderr and saved["created_at"][:4] in done.stderr
    outcome = json.loads(run("verify", from_stored(saved).qr_text, "--json").stdout)
    assert outcome["ok"] is False and outcome["void"] is True and outcome["case_id"] == 1


def test_an_unreadable_text_exits_2(run, saved):
    done = run("verify", "https://example.com/not-a-receipt")
    assert done.returncode == 2 and "无法识别" in done.stderr
    outcome = json.loads(run("verify", "SCJ/1\nno=2023-000001", "--json").stdout)
    assert outcome["ok"] is False and outcome["case_id"] is None and "缺少" in outcome["problems"][0]


def edit_with_sqlite3(folder, sql: str) -> None:
    """What someone with the file does: an UPDATE straight into the database, no program involved
    (a trigger in the way is dropped and put back afterwards, so the schema is the app's again)."""
    import sqlite3

    conn = sqlite3.connect(folder / "cases.sqlite3", isolation_level=None)
    try:
        frozen = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'cases_input_frozen'").fetchone()[0]
        conn.execute("DROP TRIGGER cases_input_frozen")
        conn.execute(sql)
        conn.execute(frozen)
    finally:
        conn.close()


@pytest.mark.parametrize("sql, words", [
    # the stored result is left alone: only the row's amount column says 2200.00
    ("UPDATE cases SET assistance = '2200.00' WHERE id = 1", "医疗救助：回执上为 1200.00，数据库案件记录中为 2200.00"),
    ("UPDATE cases SET total = '9500.00' WHERE id = 1", "医疗总费用：回执上为 5500.00，数据库案件记录中为 9500.00"),
    ("UPDATE cases SET out_of_pocket = '0.00' WHERE id = 1", "个人自付"),
    ("UPDATE persons SET name = '王秀云' WHERE id = 1", "姓名：回执上为 王秀英，数据库中为 王秀云"),
    (f"UPDATE persons SET id_number = '{valid_id('1981-02-02', 9, '110101')}' WHERE id = 1", "身份证号"),
])
def test_an_amount_column_or_the_person_edited_with_sqlite3_is_caught(run, saved, tmp_path, sql, words):
    """The receipt printed before the edit no longer verifies: the case row's amount columns and
    the person (masked ID number and name) are bound, not only the stored result."""
    text = from_stored(saved).qr_text
    assert run("verify", text).returncode == 0
    edit_with_sqlite3(tmp_path / "d", sql)
    done = run("verify", text, "--json")
    assert done.returncode == 2, done.stdout + done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["ok"] is False and any(words in p for p in outcome["problems"]), outcome["problems"]
