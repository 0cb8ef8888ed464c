"""`python -m engine cases users|approve|return|pay|pay-list|audit|audit-verify|audit-accept|review|policy-approve`,
and the login every changing command makes (store-cli.md, docs/accounts.md).

A data folder without accounts works as before (free-text --operator, no password). Once it has
one, a changing command needs `--operator ACCOUNT` and that account's password in
SANCHONG_PASSWORD (or typed at a hidden prompt when a terminal is attached); the password is
checked once per process. Refusals exit 2 and change nothing but the recorded refusal.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from ..errors import InputError


def login(office, args: argparse.Namespace) -> None:
    """Log the office in as --operator when it has accounts (Refused, recorded, when not possible)."""
    if not office.has_accounts() or office.account is not None:
        return
    from ..store.accounts import refuse

    name = (getattr(args, "operator", None) or "").strip()
    if not name:
        raise refuse(office.store, "", "操作", "本经办点已启用账户：请用 --operator 指定账户，密码由环境变量 SANCHONG_PASSWORD 提供",
                     "this office has accounts: give --operator ACCOUNT and the password in SANCHONG_PASSWORD")
    password = os.environ.get("SANCHONG_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise refuse(office.store, name, "登录", "没有提供密码：请设置环境变量 SANCHONG_PASSWORD，或在终端中运行以输入密码",
                         "no password: set SANCHONG_PASSWORD or run in a terminal")
        password = getpass.getpass(f"账户“{name}”的密码：")
    office.login(name, password)


def _open(args: argparse.Namespace, *, log_in: bool = True, daily_backup: bool = True):
    from ..office import Office

    office = Office.open(args.data_dir, daily_backup=daily_backup)
    try:
        if log_in:
            login(office, args)
    except BaseException:
        office.close()
        raise
    return office


def _new_password() -> str:
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


def _users_add(args: argparse.Namespace) -> int:
    if not args.password_stdin:
        raise InputError("--password-stdin", "新账户的密码须从标准输入提供（--password-stdin）",
                         "give the new account's password on standard input (--password-stdin)")
    password = _new_password()
    with _open(args) as office:
        done = office.add_account(args.name, args.role, password).value
    print(f"已添加账户“{done['name']}”，角色：{'、'.join(done['roles'])}。")
    return 0


def _users_passwd(args: argparse.Namespace) -> int:
    if not args.password_stdin:
        raise InputError("--password-stdin", "新密码须从标准输入提供（--password-stdin）",
                         "give the new password on standard input (--password-stdin)")
    password = _new_password()
    with _open(args) as office:
        office.set_password(args.name, password)
    print(f"账户“{args.name}”的密码已更改。")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    with _open(args, log_in=False) as office:
        rows = office.accounts()
    if not rows:
        print("本经办点尚未设置账户（经办人按 --operator 或设置中的名字记录）。")
        return 0
    for r in rows:
        state = "已停用" if r["locked"] else (f"锁定至 {r['locked_until']}" if r["locked_until"] else "在用")
        print(f"{r['name']}  {'、'.join(r['roles'])}  {state}  （{r['created_at']} 由 {r['created_by']} 添加）")
    print(f"共 {len(rows)} 个账户。")
    return 0


def _users_lock(args: argparse.Namespace) -> int:
    locked = args.users_command == "lock"
    with _open(args) as office:
        office.set_locked(args.name, locked)
    print(f"账户“{args.name}”已{'停用' if locked else '启用'}。")
    return 0


def _approve(args: argparse.Namespace) -> int:
    with _open(args) as office:
        done = office.approve(args.case_ids).value
    for d in done:
        print(f"案件 {d['case_id']}（回执号 {d['receipt_no']}）审核通过。")
    return 0


def _return(args: argparse.Namespace) -> int:
    with _open(args) as office:
        done = office.send_back(args.case_id, args.reason).value
    print(f"案件 {done['case_id']}（回执号 {done['receipt_no']}）已退回经办人：{args.reason}")
    return 0


def _pay(args: argparse.Namespace) -> int:
    with _open(args) as office:
        done = office.pay(args.case_id, args.method, args.account, args.date,
                          operator=args.operator or office.setting("operator") or "经办人").value
    print(f"案件 {done['case_id']}（回执号 {done['receipt_no']}）已发放（{done['method']}"
          f"{' ' + done['account'] if done['account'] else ''}）。")
    return 0


def _pay_list(args: argparse.Namespace) -> int:
    with _open(args, log_in=False) as office:
        listing = office.write_pay_list(args.output, args.office)
    print(f"发放名单：{listing['count']} 件，合计 {listing['total']} 元，已写入 {args.output}" +
          ("（本经办点已关闭审核，名单中的案件未经他人审核）" if listing["review_off"] else ""))
    return 0


def _audit(args: argparse.Namespace) -> int:
    with _open(args, log_in=False) as office:
        rows = office.audit_rows(day=args.date, case_id=args.case_id)
    for r in rows:
        print(f"{r['id']}  {r['at']}  {r['operator']}  {r['action']}" +
              (f"  案件 {r['case_id']}" if r["case_id"] is not None else "") + f"  {r['detail']}")
    print(f"共 {len(rows)} 条操作记录。")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    with _open(args, log_in=False) as office:
        verdict = office.audit_verify("命令行")
    if verdict.ok:
        print(f"操作记录校验通过：共 {verdict.rows} 条记录（其中 {verdict.chained} 条带校验值），{verdict.cases} 件案件与记录一致。")
        return 0
    b = verdict.broken
    sys.stderr.write(f"操作记录校验失败：{b.zh}\nAudit chain broken: {b.en}\n")
    print(f"校验失败：{'第 ' + str(b.row) + ' 条记录' if b.row else '记录'}：{b.zh}")
    return 1


def _audit_accept(args: argparse.Namespace) -> int:
    with _open(args) as office:
        office.accept_anchor(args.reason, operator=args.operator)
    print("已确认操作记录校验点并记入操作记录；校验点已按当前数据库重新登记。")
    return 0


def _review(args: argparse.Namespace) -> int:
    with _open(args) as office:
        office.set_review(args.state == "on")
    print("已开启审核：保存的案件须由另一账户审核。" if args.state == "on" else
          "已关闭审核：本经办点只有一个账户，保存的案件记为免审，报表和发放名单注明未经审核。")
    return 0


def _policy_approve(args: argparse.Namespace) -> int:
    with _open(args) as office:
        done = office.approve_policy(args.proposal_id).value
    print(f"参数调整已生效：{done['region_name']} {done['name']} 自 {done['valid_from']} 起为 {done['value_text']}。")
    return 0


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from None


def add_parsers(cmds: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    op = {"help": "账户名 (the password in SANCHONG_PASSWORD)"}

    p = cmds.add_parser("users", help="operator accounts: add, passwd, list, lock, unlock")
    users = p.add_subparsers(dest="users_command", required=True, parser_class=parser_class)
    u = users.add_parser("add", help="a new account (the first must be a 管理员 and needs no login)")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--role", action="append", required=True, help="经办, 审核 or 管理员; repeat for several")
    u.add_argument("--password-stdin", action="store_true", help="the new account's password on standard input")
    u.add_argument("--operator", **op)
    u.set_defaults(run=_users_add)
    u = users.add_parser("passwd", help="a new password (a 管理员, or the account itself)")
    u.add_argument("name", metavar="NAME")
    u.add_argument("--password-stdin", action="store_true", help="the new password on standard input")
    u.add_argument("--operator", **op)
    u.set_defaults(run=_users_passwd)
    u = users.add_parser("list", help="the accounts, their roles and locks")
    u.set_defaults(run=_users_list)
    for name in ("lock", "unlock"):
        u = users.add_parser(name, help=f"{name} an account (a 管理员)")
        u.add_argument("name", metavar="NAME")
        u.add_argument("--operator", **op)
        u.set_defaults(run=_users_lock)

    p = cmds.add_parser("approve", help="审核通过 cases awaiting review (a 审核 other than their maker)")
    p.add_argument("case_ids", metavar="CASE_ID", type=int, nargs="+")
    p.add_argument("--operator", **op)
    p.set_defaults(run=_approve)

    p = cmds.add_parser("return", help="退回 a case awaiting review to its maker, with a reason")
    p.add_argument("case_id", metavar="CASE_ID", type=int)
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", **op)
    p.set_defaults(run=_return)

    p = cmds.add_parser("pay", help="发放: record how a reviewed case was paid")
    p.add_argument("case_id", metavar="CASE_ID", type=int)
    p.add_argument("--method", required=True, choices=["现金", "银行卡", "社保卡"])
    p.add_argument("--account", metavar="N", help="bank or social-security card account number (stored, shown masked)")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the day paid (default: today)")
    p.add_argument("--operator", **op)
    p.set_defaults(run=_pay)

    p = cmds.add_parser("pay-list", help="the 发放名单: reviewed cases not yet paid, with totals, as xlsx")
    p.add_argument("--office", metavar="CODE", help="only this office's cases")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.set_defaults(run=_pay_list)

    p = cmds.add_parser("audit", help="the audit log of a day or of a case")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--date", type=_date, metavar="YYYY-MM-DD")
    which.add_argument("--case", dest="case_id", type=int, metavar="ID")
    p.set_defaults(run=_audit)

    p = cmds.add_parser("audit-verify", help="verify the audit hash chain against the stored cases (exit 1 if broken)")
    p.set_defaults(run=_audit_verify)

    p = cmds.add_parser("audit-accept", help="a 管理员 confirms what the audit anchor check found (recorded)")
    p.add_argument("--reason", required=True, help="what was checked")
    p.add_argument("--operator", **op)
    p.set_defaults(run=_audit_accept)

    p = cmds.add_parser("review", help="switch review on or off (a 管理员; off only with a single account)")
    p.add_argument("state", choices=["on", "off"])
    p.add_argument("--operator", **op)
    p.set_defaults(run=_review)

    p = cmds.add_parser("policy-approve", help="approve a parameter change proposed by another account")
    p.add_argument("proposal_id", metavar="ID", type=int)
    p.add_argument("--operator", **op)
    p.set_defaults(run=_policy_approve)
