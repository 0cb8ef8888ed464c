"""Operator accounts through the office: passwords kept only as scrypt hashes, lockout after five
wrong tries (the counter stored), a dummy hash for unknown names, roles, and refusals that change
nothing but the recorded refusal. A folder with no account works as before."""
from __future__ import annotations

import copy

import pytest

from engine import clock
from engine.errors import InputError
from engine.office import Office, Refused
from engine.store import accounts
from ids import valid_id

SUN = valid_id("1970-01-01", 7)
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
PW = {"王管理": "admin-pass-1", "李经办": "clerk-pass-1", "赵审核": "check-pass-1", "钱双岗": "both-pass-1"}


def later(date: str) -> dict:
    return {**copy.deepcopy(EDGE), "date": date}


@pytest.fixture
def office(tmp_path, backend):  # on SQLite and on PostgreSQL (tests/pg.py)
    with Office.open(tmp_path / "d", daily_backup=False) as o:
        yield o


def staffed(office) -> Office:
    """An office with a 管理员, a 经办, a 审核 and one holding both 经办 and 审核."""
    office.add_account("王管理", ["管理员"], PW["王管理"])
    office.login("王管理", PW["王管理"])
    office.add_account("李经办", ["经办"], PW["李经办"])
    office.add_account("赵审核", ["审核"], PW["赵审核"])
    office.add_account("钱双岗", ["经办", "审核"], PW["钱双岗"])
    office.logout()
    return office


def as_(office, name) -> Office:
    office.login(name, PW[name])
    return office


def snapshot(office) -> dict:
    """Everything but the audit log (where refusals go) and the lock counters."""
    q = office.store.query
    return {t: q(f"SELECT * FROM {t} ORDER BY id") for t in ("cases", "receipts", "receipt_prints", "persons",
                                                                 "policy_versions", "policy_proposals")} | {
        "accounts": q("SELECT name, roles, password_hash, locked FROM accounts ORDER BY id"),
        "settings": q("SELECT * FROM settings ORDER BY key")}


def refusals(office) -> list[dict]:
    return office.store.query("SELECT operator, detail FROM audit WHERE action = 'refused' ORDER BY id")


def test_a_folder_without_accounts_works_as_before(office):
    assert not office.has_accounts()
    saved = office.save(EDGE, operator="随便写", office="城关镇").value[0]
    assert office.case(saved.case_id)["operator"] == "随便写"
    assert office.cases()[0]["review"] == "免审"      # no account: nobody to review
    office.void(saved.case_id, "录入错误", operator="另一人")


def test_the_first_account_must_be_an_administrator_and_needs_no_login(office):
    with pytest.raises(Refused):
        office.add_account("李经办", ["经办"], PW["李经办"])
    assert not office.has_accounts() and len(refusals(office)) == 1
    office.add_account("王管理", ["管理员"], PW["王管理"])
    with pytest.raises(Refused) as no_login:        # from now on account changes need a 管理员
        office.add_account("李经办", ["经办"], PW["李经办"])
    assert "请先登录" in no_login.value.zh
    assert [a["name"] for a in office.accounts()] == ["王管理"]


def test_names_roles_and_passwords_are_checked(office):
    for name, roles, pw, field in (("王", ["管理员"], "long-enough", "NAME"), ("王 管理", ["管理员"], "long-enough", "NAME"),
                                   ("王管理", ["出纳"], "long-enough", "--role"), ("王管理", ["管理员"], "short", "password")):
        with pytest.raises(InputError) as bad:
            office.add_account(name, roles, pw)
        assert bad.value.field == field
    assert not office.has_accounts()


def test_the_database_holds_no_password_nor_a_reversible_form(office):
    staffed(office)
    rows = office.store.query("SELECT name, password_hash FROM accounts")
    dump = "\n".join(office.store.conn.iterdump()) if office.store.backend == "sqlite" else \
        office.backup().value.read_text(encoding="utf-8")   # (PostgreSQL: the export `cases backup` writes)
    for name, pw in PW.items():
        assert pw not in dump and pw.encode().hex() not in dump
    hashes = [r["password_hash"] for r in rows]
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes)
    salts = {h.split("$")[4] for h in hashes}
    assert len(salts) == len(hashes)              # a salt per account
    again = accounts.hash_password(PW["王管理"])
    assert again != rows[0]["password_hash"] and accounts.password_matches(PW["王管理"], again)


