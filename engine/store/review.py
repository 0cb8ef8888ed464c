"""Maker-checker: review of saved cases (待审核 → 已审核 or 退回), who may void, parameter
changes that wait for a second account, the review switch, and payment (发放).

The rule that never bends: the maker of an action is never its checker. A case's maker is its
`operator`; a parameter change's maker is the proposal's `operator`. Every refusal is recorded
(engine.store.accounts.refuse) and nothing else is written.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..errors import InputError
from ..region_registry import REGIONS
from . import accounts
from . import policy_versions as versions
from .database import Store, audit, now
from .offices import IMPORTED_CODES, refuse_imported

METHODS = ("现金", "银行卡", "社保卡")
PAYABLE = ("已审核", "免审")


def review_required(store: Store) -> bool:
    return accounts.has_accounts(store) and store.setting("review") != "off"


def _case(store: Store, case_id: int) -> dict:
    rows = store.query("SELECT c.*, r.number AS receipt_no FROM cases c JOIN receipts r ON r.case_id = c.id "
                       "WHERE c.id = ?", (case_id,))
    if not rows:
        raise InputError("CASE_ID", f"没有编号为 {case_id} 的案件，请用 list 命令查找案件编号", f"no case {case_id}")
    return rows[0]


def _reviewer(store: Store, account: dict | None, action: str, row: dict) -> str:
    """A 审核 account other than the case's maker."""
    name = accounts.require_role(store, account, ("审核",), action, case_id=row["id"])
    if name == row["operator"]:
        raise accounts.refuse(store, name, action, f"案件 {row['id']} 由“{name}”本人经办，经办人不能{action}自己的案件，"
                              "请由另一位审核人员办理", "the maker of a case cannot check it", case_id=row["id"])
    return name


def approve(store: Store, account: dict | None, case_ids: list[int]) -> list[dict]:
    """Mark 待审核 cases 已审核, all or none."""
    rows = [_case(store, i) for i in dict.fromkeys(case_ids)]
    names = []
    for row in rows:
        refuse_imported(store.db, row, "审核")
        names.append(_reviewer(store, account, "审核", row))
        if row["void"] or row["review"] != "待审核":
            state = "已作废" if row["void"] else row["review"]
            raise InputError("CASE_ID", f"案件 {row['id']} 为{state}，只有待审核的案件可以审核通过",
                             f"case {row['id']} is not awaiting review")
    with store.write() as db:
        at = now()
        for row, name in zip(rows, names):
            db["cases"].update(row["id"], {"review": "已审核", "reviewed_by": name, "reviewed_at": at})
            audit(db, name, "approve", f"审核通过，回执号 {row['receipt_no']}", case_id=row["id"],
                  person_id=row["person_id"], at=at)
    return [{"case_id": r["id"], "receipt_no": r["receipt_no"]} for r in rows]


def send_back(store: Store, account: dict | None, case_id: int, reason: str) -> dict:
    """退回 a 待审核 case to its maker, with a reason (the maker voids it and enters it again)."""
    row = _case(store, case_id)
    refuse_imported(store.db, row, "退回")
    name = _reviewer(store, account, "退回", row)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "退回必须填写原因（--reason）", "a reason is required (--reason)")
    if row["void"] or row["review"] != "待审核":
        raise InputError("CASE_ID", f"案件 {case_id} 不是待审核的案件，不能退回", f"case {case_id} is not awaiting review")
    with store.write() as db:
        at = now()
        db["cases"].update(case_id, {"review": "退回", "reviewed_by": name, "reviewed_at": at, "review_note": reason})
        audit(db, name, "return", f"退回：{reason}", case_id=case_id, person_id=row["person_id"], at=at)
    return {"case_id": case_id, "receipt_no": row["receipt_no"]}


def check_void(store: Store, account: dict | None, case_id: int) -> str:
    """Who voids: a 经办 their own case while it is 待审核 or 退回; otherwise a 审核 other than its maker."""
    row = _case(store, case_id)
    name = accounts.require_role(store, account, ("经办", "审核"), "作废", case_id=case_id)
    mine = name == row["operator"]
    roles = set(accounts.get(store, name)["roles"])
    if mine and row["review"] in ("待审核", "退回") and not row["paid_at"] and "经办" in roles:
        return name
    if mine:
        raise accounts.refuse(store, name, "作废", f"案件 {case_id} 已{row['review'] if not row['paid_at'] else '发放'}，"
                              "作废需由经办人以外的审核人员办理", "a reviewed case is voided by a 审核 other than its maker",
                              case_id=case_id)
    if "审核" not in roles:
        raise accounts.refuse(store, name, "作废", f"作废他人经办的案件 {case_id} 需要审核角色",
                              "voiding another's case needs the 审核 role", case_id=case_id)
    return name


