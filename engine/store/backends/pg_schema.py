"""The PostgreSQL side of the migrations: what plain DDL cannot carry over (engine/store/dialect.py).

Per migration number (1-based, as PRAGMA user_version / schema_version count): the triggers of that
SQLite migration, under the same names, as plpgsql. The tables, columns and indexes come from the
SQLite migration itself through dialect.ddl(); a later migration with plain DDL only needs nothing
here, one with a trigger needs its PostgreSQL form added under its number (the open refuses to run
a migration whose trigger has none: tests/store/test_pg_backend.py checks every name).
"""
from __future__ import annotations

# Shared functions, created with the first migration.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION sanchong_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = TG_ARGV[0];
END $$;

CREATE OR REPLACE FUNCTION sanchong_rowid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE next_id integer;
BEGIN
    IF NEW.id IS NULL THEN
        EXECUTE format('SELECT coalesce(max(id), 0) + 1 FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO next_id;
        NEW.id := next_id;
    END IF;
    RETURN NEW;
END $$;
"""


def refuse(name: str, when: str, table: str, message: str, condition: str = "") -> str:
    """A trigger that refuses the change with `message` (SQLite's RAISE(ABORT, …))."""
    level = "STATEMENT" if when.endswith("TRUNCATE") else "ROW"
    cond = f" WHEN ({condition})" if condition else ""
    quoted = message.replace("'", "''")
    return (f"CREATE TRIGGER {name} {when} ON {table} FOR EACH {level}{cond} "
            f"EXECUTE FUNCTION sanchong_refuse('{quoted}')")


def guarded(name: str, when: str, table: str, condition_sql: str, message: str) -> str:
    """A trigger whose condition needs a query (PostgreSQL's WHEN cannot hold one): its own function."""
    quoted = message.replace("'", "''")
    return (f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    IF {condition_sql} THEN\n"
            f"        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{quoted}';\n"
            f"    END IF;\n    RETURN NEW;\nEND $$;\n"
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_fn()")


APPEND_ONLY_AUDIT = "the audit log is append-only"

TRIGGERS: dict[int, list[str]] = {
    1: [
        refuse("audit_append_only_update", "BEFORE UPDATE", "audit", APPEND_ONLY_AUDIT),
        refuse("audit_append_only_delete", "BEFORE DELETE", "audit", APPEND_ONLY_AUDIT),
        refuse("audit_append_only_truncate", "BEFORE TRUNCATE", "audit", APPEND_ONLY_AUDIT),
        refuse("cases_never_deleted", "BEFORE DELETE", "cases", "cases are voided, never deleted"),
        refuse("cases_never_truncated", "BEFORE TRUNCATE", "cases", "cases are voided, never deleted"),
        refuse("receipts_never_deleted", "BEFORE DELETE", "receipts", "receipt numbers are never removed"),
        refuse("receipts_never_truncated", "BEFORE TRUNCATE", "receipts", "receipt numbers are never removed"),
        refuse("cases_input_frozen", "BEFORE UPDATE OF input, result, person_id, region, policy_year, total", "cases",
               "a saved case is never changed; void it and save a new one"),
        refuse("cases_void_once", "BEFORE UPDATE OF void", "cases", "a void case stays void", "OLD.void = 1"),
    ],
    2: [
        refuse("policy_versions_append_only_update", "BEFORE UPDATE", "policy_versions",
               "policy versions are append-only; add a new dated version"),
        refuse("policy_versions_append_only_delete", "BEFORE DELETE", "policy_versions",
               "policy versions are append-only; add a new dated version"),
        guarded("cases_policy_versions_seen", "BEFORE INSERT", "cases",
                "EXISTS (SELECT 1 FROM policy_versions v WHERE v.region = NEW.region AND v.valid_from <= NEW.date "
                "AND v.id > CASE WHEN position('+local:' IN NEW.policy_version) > 0 "
                "THEN CAST(substr(NEW.policy_version, position('+local:' IN NEW.policy_version) + 7) AS INTEGER) "
                "ELSE 0 END)",
                "政策参数已在其他窗口调整，请关闭并重新打开程序后再保存 / policy parameters were changed in another "
                "window; reopen the program and save again"),
    ],
    3: [],
    4: [
        refuse("resettlements_append_only_update", "BEFORE UPDATE", "resettlements",
               "补差记录不可修改 / a re-settlement is never changed"),
        refuse("resettlements_append_only_delete", "BEFORE DELETE", "resettlements",
               "补差记录不可删除 / a re-settlement is never removed"),
        guarded("resettlements_not_for_void", "BEFORE INSERT", "resettlements",
                "(SELECT void FROM cases WHERE id = NEW.case_id) = 1", "作废的案件不能补差 / a void case is not re-settled"),
        guarded("resettlements_number_free", "BEFORE INSERT", "resettlements",
                "EXISTS (SELECT 1 FROM receipts r WHERE r.office = NEW.office AND r.year = NEW.year AND r.seq = NEW.seq)",
                "回执号已被案件使用 / the receipt number is taken by a case"),
        guarded("receipts_number_free", "BEFORE INSERT", "receipts",
                "EXISTS (SELECT 1 FROM resettlements s WHERE s.office = NEW.office AND s.year = NEW.year AND s.seq = NEW.seq)",
                "回执号已被补差记录使用 / the receipt number is taken by a re-settlement"),
    ],
    5: [
        refuse("accounts_never_deleted", "BEFORE DELETE", "accounts", "accounts are locked, never deleted"),
        # SQLite's AFTER INSERT … UPDATE, as the row is written (the same stored value)
        "CREATE OR REPLACE FUNCTION cases_review_off_fn() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n    IF NOT EXISTS (SELECT 1 FROM accounts)\n"
        "       OR EXISTS (SELECT 1 FROM settings WHERE key = 'review' AND value = 'off') THEN\n"
        "        NEW.review := '免审';\n    END IF;\n    RETURN NEW;\nEND $$;\n"
        "CREATE TRIGGER cases_review_off BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_review_off_fn()",
        # REPLACE does not exist on PostgreSQL, and ON CONFLICT DO UPDATE meets the UPDATE triggers above;
        # these keep the names (and refuse a duplicate id as clearly as on SQLite)
        guarded("audit_no_replace", "BEFORE INSERT", "audit", "EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)",
                APPEND_ONLY_AUDIT),
        guarded("cases_no_replace", "BEFORE INSERT", "cases", "EXISTS (SELECT 1 FROM cases WHERE id = NEW.id)",
                "cases are voided, never replaced"),
        guarded("receipts_no_replace", "BEFORE INSERT", "receipts",
                "EXISTS (SELECT 1 FROM receipts WHERE id = NEW.id OR case_id = NEW.case_id "
                "OR (office = NEW.office AND year = NEW.year AND seq = NEW.seq))",
                "receipt numbers are never replaced"),
    ],
}


def rowid_trigger(table: str) -> str:
    """SQLite's rowid: an id not given is the table's highest + 1 (writers hold the store's lock)."""
    return f"CREATE TRIGGER {table}_rowid BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION sanchong_rowid()"


def trigger_names(statements: list[str]) -> list[str]:
    """The names of the triggers the statements create."""
    import re

    return [m.group(1) for sql in statements for m in re.finditer(r"CREATE TRIGGER (\w+)", sql)]