def test_five_wrong_tries_lock_for_five_minutes_and_the_counter_is_stored(tmp_path):
    folder = tmp_path / "d"
    with Office.open(folder, daily_backup=False) as office:
        staffed(office)
    with clock.frozen("2026-03-01T09:00:00"):
        for n in range(1, 5):
            with Office.open(folder, daily_backup=False) as office:     # each try its own process, as the CLI
                with pytest.raises(Refused) as wrong:
                    office.login("李经办", "not-the-password")
                assert f"第 {n} 次" in wrong.value.zh
        with Office.open(folder, daily_backup=False) as office:
            with pytest.raises(Refused) as fifth:
                office.login("李经办", "not-the-password")
            assert "锁定 5 分钟" in fifth.value.zh
            with pytest.raises(Refused) as locked:           # the right password is refused while locked
                office.login("李经办", PW["李经办"])
            assert "锁定至 09:05:00" in locked.value.zh
    with clock.frozen("2026-03-01T09:04:59"), Office.open(folder, daily_backup=False) as office:
        with pytest.raises(Refused):
            office.login("李经办", PW["李经办"])
    with clock.frozen("2026-03-01T09:05:00"), Office.open(folder, daily_backup=False) as office:
        assert office.login("李经办", PW["李经办"])["name"] == "李经办"
        row = office.store.query("SELECT failed_tries, locked_until FROM accounts WHERE name = '李经办'")[0]
        assert row == {"failed_tries": 0, "locked_until": None}
        assert len(refusals(office)) == 7


def test_an_unknown_account_costs_the_same_hash_as_a_known_one(office, monkeypatch):
    staffed(office)
    calls = []
    real = accounts._kdf
    monkeypatch.setattr(accounts, "_kdf", lambda *a: calls.append(a[2:]) or real(*a))
    with pytest.raises(Refused) as unknown:
        office.login("没有此人", "whatever-pass")
    with pytest.raises(Refused) as wrong:
        office.login("李经办", "whatever-pass")
    assert calls == [(16384, 8, 1), (16384, 8, 1)]      # one scrypt on each path
    assert unknown.value.zh.startswith("账户或密码不正确") and wrong.value.zh.startswith("账户或密码不正确")


def test_changes_need_a_login_and_the_right_role_and_refusals_change_nothing(office):
    staffed(office)
    before = snapshot(office)
    with pytest.raises(Refused):                        # nobody logged in
        office.save(EDGE, operator="随便写", office="城关镇")
    as_(office, "赵审核")
    with pytest.raises(Refused) as no_role:             # a 审核 does not settle
        office.save(EDGE, operator="赵审核", office="城关镇")
    assert "经办" in no_role.value.zh
    as_(office, "王管理")
    office.set_locked("李经办", True)
    with pytest.raises(Refused):
        office.login("李经办", PW["李经办"])            # locked by a 管理员
    office.set_locked("李经办", False)
    assert snapshot(office) == before
    assert len(refusals(office)) == 3
    as_(office, "李经办")
    saved = office.save(EDGE, operator="typed text is ignored", office="城关镇").value[0]
    assert office.case(saved.case_id)["operator"] == "李经办"
    assert office.cases()[0]["review"] == "待审核"


def test_a_forgotten_password_is_reset_by_an_administrator(office):
    staffed(office)
    as_(office, "李经办")
    with pytest.raises(Refused):
        office.set_password("赵审核", "new-password-9")     # not a 管理员, not their own
    office.set_password("李经办", "new-password-1")          # their own
    as_(office, "王管理")
    office.set_password("赵审核", "new-password-2")
    with pytest.raises(Refused):
        office.login("赵审核", PW["赵审核"])
    assert office.login("赵审核", "new-password-2")["roles"] == ["审核"]


def test_a_restore_keeps_the_live_accounts_and_their_locks(office, backend):
    if backend:
        pytest.skip("a server's database is restored by its administrator; restore refuses (test_pg_backend.py)")
    staffed(office)
    backup = office.backup().value                      # 王管理, 李经办, 赵审核, 钱双岗, all in use
    as_(office, "王管理")
    office.set_locked("赵审核", True)                   # locked since the backup
    office.set_password("李经办", "changed-pass-1")     # a password changed since
    office.add_account("孙新人", ["经办"], "newbie-pass-1")   # added since
    before = office.store.query("SELECT name, roles, password_hash, locked FROM accounts ORDER BY id")
    office.restore(backup)
    assert office.store.query("SELECT name, roles, password_hash, locked FROM accounts ORDER BY id") == before
    with pytest.raises(Refused):
        office.login("赵审核", PW["赵审核"])            # not revived by the backup
    with pytest.raises(Refused):
        office.login("李经办", PW["李经办"])            # the old password does not come back
    assert office.login("孙新人", "newbie-pass-1")["name"] == "孙新人"
    assert office.audit_verify().ok


def test_a_restore_needs_an_administrator(office):
    staffed(office)
    backup = office.backup().value
    as_(office, "李经办")
    with pytest.raises(Refused):
        office.restore(backup)
