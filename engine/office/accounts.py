"""The accounts part of engine.office.Office: who is logged in, what that account may do, review,
payment and the audit chain. While the data folder has no account the office works as before
(the operator is free text); from its first account on, every change names the logged-in one."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from .. import clock
from ..store import accounts as _accounts
from ..store import audit_check as _audit_check
from ..store import chain as _chain
from ..store import review as _review
from ..store.database import Store
from ..store.database import audit as _audit
from .changes import Changes, Done

ROLES = _accounts.ROLES
PAY_METHODS = _review.METHODS
Refused = _accounts.Refused
mask_account = _review.mask_account


class AccountDesk:
    """Accounts, review, payment and the audit chain, for engine.office.Office."""

    store: Store
    account: dict[str, Any] | None = None
    _done: Callable[[Any, Changes], Done]

    # ---- who works ------------------------------------------------------------------

    def has_accounts(self) -> bool:
        """Whether the office has accounts (then every change needs a logged-in account)."""
        return _accounts.has_accounts(self.store)

    def login(self, name: str, password: str) -> dict[str, Any]:
        """Check the password once; the office then acts as this account (Refused, recorded, if not)."""
        self.account = _accounts.authenticate(self.store, name, password)
        return self.account

    def logout(self) -> None:
        self.account = None

    def acting(self, operator: str | None, roles: tuple[str, ...], action: str, case_id: int | None = None) -> str:
        """The name a change is recorded under: the free-text operator while there is no account,
        else the logged-in account, which must hold one of `roles` (Refused, recorded, if not)."""
        if not self.has_accounts():
            return operator or ""
        return _accounts.require_role(self.store, self.account, roles, action, case_id)

    def accounts(self) -> list[dict[str, Any]]:
        return _accounts.list_accounts(self.store)

    def add_account(self, name: str, roles: list[str], password: str) -> Done[dict[str, Any]]:
        """A new account (the first needs no login and must be a 管理员)."""
        return self._done(_accounts.add_account(self.store, self.account, name, roles, password),
                          Changes(settings=True))

    def set_password(self, name: str, password: str) -> Done[None]:
        return self._done(_accounts.set_password(self.store, self.account, name, password), Changes(settings=True))

    def set_locked(self, name: str, locked: bool) -> Done[None]:
        return self._done(_accounts.set_locked(self.store, self.account, name, locked), Changes(settings=True))

    # ---- review -----------------------------------------------------------------------

    def review_required(self) -> bool:
        return _review.review_required(self.store)

    def set_review(self, on: bool) -> Done[None]:
        return self._done(_review.set_review(self.store, self.account, on), Changes(settings=True))

    def approve(self, case_ids: list[int]) -> Done[list[dict]]:
        return self._done(_review.approve(self.store, self.account, case_ids), Changes(cases=True))

    def send_back(self, case_id: int, reason: str) -> Done[dict]:
        return self._done(_review.send_back(self.store, self.account, case_id, reason), Changes(cases=True))

    def review_queue(self) -> list[dict]:
        """The 待审核 cases, oldest first."""
        from ..store.offices import imported_codes

        merged = imported_codes(self.store.db)   # other offices' cases merged here are reviewed at their office
        return [c for c in self.cases() if c.get("review") == "待审核" and c.get("office_code") not in merged]

    def add_policy_version(self, region: str, name: str, value: Any, valid_from: Any, reason: str, operator: str,
                           *, today: dt.date | None = None) -> Done[dict[str, Any]]:
        """With accounts, a parameter change is proposed by a 管理员 and applies once a second
        account approves it (the answer then has state 待审批); without, it applies at once."""
        if not self.has_accounts():
            return super().add_policy_version(region, name, value, valid_from, reason, operator,  # type: ignore[misc]
                                              today=today)
        return self._done(_review.propose(self.store, self.account, region, name, value, valid_from, reason,
                                          today=today),
                          Changes(policy=True))

    def policy_proposals(self) -> list[dict]:
        return _review.proposals(self.store)

    def approve_policy(self, proposal_id: int, *, today: dt.date | None = None) -> Done[dict]:
        return self._done(_review.approve_proposal(self.store, self.account, proposal_id, today=today),
                          Changes(policy=True))

    # ---- payment ----------------------------------------------------------------------

    def pay(self, case_id: int, method: str, number: str | None = None, day: dt.date | None = None,
            *, operator: str | None = None) -> Done[dict]:
        who = self.account if self.has_accounts() else {"name": operator or ""}
        return self._done(_review.pay(self.store, who, case_id, method, number, day or clock.today()),
                          Changes(cases=True))

    def pay_list(self, office: str | None = None) -> dict[str, Any]:
        """The 发放名单: reviewed (or 免审) cases not yet paid, ID numbers masked, with the total."""
        return _review.pay_list(self.store, office)

    def write_pay_list(self, path: str | Path, office: str | None = None) -> dict[str, Any]:
        """The 发放名单 as an xlsx workbook; returns the listing written."""
        from ..store.pay_list import write_pay_list

        listing = self.pay_list(office)
        write_pay_list(listing, path)
        return listing

    # ---- the audit chain --------------------------------------------------------------

    def audit_rows(self, *, day: dt.date | None = None, case_id: int | None = None) -> list[dict]:
        """The audit log of a day (by the row's time) or of a case, oldest first."""
        if case_id is not None:
            return self.store.query("SELECT id, at, operator, action, case_id, detail FROM audit WHERE case_id = ? "
                                    "ORDER BY id", (case_id,))
        day = day or clock.today()
        return self.store.query("SELECT id, at, operator, action, case_id, detail FROM audit WHERE substr(at, 1, 10) = ? "
                                "ORDER BY id", (day.isoformat(),))

    def audit_verify(self, how: str = "手动") -> _chain.Verdict:
        """Walk the audit chain, compare it with what is stored (engine/store/chain.py) and check its
        anchor outside the file (engine/store/anchor.py); the result is remembered for 设置."""
        return _audit_check.verify_and_record(self.store.conn, self.store.folder, how, self.store.db)

    def last_audit_verification(self) -> dict[str, Any] | None:
        """The last verification (at, ok, rows, cases, how, problem, row), by whatever ran it; None if never."""
        return _audit_check.last(self.store.conn)

    @staticmethod
    def audit_verification_text(found: dict[str, Any] | None) -> str:
        return _audit_check.text(found)

    def anchor_problem(self) -> str | None:
        """What the check of the audit chain's anchor found at open (a database replaced without the
        program's restore, the anchor file removed …), in Chinese with what to do; None when sound."""
        problem = self.store.anchor.problem
        return problem.zh if problem else None

    def accept_anchor(self, reason: str, *, operator: str | None = None) -> Done[None]:
        """A 管理员 confirms what the anchor check found, with a reason: recorded in the audit log,
        and the anchor is set to the chain as it now stands."""
        from ..errors import InputError

        problem = self.store.anchor.problem
        if problem is None:
            raise InputError("audit-accept", "操作记录的校验点没有问题，无需确认", "the anchor is sound; nothing to confirm")
        who = self.acting(operator, ("管理员",), "确认校验点")
        reason = (reason or "").strip()
        if not reason:
            raise InputError("--reason", "确认校验点须填写原因（--reason），例如核实的经过", "a reason is required (--reason)")
        self.store.anchor.accept()
        try:
            with self.store.write() as db:
                _audit(db, who or "经办人", "anchor", f"确认操作记录校验点：{problem.zh.split('请管理员核实')[0]}"
                       f"核实原因：{reason[:200]}")
        except BaseException:
            self.store.anchor.problem = problem
            raise
        return self._done(None, Changes(settings=True))