def set_review(store: Store, account: dict | None, on: bool) -> None:
    """Switch review on or off (a 管理员; off only while the office has a single active account)."""
    name = accounts.require_role(store, account, ("管理员",), "关闭审核" if not on else "开启审核")
    active = store.query("SELECT count(*) AS n FROM accounts WHERE locked = 0")[0]["n"]
    if not on and active > 1:
        raise accounts.refuse(store, name, "关闭审核", f"本经办点有 {active} 个在用账户，须由他人审核，不能关闭审核",
                              "review can be switched off only with a single active account", field="review")
    with store.write() as db:
        db["settings"].upsert({"key": "review", "value": "on" if on else "off"}, pk="key")
        audit(db, name, "settings", "开启审核" if on else "关闭审核（本经办点只有一个账户；报表注明未经审核）")


# ---- parameter changes awaiting a second account -----------------------------------------

def propose(store: Store, account: dict | None, region: str, name: str, value: Any, valid_from: Any,
            reason: str, *, today: dt.date | None = None) -> dict:
    """A parameter change by a 管理员; it takes effect when a second account approves it."""
    maker = accounts.require_role(store, account, ("管理员",), "调整政策参数")
    checked = versions.add_version(store, region, name, value, valid_from, reason, maker, today=today,
                                   check_only=True)
    value, day, reason = checked["value"], checked["valid_from"], checked["reason"]
    with store.write() as db:
        at = now()
        pid = db["policy_proposals"].insert({"region": region, "name": name, "value": versions.encode(value),
                                             "valid_from": day.isoformat(), "reason": reason, "operator": maker,
                                             "created_at": at}).last_pk
        audit(db, maker, "policy-propose", f"提出政策参数调整 {pid}：{REGIONS[region]} {name} 自 {day} 起为 "
              f"{versions.format_value(name, value)}；原因：{reason}（待另一账户审批后生效）", at=at)
    return proposals(store, pid)[0]


def proposals(store: Store, proposal_id: int | None = None) -> list[dict]:
    """The parameter changes proposed, oldest first; each with `text`, the change as a clerk reads it."""
    from ..codec import from_json_text

    where, params = ("WHERE id = ?", (proposal_id,)) if proposal_id is not None else ("", ())
    rows = store.query(f"SELECT * FROM policy_proposals {where} ORDER BY id", params)
    for r in rows:
        r["text"] = (f"{REGIONS.get(r['region'], r['region'])} {r['name']} 自 {r['valid_from']} 起为 "
                     f"{versions.format_value(r['name'], from_json_text(r['value']))}")
    return rows


def approve_proposal(store: Store, account: dict | None, proposal_id: int, *, today: dt.date | None = None) -> dict:
    """A second account (审核 or 管理员, not the maker) approves: the version is stored and applies."""
    found = proposals(store, proposal_id)
    if not found:
        raise InputError("ID", f"没有编号为 {proposal_id} 的参数调整", f"no proposal {proposal_id}")
    prop = found[0]
    name = accounts.require_role(store, account, ("审核", "管理员"), "审批政策参数")
    if name == prop["operator"]:
        raise accounts.refuse(store, name, "审批政策参数", f"参数调整 {proposal_id} 由“{name}”本人提出，须由另一账户审批",
                              "the maker of a parameter change cannot approve it")
    if prop["state"] != "待审批":
        raise InputError("ID", f"参数调整 {proposal_id} 已{prop['state']}", f"proposal {proposal_id} is {prop['state']}")
    from ..codec import from_json_text

    done = versions.add_version(store, prop["region"], prop["name"], from_json_text(prop["value"]),
                                prop["valid_from"], f"{prop['reason']}（{name} 审批）", prop["operator"], today=today)
    with store.write() as db:
        db["policy_proposals"].update(proposal_id, {"state": "已生效", "decided_by": name, "decided_at": now(),
                                                    "version_id": done["id"]})
        audit(db, name, "policy-approve", f"审批通过参数调整 {proposal_id}（本地版本 {done['id']}）")
    return done


