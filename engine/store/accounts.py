"""Operator accounts: names, roles, passwords (scrypt, a salt per account), lockout, refusals.

Roles: 经办 (settle, print), 审核 (review, void, re-settle), 管理员 (accounts, parameters,
restore); an account may hold several. A password is kept only as `hashlib.scrypt` of it with
the account's own random salt; nothing reversible is stored. Five wrong passwords in a row lock
the account for five minutes (the counter is stored: each command line call is its own
process). An unknown name is checked against a dummy hash, so both paths cost one hash.

A data folder with no account works as before (free-text operator, no password) until the
first account, which must be a 管理员, is added. Every refusal is written to the audit log
(engine/store/chain.py), in a transaction of its own: that record is the only thing it writes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
from typing import Any

from .. import clock
from ..errors import InputError
from .database import Store, audit, now

ROLES = ("经办", "审核", "管理员")
MAX_TRIES = 5
LOCK_MINUTES = 5
MIN_PASSWORD = 8
_N, _R, _P = 2 ** 14, 8, 1
_NAME = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff]{2,20}$")


class Refused(InputError):
    """A login or an action the account may not take (exit 2); the refusal has been recorded."""


def _kdf(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${_kdf(password, salt, _N, _R, _P).hex()}"


def password_matches(password: str, stored: str) -> bool:
    _, n, r, p, salt, key = stored.split("$")
    return hmac.compare_digest(_kdf(password, bytes.fromhex(salt), int(n), int(r), int(p)), bytes.fromhex(key))


# What an unknown name is checked against, so that path costs one scrypt as a known name does
# (a fixed salt and key: no password is known to give it).
_DUMMY_HASH = f"scrypt${_N}${_R}${_P}${'5a' * 16}${'c3' * 32}"


def check_name(name: str) -> str:
    """An account name: 2–20 letters, digits or Chinese characters."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InputError("NAME", f"账户名“{name}”无效：应为 2–20 个汉字、字母或数字",
                         f"invalid account name {name!r}: 2-20 letters, digits or Chinese characters")
    return name


def check_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise InputError("password", f"密码至少 {MIN_PASSWORD} 个字符", f"a password needs at least {MIN_PASSWORD} characters")
    if password != password.strip() or "\n" in password:
        raise InputError("password", "密码首尾不能有空格或换行", "a password may not start or end with spaces")
    return password


def check_roles(roles: list[str]) -> list[str]:
    wrong = [r for r in roles if r not in ROLES]
    if not roles or wrong:
        raise InputError("--role", f"角色应为 {'、'.join(ROLES)} 之一（可重复 --role）" + (f"，不能是“{wrong[0]}”" if wrong else ""),
                         f"--role must be one of {', '.join(ROLES)}")
    return [r for r in ROLES if r in roles]


def has_accounts(store: Store) -> bool:
    return bool(store.conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone())


def _public(row: dict) -> dict[str, Any]:
    locked_until = row["locked_until"]
    return {"name": row["name"], "roles": row["roles"].split(","), "locked": bool(row["locked"]),
            "locked_until": locked_until if locked_until and locked_until > clock.now().isoformat() else None,
            "created_at": row["created_at"], "created_by": row["created_by"]}


