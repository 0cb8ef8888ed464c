"""The database schema, as numbered migrations (PRAGMA user_version).

Each migration is frozen SQL: never edit one that has shipped; add the next.
A migration runs in one transaction together with the new user_version, after a
backup of the database as it was (database.open_store).
"""
from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: persons, their identities, cases, receipts, prints, the audit log, settings
    """
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        id_number TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        birth_date TEXT,
        sex TEXT,
        phone TEXT,
        address TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX persons_name ON persons(name);

    CREATE TABLE person_identities (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id),
        identity TEXT NOT NULL,
        granted_on TEXT NOT NULL,
        ends_on TEXT,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (person_id, identity, granted_on)
    );

    CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES persons(id),
        region TEXT NOT NULL,
        policy_year INTEGER NOT NULL,
        date TEXT NOT NULL,
        kind TEXT NOT NULL,
        input TEXT NOT NULL,
        result TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        total TEXT NOT NULL,
        policy_scope TEXT NOT NULL,
        basic TEXT NOT NULL,
        critical TEXT NOT NULL,
        assistance TEXT NOT NULL,
        tilt TEXT NOT NULL,
        hospital_borne TEXT NOT NULL,
        out_of_pocket TEXT NOT NULL,
        warning_kind TEXT,
        year_out_of_pocket TEXT,
        operator TEXT NOT NULL,
        office TEXT NOT NULL,
        created_at TEXT NOT NULL,
        void INTEGER NOT NULL DEFAULT 0 CHECK (void IN (0, 1)),
        void_reason TEXT,
        voided_at TEXT,
        voided_by TEXT
    );
    CREATE INDEX cases_person_year ON cases(person_id, region, policy_year);
    CREATE INDEX cases_date ON cases(date);
    CREATE INDEX cases_year_region ON cases(policy_year, region);
    CREATE INDEX cases_operator ON cases(operator, date);
    CREATE INDEX cases_warning ON cases(policy_year, warning_kind) WHERE warning_kind IS NOT NULL;

    CREATE TABLE receipts (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id),
        office TEXT NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL CHECK (seq > 0),
        number TEXT NOT NULL,
        UNIQUE (office, year, seq)
    );

    CREATE TABLE receipt_prints (
        id INTEGER PRIMARY KEY,
        receipt_id INTEGER NOT NULL REFERENCES receipts(id),
        printed_at TEXT NOT NULL,
        operator TEXT NOT NULL,
        reprint INTEGER NOT NULL CHECK (reprint IN (0, 1))
    );
    CREATE INDEX receipt_prints_receipt ON receipt_prints(receipt_id);

    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        case_id INTEGER REFERENCES cases(id),
        person_id INTEGER REFERENCES persons(id),
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_case ON audit(case_id);

    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );

    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER cases_never_deleted BEFORE DELETE ON cases
    BEGIN SELECT RAISE(ABORT, 'cases are voided, never deleted'); END;
    CREATE TRIGGER receipts_never_deleted BEFORE DELETE ON receipts
    BEGIN SELECT RAISE(ABORT, 'receipt numbers are never removed'); END;
    CREATE TRIGGER cases_input_frozen BEFORE UPDATE OF input, result, person_id, region, policy_year, total ON cases
    BEGIN SELECT RAISE(ABORT, 'a saved case is never changed; void it and save a new one'); END;
    CREATE TRIGGER cases_void_once BEFORE UPDATE OF void ON cases WHEN OLD.void = 1
    BEGIN SELECT RAISE(ABORT, 'a void case stays void'); END;
    """,
    # 2: local versions of policy parameters (engine/store/policy_versions.py): append-only; a case
    # is refused when the program saving it has not applied every version dated on or before it
    # (its policy_version ends in +local:N, N the newest version it applied; see engine/policy.py)
    """
    CREATE TABLE policy_versions (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        operator TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX policy_versions_region ON policy_versions(region, valid_from);

    CREATE TRIGGER policy_versions_append_only_update BEFORE UPDATE ON policy_versions
    BEGIN SELECT RAISE(ABORT, 'policy versions are append-only; add a new dated version'); END;
    CREATE TRIGGER policy_versions_append_only_delete BEFORE DELETE ON policy_versions
    BEGIN SELECT RAISE(ABORT, 'policy versions are append-only; add a new dated version'); END;
    CREATE TRIGGER cases_policy_versions_seen BEFORE INSERT ON cases
    WHEN EXISTS (SELECT 1 FROM policy_versions v WHERE v.region = NEW.region AND v.valid_from <= NEW.date
                 AND v.id > CASE WHEN instr(NEW.policy_version, '+local:') > 0
                                 THEN CAST(substr(NEW.policy_version, instr(NEW.policy_version, '+local:') + 7) AS INTEGER)
                                 ELSE 0 END)
    BEGIN SELECT RAISE(ABORT, '政策参数已在其他窗口调整，请关闭并重新打开程序后再保存 / policy parameters were changed in another window; reopen the program and save again'); END;
    """,
    # 3: what the window remembers of a person from their last saved case, to fill in next time:
    # 参保类型 (resident/employee/none) and 农村居民 (0/1); NULL until a case gives them
    """
    ALTER TABLE persons ADD COLUMN insurance TEXT CHECK (insurance IN ('resident', 'employee', 'none'));
    ALTER TABLE persons ADD COLUMN rural INTEGER CHECK (rural IN (0, 1));
    """,
    # 4: re-settlement (补差, engine/store/resettle.py): when a void or a late-entered earlier case changes
    # what a later case should have paid, the difference per layer is a record of its own, linked to
    # the case, with a receipt number from the same series as the cases' (office, policy year);
    # append-only like the cases, and never for a void case
    """
    CREATE TABLE resettlements (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id),
        office TEXT NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL CHECK (seq > 0),
        number TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        basic TEXT NOT NULL,
        critical TEXT NOT NULL,
        assistance TEXT NOT NULL,
        tilt TEXT NOT NULL,
        hospital_borne TEXT NOT NULL,
        out_of_pocket TEXT NOT NULL,
        to_pay TEXT NOT NULL,
        result TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        operator TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (office, year, seq)
    );
    CREATE INDEX resettlements_case ON resettlements(case_id);
    CREATE INDEX resettlements_created ON resettlements(created_at);
    CREATE INDEX cases_created ON cases(created_at);
    CREATE INDEX cases_voided ON cases(voided_at) WHERE void = 1;

    CREATE TRIGGER resettlements_append_only_update BEFORE UPDATE ON resettlements
    BEGIN SELECT RAISE(ABORT, '补差记录不可修改 / a re-settlement is never changed'); END;
    CREATE TRIGGER resettlements_append_only_delete BEFORE DELETE ON resettlements
    BEGIN SELECT RAISE(ABORT, '补差记录不可删除 / a re-settlement is never removed'); END;
    CREATE TRIGGER resettlements_not_for_void BEFORE INSERT ON resettlements
    WHEN (SELECT void FROM cases WHERE id = NEW.case_id) = 1
    BEGIN SELECT RAISE(ABORT, '作废的案件不能补差 / a void case is not re-settled'); END;
    CREATE TRIGGER resettlements_number_free BEFORE INSERT ON resettlements
    WHEN EXISTS (SELECT 1 FROM receipts r WHERE r.office = NEW.office AND r.year = NEW.year AND r.seq = NEW.seq)
    BEGIN SELECT RAISE(ABORT, '回执号已被案件使用 / the receipt number is taken by a case'); END;
    CREATE TRIGGER receipts_number_free BEFORE INSERT ON receipts
    WHEN EXISTS (SELECT 1 FROM resettlements s WHERE s.office = NEW.office AND s.year = NEW.year AND s.seq = NEW.seq)
    BEGIN SELECT RAISE(ABORT, '回执号已被补差记录使用 / the receipt number is taken by a re-settlement'); END;
    """,
    # 5: operator accounts (engine/store/accounts.py), review and payment of cases (engine/store/review.py),
    # parameter changes awaiting a second account, and the audit log's hash chain (engine/store/chain.py).
    # Cases saved before review existed are 免审; a case saved while the office has no account or has
    # switched review off is 免审 too (the trigger below), else it waits for review (待审核).
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        roles TEXT NOT NULL CHECK (length(roles) > 0),
        password_hash TEXT NOT NULL,
        locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
        failed_tries INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE TRIGGER accounts_never_deleted BEFORE DELETE ON accounts
    BEGIN SELECT RAISE(ABORT, 'accounts are locked, never deleted'); END;

    ALTER TABLE cases ADD COLUMN review TEXT NOT NULL DEFAULT '待审核'
        CHECK (review IN ('待审核', '已审核', '退回', '免审'));
    ALTER TABLE cases ADD COLUMN reviewed_by TEXT;
    ALTER TABLE cases ADD COLUMN reviewed_at TEXT;
    ALTER TABLE cases ADD COLUMN review_note TEXT;
    ALTER TABLE cases ADD COLUMN paid_at TEXT;
    ALTER TABLE cases ADD COLUMN paid_by TEXT;
    ALTER TABLE cases ADD COLUMN pay_method TEXT;
    ALTER TABLE cases ADD COLUMN pay_account TEXT;
    UPDATE cases SET review = '免审';
    CREATE INDEX cases_review ON cases(review, void);

    CREATE TRIGGER cases_review_off AFTER INSERT ON cases
    WHEN NOT EXISTS (SELECT 1 FROM accounts)
         OR EXISTS (SELECT 1 FROM settings WHERE key = 'review' AND value = 'off')
    BEGIN UPDATE cases SET review = '免审' WHERE id = NEW.id; END;

    CREATE TABLE policy_proposals (
        id INTEGER PRIMARY KEY,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        operator TEXT NOT NULL,
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT '待审批' CHECK (state IN ('待审批', '已生效', '已驳回')),
        decided_by TEXT,
        decided_at TEXT,
        version_id INTEGER REFERENCES policy_versions(id)
    );

    ALTER TABLE audit ADD COLUMN state TEXT;
    ALTER TABLE audit ADD COLUMN prev_hash TEXT;
    ALTER TABLE audit ADD COLUMN row_hash TEXT;
    INSERT OR REPLACE INTO settings (key, value) VALUES ('chain_seal', 'pending');

    CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER cases_no_replace BEFORE INSERT ON cases WHEN EXISTS (SELECT 1 FROM cases WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'cases are voided, never replaced'); END;
    CREATE TRIGGER receipts_no_replace BEFORE INSERT ON receipts
    WHEN EXISTS (SELECT 1 FROM receipts WHERE id = NEW.id OR case_id = NEW.case_id
                 OR (office = NEW.office AND year = NEW.year AND seq = NEW.seq))
    BEGIN SELECT RAISE(ABORT, 'receipt numbers are never replaced'); END;
    """,
    # 6: the 统计 page's figures and the month report's charts read a policy year of cases from these two
    # covering indexes instead of the whole rows (each row holds its input and result JSON): the sums
    # per month and layer, and each person's last case of the year (engine/reports/stats.py)
    """
    CREATE INDEX cases_year_sums ON cases(policy_year, void, date, basic, critical, assistance, tilt, warning_kind);
    CREATE INDEX cases_year_last ON cases(policy_year, void, person_id, region, date);
    """,
    # 7: office codes (engine/store/offices.py): a 6-digit 行政区划代码 plus a 2-digit site number,
    # never renamed (the name may change). A case saved under a code has it in cases.office_code and
    # its receipt (and 补差) numbers in the code's series: receipts.office holds the code then, so the
    # UNIQUE (office, year, seq) of migration 1 is per code; an office name used before any code was
    # set stays the series of its old rows, and binding it to a code fills office_code there. The
    # number is YYYY-NNNNNN of (year, seq): UNIQUE (office_code, year, seq) is one number per code.
    # Township -> district bundles (engine/store/bundles.py): what each export carried (its high-water
    # marks), each import, and the townships' audit rows as they came.
    """
    CREATE TABLE offices (
        code TEXT PRIMARY KEY CHECK (length(code) = 8),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE TABLE office_names (
        name TEXT PRIMARY KEY,
        code TEXT NOT NULL REFERENCES offices(code),
        bound_at TEXT NOT NULL,
        bound_by TEXT NOT NULL
    );
    ALTER TABLE cases ADD COLUMN office_code TEXT;
    ALTER TABLE receipts ADD COLUMN office_code TEXT;
    ALTER TABLE resettlements ADD COLUMN office_code TEXT;
    CREATE INDEX cases_office_code ON cases(office_code);
    CREATE UNIQUE INDEX receipts_office_code_number ON receipts(office_code, year, seq);
    CREATE UNIQUE INDEX resettlements_office_code_number ON resettlements(office_code, year, seq);

    CREATE TABLE bundle_exports (
        id INTEGER PRIMARY KEY,
        office_code TEXT NOT NULL,
        year INTEGER NOT NULL,
        month INTEGER,
        made_at TEXT NOT NULL,
        operator TEXT NOT NULL,
        last_case INTEGER NOT NULL,
        last_resettlement INTEGER NOT NULL,
        last_audit INTEGER NOT NULL,
        cases INTEGER NOT NULL,
        sha256 TEXT NOT NULL
    );
    CREATE TABLE bundle_imports (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        office_code TEXT NOT NULL,
        made_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        operator TEXT NOT NULL,
        added INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        conflicts INTEGER NOT NULL
    );
    CREATE TABLE imported_audit (
        id INTEGER PRIMARY KEY,
        office_code TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        receipt_no TEXT,
        detail TEXT NOT NULL,
        row_hash TEXT,
        UNIQUE (office_code, source_id)
    );
    """,
    # 8: what the hospital already paid and what the office pays now (一站式结算, case-format.md "Already
    # paid"): to_pay is the amount the 发放名单 pays; setl_id is the national platform's settlement ID of a
    # case imported from the insurer's settlement list (unique: importing a list twice adds nothing).
    """
    ALTER TABLE cases ADD COLUMN to_pay TEXT;
    ALTER TABLE cases ADD COLUMN setl_id TEXT;
    CREATE UNIQUE INDEX cases_setl_id ON cases(setl_id);
    """,
    # 9: the changes a township made to a case after it went out in a bundle (a review decision, a payment,
    # a print or reprint, a void, a 补差), as each later bundle carried them: kept once per office and source
    # (importing twice keeps one), applied in the township's order once their case is at the district
    # (applied_at; outcome applied, same or conflict), waiting until then.
    """
    CREATE TABLE imported_changes (
        id INTEGER PRIMARY KEY,
        office_code TEXT NOT NULL,
        source TEXT NOT NULL,
        receipt_no TEXT NOT NULL,
        action TEXT NOT NULL,
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        applied_at TEXT,
        outcome TEXT,
        UNIQUE (office_code, source)
    );
    CREATE INDEX imported_changes_waiting ON imported_changes(office_code, applied_at);
    """,
]

LATEST = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold semicolons of their own)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement in migration: {current.strip()[:60]}")
    return out