# ---- payment (发放) ------------------------------------------------------------------------

def mask_account(number: str | None) -> str:
    if not number:
        return ""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def pay(store: Store, account: dict | None, case_id: int, method: str, number: str | None,
        day: dt.date) -> dict:
    """A reviewed case is paid (已发放): method, account number (shown masked), date, by whom."""
    row = _case(store, case_id)
    refuse_imported(store.db, row, "发放")
    name = (accounts.require_role(store, account, ("经办", "审核"), "发放", case_id=case_id)
            if accounts.has_accounts(store) else (account or {}).get("name", ""))
    if method not in METHODS:
        raise InputError("--method", f"发放方式应为 {'、'.join(METHODS)} 之一", f"--method must be one of {', '.join(METHODS)}")
    number = (number or "").replace(" ", "")
    if method != "现金" and not (number.isdigit() and 8 <= len(number) <= 30):
        raise InputError("--account", "银行卡或社保卡发放须填写账号（8–30 位数字）", "an account number (8-30 digits) is required")
    if method == "现金":
        number = ""
    if row["void"]:
        raise InputError("CASE_ID", f"案件 {case_id} 已作废，不能发放", f"case {case_id} is void")
    if row["paid_at"]:
        raise InputError("CASE_ID", f"案件 {case_id} 已于 {row['paid_at']} 发放", f"case {case_id} is already paid")
    if row["review"] not in PAYABLE:
        raise accounts.refuse(store, name, "发放", f"案件 {case_id} 为{row['review']}，审核通过后才能发放",
                              "only a reviewed case is paid", field="CASE_ID", case_id=case_id)
    with store.write() as db:
        db["cases"].update(case_id, {"paid_at": day.isoformat(), "paid_by": name, "pay_method": method,
                                     "pay_account": number or None})
        audit(db, name or "经办人", "pay", f"发放（{method}{' ' + mask_account(number) if number else ''}），"
              f"回执号 {row['receipt_no']}", case_id=case_id, person_id=row["person_id"])
    return {"case_id": case_id, "receipt_no": row["receipt_no"], "method": method, "account": mask_account(number)}


def pay_amount(row: dict) -> Decimal:
    """What the office pays the person for a case: its `to_pay` (医疗救助 less what the hospital already
    paid, + 倾斜/再救助/托底; case-format.md "Already paid"); a case saved before `to_pay` was stored:
    医疗救助 + 倾斜/再救助/托底. The 发放名单's and 日结's amount."""
    if row.get("to_pay") is not None:
        return Decimal(row["to_pay"])
    return Decimal(row["assistance"]) + Decimal(row["tilt"])


def pay_list(store: Store, office: str | None = None) -> dict[str, Any]:
    """The 发放名单: reviewed (or 免审), not void, not yet paid; with the total to pay."""
    from ..case import mask_id

    sql = ("SELECT c.id, r.number AS receipt_no, p.name, p.id_number, c.region, c.date, c.office, c.operator, "
           "c.assistance, c.tilt, c.to_pay, c.review FROM cases c JOIN receipts r ON r.case_id = c.id "
           "JOIN persons p ON p.id = c.person_id WHERE c.void = 0 AND c.paid_at IS NULL AND c.review IN ('已审核', '免审') "
           f"AND (c.office_code IS NULL OR c.office_code NOT IN ({IMPORTED_CODES}))")
    params: tuple = ()
    if office:
        sql, params = sql + " AND c.office = ?", (office,)
    rows = []
    for r in store.query(sql + " ORDER BY c.id", params):
        amount = pay_amount(r)
        rows.append({"case_id": r["id"], "receipt_no": r["receipt_no"], "name": r["name"],
                     "id_number": mask_id(r["id_number"]), "region": r["region"], "date": r["date"],
                     "office": r["office"], "operator": r["operator"], "amount": f"{amount:.2f}",
                     "review": r["review"]})
    total = sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))
    return {"rows": rows, "count": len(rows), "total": f"{total:.2f}", "review_off": store.setting("review") == "off"}

