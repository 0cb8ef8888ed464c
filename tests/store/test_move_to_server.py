"""`cases move-to-server`: an office's SQLite data folder copied into an empty PostgreSQL database —
cases of several persons, voids (one of them after its 补差), 补差 records, accounts, review states,
an office code, the audit chain — then the same lists, ledgers and receipt numbers on the server,
audit-verify passing there, the SQLite file untouched, and a second move refused.

The year of 张三 is test_resettle.py's (worked by hand there): five 武汉 三类 cases, the second voided,
the later three re-settled (补差 2023-000006..8); then the third is voided too.
"""
from __future__ import annotations

import hashlib
import json

import pytest

from engine.cli import main
from engine.office import Office
from ids import valid_id

ZHANG = valid_id("1980-01-01", 1)
LI = valid_id("1975-05-05", 2)
FIVE = [("2023-02-10", "3000.00", "2800.00", "1800.00"), ("2023-04-15", "3700.00", "3500.00", "2000.00"),
        ("2023-06-20", "2600.00", "2400.00", "1400.00"), ("2023-08-05", "2000.00", "1900.00", "1100.00"),
        ("2023-10-12", "3000.00", "2800.00", "1800.00")]


def case(id_number, name, date, total, scope, basic):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


def picture(office) -> dict:
    """What a clerk sees: every case (void included) with its number, review and payouts, each 补差, each ledger."""
    rows = office.cases(include_void=True)
    return {
        "cases": [(r["case_id"], r["receipt_no"], r["office_code"], r["void"], r["review"], r["payouts"], r["name"])
                  for r in rows],
        "resettlements": {r["case_id"]: [(s["number"], s["to_pay"]) for s in office.resettlements(r["case_id"])]
                          for r in rows},
        "ledgers": {p: office.year_ledger(p, 2023) for p in (ZHANG, LI)},
        "accounts": [(a["name"], a["roles"]) for a in office.accounts()],
        "offices": office.offices(),
    }


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    data = tmp_path / "data"
    with Office.open(data, daily_backup=False) as office:
        office.set_office("42010601", "城关镇")
        saved = office.save({"cases": [case(ZHANG, "张三", *c) for c in FIVE]}, operator="李四", office="42010601").value
        office.save(case(LI, "李五", *FIVE[0]), operator="李四", office="42010601")
        office.void(saved[1].case_id, "结算单录入错误", operator="李四")
        for s in saved[2:]:
            office.resettle(s.case_id, "第2件作废后重算", operator="李四")
        office.void(saved[2].case_id, "重复录入", operator="李四")     # voided after its 补差
        office.add_account("管理员甲", ["管理员", "审核"], "admin-pass-1")
        office.login("管理员甲", "admin-pass-1")
        office.add_account("经办乙", ["经办"], "clerk-pass-1")
        office.login("经办乙", "clerk-pass-1")
        waiting = office.save(case(LI, "李五", *FIVE[3]), operator="经办乙", office="42010601").value[0]
        office.save(case(LI, "李五", *FIVE[4]), operator="经办乙", office="42010601")
        office.login("管理员甲", "admin-pass-1")
        office.approve([waiting.case_id])
    return data


