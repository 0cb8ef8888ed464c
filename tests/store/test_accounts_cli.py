"""The accounts on the command line: `cases users …`, --operator with SANCHONG_PASSWORD, approve,
return, pay, pay-list, audit, audit-verify. Each refusal exits 2 and writes nothing but its record."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from ids import valid_id

SUN = valid_id("1970-01-01", 7)
WU = valid_id("1980-05-05", 3)


def case(id_number=SUN, name="孙七", date="2023-03-01"):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "9000.00", "policy_scope": "8500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def cli(tmp_path):
    """run(*args, user=None, password=None, stdin=None): `cases` as ACCOUNT with its password."""
    def run(*args, user=None, password=None, stdin=None):
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        env.pop("SANCHONG_PASSWORD", None)
        if password is not None:
            env["SANCHONG_PASSWORD"] = password
        extra = ["--operator", user] if user else []
        return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(tmp_path / "d"), *args, *extra],
                              cwd=ROOT, input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=120,
                              env=env)
    run.db = tmp_path / "d" / "cases.sqlite3"
    return run


def table(cli, sql):
    conn = sqlite3.connect(cli.db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def state(cli):
    """Everything a refusal must leave alone (the audit log and lock counters excepted)."""
    return [table(cli, f"SELECT * FROM {t} ORDER BY 1") for t in ("cases", "receipts", "receipt_prints", "persons",
                                                                   "policy_versions", "policy_proposals", "settings")] + [
        table(cli, "SELECT name, roles, password_hash, locked FROM accounts ORDER BY id")]


def refused_rows(cli):
    return table(cli, "SELECT count(*) FROM audit WHERE action = 'refused'")[0][0]


@pytest.fixture
def office(cli):
    """An office with 王管理 (管理员), 李经办 (经办), 赵审核 (审核); one saved case by 李经办."""
    assert cli("users", "add", "王管理", "--role", "管理员", "--password-stdin", stdin="admin-pass-1\n").returncode == 0
    for name, role, pw in (("李经办", "经办", "clerk-pass-1"), ("赵审核", "审核", "check-pass-1")):
        done = cli("users", "add", name, "--role", role, "--password-stdin", stdin=pw, user="王管理", password="admin-pass-1")
        assert done.returncode == 0, done.stderr
    saved = cli("save", "-", stdin=json.dumps(case()), user="李经办", password="clerk-pass-1")
    assert saved.returncode == 0, saved.stderr
    return cli


def test_a_folder_without_accounts_keeps_free_text_operators(cli):
    assert cli("save", "-", "--operator", "张三", stdin=json.dumps(case())).returncode == 0
    assert cli("users", "list").stdout.startswith("本经办点尚未设置账户")
    assert table(cli, "SELECT operator, review FROM cases") == [("张三", "免审")]
    first = cli("users", "add", "李经办", "--role", "经办", "--password-stdin", stdin="clerk-pass-1")
    assert first.returncode == 2 and "第一个账户必须是管理员" in first.stderr
    assert table(cli, "SELECT count(*) FROM accounts") == [(0,)]
    assert cli("audit-verify").returncode == 0


def test_users_add_list_lock_unlock_passwd(office):
    listing = office("users", "list").stdout
    assert "王管理  管理员  在用" in listing and "李经办  经办  在用" in listing and "共 3 个账户" in listing
    before = state(office)
    for args, kw in ((("users", "add", "钱五", "--role", "经办", "--password-stdin"),
                      {"stdin": "some-pass-1", "user": "李经办", "password": "clerk-pass-1"}),     # not a 管理员
                     (("users", "lock", "赵审核"), {"user": "王管理", "password": "wrong-pass"}),   # wrong password
                     (("users", "lock", "赵审核"), {"user": "没有此人", "password": "admin-pass-1"}),  # unknown account
                     (("users", "lock", "赵审核"), {})):                                          # no login at all
        before_refusals = refused_rows(office)
        done = office(*args, **kw)
        assert done.returncode == 2, (args, done.stderr)
        assert state(office) == before
        assert refused_rows(office) == before_refusals + 1
    assert office("users", "lock", "赵审核", user="王管理", password="admin-pass-1").returncode == 0
    assert "赵审核  审核  已停用" in office("users", "list").stdout
    assert office("approve", "1", user="赵审核", password="check-pass-1").returncode == 2     # locked
    assert office("users", "unlock", "赵审核", user="王管理", password="admin-pass-1").returncode == 0
    assert office("users", "passwd", "赵审核", "--password-stdin", stdin="new-check-pass",
                  user="王管理", password="admin-pass-1").returncode == 0
    assert office("approve", "1", user="赵审核", password="check-pass-1").returncode == 2
    assert office("approve", "1", user="赵审核", password="new-check-pass").returncode == 0


def test_maker_checker_cannot_be_bypassed_on_the_command_line(office):
    assert table(office, "SELECT operator, review FROM cases") == [("李经办", "待审核")]
    # the maker approving their own case: a 经办 and 审核 account saves, then approves it
    assert office("users", "add", "钱双岗", "--role", "经办", "--role", "审核", "--password-stdin", stdin="both-pass-1",
                  user="王管理", password="admin-pass-1").returncode == 0
    assert office("save", "-", stdin=json.dumps(case(WU, "吴九")), user="钱双岗", password="both-pass-1").returncode == 0
    before, refusals = state(office), refused_rows(office)
    own = office("approve", "2", user="钱双岗", password="both-pass-1")
    assert own.returncode == 2 and "不能审核自己的案件" in own.stderr
    assert office("approve", "1", user="李经办", password="clerk-pass-1").returncode == 2     # a 经办 is no reviewer
    assert office("return", "2", "--reason", "x", user="钱双岗", password="both-pass-1").returncode == 2
    assert office("pay", "1", "--method", "现金", user="李经办", password="clerk-pass-1").returncode == 2  # not reviewed
    assert state(office) == before and refused_rows(office) == refusals + 4
    # a second account approves; then the 经办 may no longer void it
    ok = office("approve", "1", "2", user="赵审核", password="check-pass-1")
    assert ok.returncode == 0 and "审核通过" in ok.stdout
    assert table(office, "SELECT review, reviewed_by FROM cases ORDER BY id") == [("已审核", "赵审核")] * 2
    before = state(office)
    void = office("void", "1", "--reason", "录错", user="李经办", password="clerk-pass-1")
    assert void.returncode == 2 and "经办人以外的审核人员" in void.stderr
    assert state(office) == before
    assert office("void", "1", "--reason", "录错", user="赵审核", password="check-pass-1").returncode == 0


def test_return_then_the_maker_voids_and_enters_again(office):
    sent = office("return", "1", "--reason", "发票金额不符", user="赵审核", password="check-pass-1")
    assert sent.returncode == 0 and "已退回" in sent.stdout
    assert table(office, "SELECT review, review_note FROM cases") == [("退回", "发票金额不符")]
    assert office("approve", "1", user="赵审核", password="check-pass-1").returncode == 2     # 退回 is not approved
    assert office("void", "1", "--reason", "退回重录", user="李经办", password="clerk-pass-1").returncode == 0
    assert office("save", "-", stdin=json.dumps(case()), user="李经办", password="clerk-pass-1").returncode == 0
    assert table(office, "SELECT id, void, review FROM cases ORDER BY id") == [(1, 1, "退回"), (2, 0, "待审核")]


def test_a_parameter_change_needs_a_second_account(office):
    new = '{"resident": {"1": 200, "2": 800, "3": 900}, "employee": {"1": 200, "2": 500, "3": 900}}'
    args = ("policy-set", "changchun", "basic.inpatient.deductible", new, "--from", "2099-01-01", "--reason", "新通知")
    proposed = office(*args, user="王管理", password="admin-pass-1")
    assert proposed.returncode == 0, proposed.stderr
    assert "policy-approve 1" in proposed.stdout
    assert table(office, "SELECT count(*) FROM policy_versions") == [(0,)]       # not in force yet
    assert office(*args, user="李经办", password="clerk-pass-1").returncode == 2    # a 经办 changes no parameter
    before = state(office)
    own = office("policy-approve", "1", user="王管理", password="admin-pass-1")
    assert own.returncode == 2 and "须由另一账户审批" in own.stderr
    assert state(office) == before
    done = office("policy-approve", "1", user="赵审核", password="check-pass-1")
    assert done.returncode == 0, done.stderr
    assert table(office, "SELECT operator FROM policy_versions") == [("王管理",)]
    assert table(office, "SELECT state, decided_by FROM policy_proposals") == [("已生效", "赵审核")]


def test_review_switch_only_for_a_single_account(cli):
    assert cli("users", "add", "王管理", "--role", "管理员", "--role", "经办", "--password-stdin",
               stdin="admin-pass-1").returncode == 0
    assert cli("review", "off", user="王管理", password="admin-pass-1").returncode == 0
    assert cli("save", "-", stdin=json.dumps(case()), user="王管理", password="admin-pass-1").returncode == 0
    assert table(cli, "SELECT review FROM cases") == [("免审",)]
    assert cli("review", "on", user="王管理", password="admin-pass-1").returncode == 0
    assert cli("users", "add", "赵审核", "--role", "审核", "--password-stdin", stdin="check-pass-1",
               user="王管理", password="admin-pass-1").returncode == 0
    refused = cli("review", "off", user="王管理", password="admin-pass-1")
    assert refused.returncode == 2 and "不能关闭审核" in refused.stderr
    assert table(cli, "SELECT action FROM audit WHERE action = 'settings'") == [("settings",), ("settings",)]


def test_pay_and_the_pay_list(office, tmp_path):
    assert office("save", "-", stdin=json.dumps(case(WU, "吴九")), user="李经办", password="clerk-pass-1").returncode == 0
    assert office("approve", "1", "2", user="赵审核", password="check-pass-1").returncode == 0
    out = tmp_path / "pay.xlsx"
    assert office("pay-list", "-o", str(out)).returncode == 0
    sheet = load_workbook(out).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2) if r[0].value]
    amounts = {r[2]: r[8] for r in rows if isinstance(r[0], int)}
    # 武汉 三类 (低保边缘): burden 9000 - 3500 = 5500 ... the stored amounts are what is paid
    stored = dict(table(office, "SELECT p.name, CAST(c.assistance AS TEXT) || '+' || c.tilt FROM cases c "
                                "JOIN persons p ON p.id = c.person_id"))
    for name, amount in amounts.items():
        a, t = stored[name].split("+")
        assert f"{amount:.2f}" == f"{float(a) + float(t):.2f}"
    assert all(SUN not in str(r) and WU not in str(r) for r in rows)          # ID numbers masked
    bad = office("pay", "1", "--method", "银行卡", user="李经办", password="clerk-pass-1")
    assert bad.returncode == 2 and "--account" in bad.stderr
    paid = office("pay", "1", "--method", "银行卡", "--account", "6222020200112233445", "--date", "2023-03-05",
                  user="李经办", password="clerk-pass-1")
    assert paid.returncode == 0 and "***************3445" in paid.stdout
    assert table(office, "SELECT paid_at, paid_by, pay_method FROM cases WHERE id = 1") == [("2023-03-05", "李经办", "银行卡")]
    again = office("pay", "1", "--method", "现金", user="李经办", password="clerk-pass-1")
    assert again.returncode == 2 and "已于 2023-03-05 发放" in again.stderr
    assert office("pay-list", "-o", str(out)).returncode == 0
    names = [r[0].value for r in load_workbook(out).active.iter_rows(min_row=2)]
    assert 1 not in names and 2 in names
    assert "6222020200112233445" not in office("audit", "--case", "1").stdout


def test_audit_lists_a_case_and_verify_counts_rows(office):
    shown = office("audit", "--case", "1")
    assert shown.returncode == 0 and "李经办  save  案件 1" in shown.stdout
    verified = office("audit-verify")
    rows = table(office, "SELECT count(*) FROM audit")[0][0]
    assert verified.returncode == 0 and f"共 {rows} 条记录" in verified.stdout


def test_resettle_is_a_checkers_change(office):
    """补差 (re-settle) belongs to 审核: a 经办 or no login is refused (exit 2, recorded, nothing
    written); a 审核 settles it. Listing the cases waiting for 补差 needs no login."""
    cli = office
    later = cli("save", "-", stdin=json.dumps(case(date="2023-04-01")), user="李经办", password="clerk-pass-1")
    assert later.returncode == 0, later.stderr
    assert cli("void", "1", "--reason", "录入错误", user="李经办", password="clerk-pass-1").returncode == 0
    pending = cli("resettle", "--pending", "--json")
    assert pending.returncode == 0 and [r["case_id"] for r in json.loads(pending.stdout)] == [2]
    before, refused = state(cli), refused_rows(cli)
    for who in ({"user": "李经办", "password": "clerk-pass-1"}, {}):
        done = cli("resettle", "2", "--reason", "作废后重算", **who)
        assert done.returncode == 2, done.stdout + done.stderr
    assert "补差需要审核角色" in cli("resettle", "2", "--reason", "作废后重算", user="李经办", password="clerk-pass-1").stderr
    assert state(cli) == before and table(cli, "SELECT count(*) FROM resettlements") == [(0,)]
    assert refused_rows(cli) == refused + 3
    done = cli("resettle", "2", "--reason", "作废后重算", user="赵审核", password="check-pass-1")
    assert done.returncode == 0, done.stderr
    assert table(cli, "SELECT case_id, operator FROM resettlements") == [(2, "赵审核")]


def test_audit_of_a_day(office):
    """`cases audit --date D`: that day's rows (by their recorded time), each naming its account."""
    days = table(office, "SELECT DISTINCT substr(at, 1, 10) FROM audit")
    assert len(days) == 1
    day = days[0][0]
    rows = table(office, "SELECT id, operator, action FROM audit ORDER BY id")
    shown = office("audit", "--date", day)
    assert shown.returncode == 0 and f"共 {len(rows)} 条操作记录。" in shown.stdout
    listed = [line.split()[:4] for line in shown.stdout.splitlines()[:-1]]
    assert [(int(r[0]), r[2], r[3]) for r in listed] == rows
    assert "共 0 条操作记录。" in office("audit", "--date", "2001-01-01").stdout
    bad = office("audit", "--date", "2026-02-30")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