def get(store: Store, name: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM accounts WHERE name = ?", (name,))
    return _public(rows[0]) if rows else None


def list_accounts(store: Store) -> list[dict[str, Any]]:
    return [_public(r) for r in store.query("SELECT * FROM accounts ORDER BY id")]


def refuse(store: Store, operator: str, action: str, zh: str, en: str, *, field: str = "--operator",
           case_id: int | None = None) -> Refused:
    """Record a refusal in the audit log (its own transaction) and give the error to raise."""
    with store.write() as db:   # the name as typed, cut short: a refusal is no place for a stranger's essay
        audit(db, (operator or "（未登录）")[:40], "refused", f"拒绝{action}：{zh[:300]}", case_id=case_id)
    return Refused(field, zh, en)


def authenticate(store: Store, name: str, password: str) -> dict[str, Any]:
    """The account, when the password is right and the account is not locked; else Refused
    (recorded; a wrong password counts towards the lock)."""
    name = (name or "").strip()[:40]
    rows = store.query("SELECT * FROM accounts WHERE name = ?", (name,))
    if not rows:
        password_matches(password or "", _DUMMY_HASH)
        raise refuse(store, name, "登录", f"账户或密码不正确（{name or '未填写账户'}）", "wrong account or password")
    row = rows[0]
    right = password_matches(password or "", row["password_hash"])
    at = clock.now()
    if row["locked"]:
        raise refuse(store, name, "登录", f"账户“{name}”已被管理员停用，请联系管理员", f"account {name} is locked by an administrator")
    until = dt.datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None
    if until and at < until:
        raise refuse(store, name, "登录", f"账户“{name}”因连续输错密码已锁定至 {until:%H:%M:%S}，请稍后再试或联系管理员",
                     f"account {name} is locked until {until:%H:%M:%S} after {MAX_TRIES} wrong passwords")
    if right:
        if row["failed_tries"] or row["locked_until"]:
            with store.write() as db:
                db["accounts"].update(row["id"], {"failed_tries": 0, "locked_until": None})
        return _public({**row, "locked_until": None})
    tries = row["failed_tries"] + 1
    with store.write() as db:
        if tries >= MAX_TRIES:
            lock = (at + dt.timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
            db["accounts"].update(row["id"], {"failed_tries": 0, "locked_until": lock})
            detail = f"密码连续错误 {MAX_TRIES} 次，锁定 {LOCK_MINUTES} 分钟"
        else:
            db["accounts"].update(row["id"], {"failed_tries": tries, "locked_until": None})
            detail = f"密码错误（第 {tries} 次）"
        audit(db, name, "refused", f"拒绝登录：{detail}")
    raise Refused("--operator", f"账户或密码不正确（{detail}）", "wrong account or password")


def require_role(store: Store, account: dict | None, roles: tuple[str, ...], action: str,
                 case_id: int | None = None) -> str:
    """The logged-in account's name, when it is still valid and holds one of `roles`; else Refused."""
    if account is None:
        raise refuse(store, "", action, f"请先登录（{action}需要账户和密码：--operator 账户，密码由 SANCHONG_PASSWORD 提供）",
                     "log in first (--operator ACCOUNT, password in SANCHONG_PASSWORD)", case_id=case_id)
    fresh = get(store, account["name"])
    if fresh is None or fresh["locked"]:
        raise refuse(store, account["name"], action, f"账户“{account['name']}”已停用", "the account is locked", case_id=case_id)
    if roles and not set(roles) & set(fresh["roles"]):
        raise refuse(store, account["name"], action, f"{action}需要{'或'.join(roles)}角色，账户“{account['name']}”没有",
                     f"{action} needs the role {' or '.join(roles)}", case_id=case_id)
    return fresh["name"]


def add_account(store: Store, actor: dict | None, name: str, roles: list[str], password: str) -> dict[str, Any]:
    """A new account. The first account needs no login and must be a 管理员; later ones need a 管理员."""
    name, roles, password = check_name(name), check_roles(roles), check_password(password)
    first = not has_accounts(store)
    if first:
        if "管理员" not in roles:
            raise refuse(store, name, "添加账户", "第一个账户必须是管理员（--role 管理员）", "the first account must be a 管理员",
                         field="--role")
        by = name
    else:
        by = require_role(store, actor, ("管理员",), "添加账户")
    if get(store, name) is not None:
        raise InputError("NAME", f"账户“{name}”已存在", f"account {name} exists")
    with store.write() as db:
        db["accounts"].insert({"name": name, "roles": ",".join(roles), "password_hash": hash_password(password),
                               "created_at": now(), "created_by": by})
        audit(db, by, "account", f"添加账户“{name}”，角色：{'、'.join(roles)}")
    return get(store, name)


def _account_or_error(store: Store, name: str) -> dict:
    rows = store.query("SELECT * FROM accounts WHERE name = ?", (name,))
    if not rows:
        raise InputError("NAME", f"没有账户“{name}”，请用 cases users list 查看", f"no account {name}")
    return rows[0]


def set_password(store: Store, actor: dict | None, name: str, password: str) -> None:
    """A new password: by a 管理员 (a forgotten one is reset, never read), or by the account itself."""
    if actor is None or actor["name"] != name:
        by = require_role(store, actor, ("管理员",), "重设密码")
    else:
        by = require_role(store, actor, (), "修改密码")
    password = check_password(password)
    row = _account_or_error(store, name)
    with store.write() as db:
        db["accounts"].update(row["id"], {"password_hash": hash_password(password), "failed_tries": 0,
                                          "locked_until": None})
        audit(db, by, "account", f"{'修改' if by == name else '重设'}账户“{name}”的密码")


def set_locked(store: Store, actor: dict | None, name: str, locked: bool) -> None:
    by = require_role(store, actor, ("管理员",), "停用账户" if locked else "启用账户")
    row = _account_or_error(store, name)
    if locked and name == by:
        raise refuse(store, by, "停用账户", "不能停用自己正在使用的账户", "an account cannot lock itself", field="NAME")
    with store.write() as db:
        db["accounts"].update(row["id"], {"locked": int(locked), "failed_tries": 0, "locked_until": None})
        audit(db, by, "account", f"{'停用' if locked else '启用'}账户“{name}”")


_COLUMNS = ("id", "name", "roles", "password_hash", "locked", "failed_tries", "locked_until", "created_at", "created_by")


def live_rows(store: Store) -> list[tuple]:
    """The accounts as they stand, to put back after a restore (keep_after_restore)."""
    return store.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM accounts ORDER BY id").fetchall()


def keep_after_restore(store: Store, rows: list[tuple], operator: str) -> None:
    """The restore hook (issue 18): the live accounts and their lock state replace those of the
    restored backup, so an account removed or locked since the backup is not revived, and a
    password changed since is not rolled back. Recorded in the audit log."""
    with store.write() as db:
        if [tuple(r) for r in db.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM accounts ORDER BY id")] == \
                [tuple(r) for r in rows]:
            return
        db.conn.execute("DROP TRIGGER IF EXISTS accounts_never_deleted")
        db.conn.execute("DELETE FROM accounts")
        db.conn.execute("CREATE TRIGGER accounts_never_deleted BEFORE DELETE ON accounts "
                        "BEGIN SELECT RAISE(ABORT, 'accounts are locked, never deleted'); END")
        db.conn.executemany(f"INSERT INTO accounts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                            rows)
        audit(db, operator or "系统", "account", "恢复备份：保留恢复前的账户及其停用、锁定状态")