def run(*argv, capsys) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_office_moves_to_the_server_with_everything_and_a_second_move_is_refused(folder, pg_url, capsys, monkeypatch):
    with Office.open(folder, daily_backup=False) as office:
        before = picture(office)
    assert {c[4] for c in before["cases"]} == {"免审", "待审核", "已审核"}
    assert [c[3] for c in before["cases"]].count(1) == 2 and sum(len(v) for v in before["resettlements"].values()) == 3
    db_file = folder / "cases.sqlite3"
    file_hash = hashlib.sha256(db_file.read_bytes()).hexdigest()

    # accounts exist: a 管理员 logs in; a 经办 is refused
    monkeypatch.setenv("SANCHONG_PASSWORD", "clerk-pass-1")
    code, out, err = run("cases", "--data-dir", str(folder), "move-to-server", "--database-url", pg_url,
                         "--operator", "经办乙", capsys=capsys)
    assert code == 2 and "迁移到服务器需要管理员角色" in err, err
    monkeypatch.setenv("SANCHONG_PASSWORD", "admin-pass-1")
    file_hash = hashlib.sha256(db_file.read_bytes()).hexdigest()   # (the refusal is recorded in the file)
    code, out, err = run("cases", "--data-dir", str(folder), "move-to-server", "--database-url", pg_url,
                         "--operator", "管理员甲", capsys=capsys)
    assert code == 0, err
    moved = json.loads(out.strip().splitlines()[-1])
    assert moved["rows"]["cases"] == 8 and moved["rows"]["resettlements"] == 3 and moved["rows"]["accounts"] == 2
    assert moved["ledgers"] == 2 and "已迁移到数据库服务器" in out and "本机数据文件未改动" in out
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == file_hash   # the SQLite file is only read

    # the server shows what the folder showed; audit-verify passes there
    monkeypatch.setenv("SANCHONG_DATABASE_URL", pg_url)
    with Office.open(folder, daily_backup=False) as office:
        assert office.store.backend == "postgresql"
        assert picture(office) == before
        last = office.store.query("SELECT operator, action FROM audit ORDER BY id DESC LIMIT 1")[0]
        assert last == {"operator": "管理员甲", "action": "move-to-server"}
    code, out, err = run("cases", "audit-verify", capsys=capsys)
    assert code == 0, err + out

    # the next save on the server takes the next number of the series (8 cases + 3 补差 so far)
    with Office.open(folder, daily_backup=False) as office:
        office.login("经办乙", "clerk-pass-1")
        nxt = office.save(case(LI, "李五", "2023-11-20", "1000.00", "900.00", "600.00"),
                          operator="经办乙", office="42010601").value[0]
    assert nxt.receipt_no == "2023-000012"

    # a second move into the same database is refused, in Chinese, and changes nothing
    monkeypatch.delenv("SANCHONG_DATABASE_URL")
    code, out, err = run("cases", "--data-dir", str(folder), "move-to-server", "--database-url", pg_url,
                         "--operator", "管理员甲", capsys=capsys)
    assert code == 2 and "已有 9 件案件，不能把本机数据迁入" in err, err
    monkeypatch.setenv("SANCHONG_DATABASE_URL", pg_url)
    with Office.open(folder, daily_backup=False) as office:
        assert len(office.cases(include_void=True)) == 9


def test_a_server_database_holding_other_rows_is_refused(tmp_path, pg_url, capsys, monkeypatch):
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    with Office.open(tmp_path / "a", daily_backup=False) as office:
        office.save(case(ZHANG, "张三", *FIVE[0]), operator="李四", office="城关镇")
    monkeypatch.setenv("SANCHONG_DATABASE_URL", pg_url)
    with Office.open(tmp_path / "b", daily_backup=False) as server_side:   # a window set an office code first
        server_side.set_office("42010701", "江岸")
    monkeypatch.delenv("SANCHONG_DATABASE_URL")
    code, out, err = run("cases", "--data-dir", str(tmp_path / "a"), "move-to-server", "--database-url", pg_url,
                         capsys=capsys)
    assert code == 2 and "已有数据（经办点 1 行" in err and "本机和服务器都没有做任何改动" in err, err


def test_a_folder_without_a_data_file_has_nothing_to_move(tmp_path, pg_url, capsys, monkeypatch):
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    (tmp_path / "empty").mkdir()
    code, out, err = run("cases", "--data-dir", str(tmp_path / "empty"), "move-to-server", "--database-url", pg_url,
                         capsys=capsys)
    assert code == 2 and "没有本机数据文件 cases.sqlite3" in err, err
    assert not (tmp_path / "empty" / "cases.sqlite3").exists()


def test_rows_are_compared_whatever_order_the_server_collates_them_in():
    from engine.store.move import _differs

    assert _differs([("城关", 1), ("b", 2.0)], [("b", 2), ("城关", "1")]) is None
    assert _differs([("a", 1)], [("a", 2)]) == 0
    assert _differs([("a", 1), ("b", 2)], [("a", 1)]) == 1


@pytest.mark.parametrize("url", ["mysql://bob@server/cases", "cases.sqlite3", "postgresql:/", "http://server/db"])
def test_a_target_that_is_not_a_postgresql_url_is_bad_input(tmp_path, url, capsys, monkeypatch):
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    with Office.open(tmp_path / "a", daily_backup=False) as office:
        office.save(case(ZHANG, "张三", *FIVE[0]), operator="李四", office="城关镇")
    before = (tmp_path / "a" / "cases.sqlite3").read_bytes()
    code, out, err = run("cases", "--data-dir", str(tmp_path / "a"), "move-to-server", "--database-url", url,
                         capsys=capsys)
    assert code == 2 and "--database-url" in err and "postgresql://" in err, err
    assert (tmp_path / "a" / "cases.sqlite3").read_bytes() == before
