"""The store on PostgreSQL (engine/store/backends/postgres.py): the SQL translation, the schema and its
version, the triggers, the connection errors a clerk meets, concurrent windows and killed saves.

The store's own tests run on both backends through the `backend` fixture (tests/pg.py); these are
what only the server has. They need the throwaway server (skipped without PostgreSQL, unless
SANCHONG_REQUIRE_PG=1), except the translation tests at the top.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from engine.store import chain, dialect, location, migrations
from engine.store.backends import pg_schema, postgres
from engine.store.cases import save_cases
from engine.store.database import open_store
from engine.store.errors import StoreError
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
WORKER = str(ROOT / "tests" / "store_worker.py")


def wuhan(date="2023-03-01", total="5500.00", id_number=None, name="张三"):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number or valid_id(), "name": name, "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": total, "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@contextmanager
def refused(zh: str):
    """A StoreError whose Chinese message says `zh` (the clerk reads that one)."""
    with pytest.raises(StoreError) as caught:
        yield caught
    assert zh in caught.value.zh, caught.value.zh


# --------------------------------------------------------------------------- the translation (no server)

@pytest.mark.parametrize("sqlite_sql, pg_sql", [
    ("SELECT * FROM t WHERE a = ? AND b LIKE ? ESCAPE '\\'", "SELECT * FROM t WHERE a = %s AND b ILIKE %s ESCAPE '\\'"),
    ("SELECT 'a?b%' AS x WHERE c = ?", "SELECT 'a?b%%' AS x WHERE c = %s"),
    ("SELECT max(coalesce((SELECT max(seq) FROM r WHERE o = ?), 0), coalesce((SELECT max(seq) FROM s), 0)) + 1",
     "SELECT GREATEST(coalesce((SELECT max(seq) FROM r WHERE o = %s), 0), coalesce((SELECT max(seq) FROM s), 0)) + 1"),
    ("SELECT min(a, 3), max(b) FROM t", "SELECT LEAST(a, 3), max(b) FROM t"),
    ("SELECT json_extract(result, '$.caps') AS caps FROM cases", "SELECT (result::jsonb #>> '{caps}') AS caps FROM cases"),
    ("SELECT sum(CAST(round(CAST(basic AS REAL) * 100) AS INTEGER))",
     "SELECT sum(CAST(round(CAST(basic AS DOUBLE PRECISION) * 100) AS INTEGER))"),
    ("SELECT 1 FROM persons p CROSS JOIN cases c ON p.id = c.person_id WHERE x = 1 OR (0)",
     "SELECT 1 FROM persons p JOIN cases c ON p.id = c.person_id WHERE x = 1 OR (FALSE)"),
    ("SELECT 'LIKE max(a, b)' FROM t WHERE n NOT LIKE ?", "SELECT 'LIKE max(a, b)' FROM t WHERE n NOT ILIKE %s"),
    ("SELECT 1 FROM t WHERE 0 AND a = 1 OR (1) ORDER BY a LIMIT 1", "SELECT 1 FROM t WHERE FALSE AND a = 1 OR (TRUE) ORDER BY a LIMIT 1"),
    ("INSERT INTO t (a) VALUES (0)", "INSERT INTO t (a) VALUES (0)"),
    ("SELECT x FROM (SELECT id FROM (SELECT id FROM c) WHERE id > 1) WHERE k = 1",
     "SELECT x FROM (SELECT id FROM (SELECT id FROM c) AS _sub1 WHERE id > 1) AS _sub1 WHERE k = 1"),
    ("SELECT a FROM (SELECT 1 AS a) s, (SELECT 2) AS t", "SELECT a FROM (SELECT 1 AS a) s, (SELECT 2) AS t"),
    ("INSERT OR IGNORE INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
])
def test_sqlite_sql_is_translated(sqlite_sql, pg_sql):
    assert dialect.statement(sqlite_sql) == pg_sql


def test_insert_or_replace_updates_the_row_of_its_primary_key():
    sql = "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"
    assert dialect.statement(sql, (("settings", ("key",)),)) == \
        "INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    with pytest.raises(ValueError, match="primary key"):
        dialect.statement(sql)


def test_plain_ddl_carries_over_and_a_trigger_does_not():
    sql, rowid = dialect.ddl("CREATE TABLE offices (\n id INTEGER PRIMARY KEY,\n share REAL,\n code TEXT NOT NULL)")
    assert rowid == "offices" and "share DOUBLE PRECISION" in sql
    assert dialect.ddl("ALTER TABLE cases ADD COLUMN office_code TEXT") == ("ALTER TABLE cases ADD COLUMN office_code TEXT", None)
    assert dialect.ddl("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")[1] is None
    with pytest.raises(dialect.Untranslatable):
        dialect.ddl("CREATE TRIGGER x BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END")


def test_every_trigger_of_every_migration_has_a_postgresql_form_of_the_same_name():
    for number in range(1, migrations.LATEST + 1):
        sqlite_names = {dialect.trigger_name(s) for s in migrations.statements(migrations.MIGRATIONS[number - 1])} - {None}
        pg = postgres.migration_statements(number)
        assert sqlite_names <= set(pg_schema.trigger_names([s for s, translated in pg if not translated])), number
    assert "cases_input_frozen" in postgres.expected_triggers(migrations.LATEST)


def test_a_migration_with_a_trigger_and_no_postgresql_form_is_refused(monkeypatch):
    monkeypatch.setattr(postgres, "MIGRATIONS", [*migrations.MIGRATIONS, """
        CREATE TABLE later_sites (id INTEGER PRIMARY KEY, code TEXT NOT NULL);
        CREATE TRIGGER later_sites_kept BEFORE DELETE ON later_sites BEGIN SELECT RAISE(ABORT, 'kept'); END;
    """])
    with refused("later_sites_kept"):
        postgres.migration_statements(migrations.LATEST + 1)
    monkeypatch.setattr(postgres, "MIGRATIONS", [*migrations.MIGRATIONS, """
        DROP TRIGGER IF EXISTS receipts_no_replace;
        CREATE INDEX receipts_year ON receipts(year);
    """])
    with refused("receipts_no_replace"):   # a trigger replaced on SQLite must be replaced on PostgreSQL too
        postgres.migration_statements(migrations.LATEST + 1)
    monkeypatch.setattr(postgres, "MIGRATIONS", [*migrations.MIGRATIONS, "PRAGMA foreign_keys = OFF;"])
    with refused("不能在服务器上执行"):
        postgres.migration_statements(migrations.LATEST + 1)


# --------------------------------------------------------------------------- schema, version, triggers

def test_a_new_database_is_migrated_and_numbered(pg_url, tmp_path):
    with open_store(tmp_path / "d", database_url=pg_url) as store:
        assert store.backend == "postgresql"
        assert store.query("SELECT max(version) AS v FROM schema_version") == [{"v": migrations.LATEST}]
        assert store.db["settings"].upsert({"key": "review", "value": "off"}, pk="key").last_pk == "review"
        assert store.setting("review") == "off"
    assert not (tmp_path / "d" / "cases.sqlite3").exists()   # nothing local: the folder keeps backups and settings only
    with open_store(tmp_path / "d", database_url=pg_url) as store:   # opened again: nothing to migrate, nothing lost
        assert store.setting("review") == "off"
    from engine.store.database import daily_backup

    location.write_config(tmp_path / "d", pg_url)   # this PC's choice: the window's background daily backup does nothing
    assert daily_backup(tmp_path / "d") is None and not list((tmp_path / "d").glob("backups/*"))


def test_a_plain_ddl_migration_added_later_runs_on_postgresql(pg_url, tmp_path, monkeypatch):
    open_store(tmp_path / "d", database_url=pg_url).close()   # at the shipped version, with a case
    later = [*migrations.MIGRATIONS, """
        CREATE TABLE later_sites (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            share REAL
        );
        ALTER TABLE cases ADD COLUMN later_site TEXT;
        CREATE INDEX cases_later_site ON cases(later_site);
        INSERT OR REPLACE INTO settings (key, value) VALUES ('office_codes', 'pending');
    """]
    monkeypatch.setattr(postgres, "MIGRATIONS", later)
    monkeypatch.setattr(postgres, "LATEST", len(later))
    with open_store(tmp_path / "d", database_url=pg_url) as store:
        with store.write() as db:
            first = db["later_sites"].insert({"code": "42010201", "share": 0.5}).last_pk
            second = db["later_sites"].insert({"code": "42010202"}).last_pk
            explicit = db["later_sites"].insert({"id": 10, "code": "42010203"}).last_pk
            after = db["later_sites"].insert({"code": "42010204"}).last_pk
        assert (first, second, explicit, after) == (1, 2, 10, 11)   # SQLite's rowid: the highest + 1
        assert store.query("SELECT max(version) AS v FROM schema_version") == [{"v": len(later)}]
        assert store.setting("office_codes") == "pending"
        save_cases(store, wuhan(), operator="李四", office="城关")
        assert store.query("SELECT later_site FROM cases") == [{"later_site": None}]


def test_a_database_of_a_newer_program_is_refused(pg_url, tmp_path):
    open_store(tmp_path / "d", database_url=pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (migrations.LATEST + 1,))
    with refused("更新版本的程序") as caught:
        open_store(tmp_path / "d", database_url=pg_url)
    assert f"数据结构版本 {migrations.LATEST + 1}" in caught.value.zh


def test_a_database_holding_other_tables_is_not_taken(pg_url, tmp_path):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE payroll (id INTEGER PRIMARY KEY)")
    with refused("不是本程序的数据库"):
        open_store(tmp_path / "d", database_url=pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:   # and nothing of ours was created there
        assert conn.execute("SELECT to_regclass('cases')").fetchone()[0] is None


def test_a_disabled_or_dropped_trigger_is_refused_at_open(pg_url, tmp_path):
    open_store(tmp_path / "d", database_url=pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE cases DISABLE TRIGGER cases_input_frozen")
    with refused("cases_input_frozen"):
        open_store(tmp_path / "d", database_url=pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE cases ENABLE TRIGGER cases_input_frozen")
        conn.execute("DROP TRIGGER audit_append_only_delete ON audit")
    with refused("audit_append_only_delete"):
        open_store(tmp_path / "d", database_url=pg_url)


def test_the_audit_chain_holds_on_postgresql_and_finds_an_edit_behind_the_triggers(pg_url, tmp_path):
    with open_store(tmp_path / "d", database_url=pg_url) as store:
        saved = save_cases(store, {"cases": [wuhan("2023-03-01"), wuhan("2023-04-01", "8000.00")]},
                           operator="李四", office="城关")
        from engine.store.cases import record_print, void_case
        record_print(store, saved[0].case_id, operator="李四", reprint=False)
        void_case(store, saved[0].case_id, "录错", operator="李四")
        verdict = chain.verify(store.db)
        assert verdict.ok and (verdict.rows, verdict.chained, verdict.cases) == (4, 4, 2)
        with psycopg.connect(pg_url, autocommit=True) as conn:   # someone with the server's superuser
            conn.execute("ALTER TABLE cases DISABLE TRIGGER cases_input_frozen")
            conn.execute("UPDATE cases SET total = '800.00' WHERE id = %s", (saved[1].case_id,))
            conn.execute("ALTER TABLE cases ENABLE TRIGGER cases_input_frozen")
        broken = chain.verify(store.db).broken
        assert broken is not None and broken.row == 2 and f"案件 {saved[1].case_id}" in broken.zh


def test_receipt_numbers_continue_across_windows_and_per_office(pg_url, tmp_path):
    with open_store(tmp_path / "a", database_url=pg_url) as a, open_store(tmp_path / "b", database_url=pg_url) as b:
        numbers = [save_cases(s, wuhan(), operator="李四", office=office)[0].receipt_no
                   for s, office in ((a, "城关"), (b, "城关"), (a, "城关"), (b, "江岸"), (a, "江岸"))]
    assert numbers == ["2023-000001", "2023-000002", "2023-000003", "2023-000001", "2023-000002"]


# --------------------------------------------------------------------------- connecting

def test_a_server_that_is_down_is_told_plainly(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # nothing listens there once closed
    with refused("连接不上数据库服务器") as caught:
        open_store(tmp_path / "d", database_url=f"postgresql://postgres@127.0.0.1:{port}/x")
    assert f"127.0.0.1:{port}" in caught.value.zh and "服务器未启动" in caught.value.zh


def test_wrong_host_wrong_password_and_missing_database(pg_server, tmp_path):
    with refused("找不到数据库服务器"):
        postgres.connect("postgresql://postgres@no-such-host.invalid:5432/x")
    url = pg_server.password_role("正确的密码")
    with refused("用户名或密码不正确") as caught:
        postgres.connect(location.with_password(url, "错误的密码"))
    assert "错误的密码" not in caught.value.zh + caught.value.en    # never shown, nor logged
    assert "连接成功" in postgres.test_connection(location.with_password(url, "正确的密码"))
    with refused("没有这个数据库"):
        postgres.connect(pg_server.url.rsplit("/", 1)[0] + "/no_such_db")


def test_the_password_is_typed_or_kept_never_written_to_the_config_file(pg_server, tmp_path, monkeypatch):
    monkeypatch.delenv(location.ENV_VAR, raising=False)
    url = pg_server.password_role("s3cret%/@")
    folder = tmp_path / "d"
    folder.mkdir()
    location.write_config(folder, location.with_password(url, "s3cret%/@"))
    text = (folder / location.CONFIG_NAME).read_text(encoding="utf-8")
    assert "s3cret" not in text and json.loads(text)["url"] == url
    with refused("用户名或密码不正确"):   # not typed yet, no keyring on this machine
        open_store(folder)
    location.remember_password(url, "s3cret%/@", keep=False)
    with open_store(folder) as store:   # typed at start: kept for this process only
        assert store.backend == "postgresql"
        assert "s3cret" not in str(store.path)


# --------------------------------------------------------------------------- the command line

def test_cli_database_url_backup_writes_an_export_and_restore_refuses(pg_url, tmp_path):
    data = tmp_path / "d"
    env = {k: v for k, v in os.environ.items() if k != location.ENV_VAR}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(data), "--database-url", pg_url,
                               *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120, env=env)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(wuhan(), ensure_ascii=False), encoding="utf-8")
    done = cli("save", str(case), "--operator", "李四", "--office", "城关")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["receipt_no"] == "2023-000001"
    assert not (data / "cases.sqlite3").exists()
    listed = cli("list", "--year", "2023", "--json")
    assert listed.returncode == 0 and [c["receipt_no"] for c in json.loads(listed.stdout)] == ["2023-000001"]
    export = tmp_path / "export.json"
    done = cli("backup", "-o", str(export))
    assert done.returncode == 0, done.stderr
    doc = json.loads(export.read_text(encoding="utf-8"))
    assert doc["schema_version"] == migrations.LATEST
    assert [c["total"] for c in doc["tables"]["cases"]] == ["5500.00"] and len(doc["tables"]["audit"]) == 1
    refused = cli("restore", str(export))
    assert refused.returncode == 1 and "不能用备份文件恢复" in refused.stderr and "pg_dump" in refused.stderr
    checked = cli("check")
    assert checked.returncode == 0 and "案件 1" in checked.stdout, checked.stderr
    bad = subprocess.run([sys.executable, "-m", "engine", "cases", "--database-url", "mysql://x", "list", "--year", "2023"],
                         cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=60, env=env)
    assert bad.returncode == 2 and "--database-url" in bad.stderr


# --------------------------------------------------------------------------- several windows, killed saves

def _stored(url: str) -> list[dict]:
    with psycopg.connect(url) as conn:
        cur = conn.execute("SELECT c.*, r.office AS r_office, r.year AS r_year, r.seq, r.number AS receipt_no, "
                           "p.id_number FROM cases c JOIN receipts r ON r.case_id = c.id "
                           "JOIN persons p ON p.id = c.person_id ORDER BY c.id")
        names = [d.name for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _assert_sound(url: str, tmp_path: Path) -> list[dict]:
    """Every case whole (its receipt, one 'save' audit row, a result that parses), receipt numbers
    unique and gapless per office and year, the audit chain unbroken."""
    cases = _stored(url)
    seqs = defaultdict(list)
    for c in cases:
        assert (c["r_office"], c["r_year"]) == (c["office"], c["policy_year"])
        assert c["receipt_no"] == f"{c['r_year']}-{c['seq']:06d}"
        seqs[(c["office"], c["policy_year"])].append(c["seq"])
        assert json.loads(c["result"])["payouts"]["basic"] == c["basic"]
    for key, got in seqs.items():
        assert sorted(got) == list(range(1, len(got) + 1)), f"receipt numbers of {key} have gaps or repeats"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM audit a WHERE a.case_id = c.id "
                            "AND a.action = 'save') <> 1").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM persons WHERE id NOT IN (SELECT person_id FROM cases)").fetchone()[0] == 0
    with open_store(tmp_path / "check", database_url=url) as store:
        assert chain.verify(store.db).ok
    return cases


def test_four_processes_save_250_cases_each_into_one_database(pg_url, tmp_path):
    from test_store_durability import OFFICES, assert_same_as_calculate, jobs_in_date_order, person_cases

    rng = random.Random(15)
    workers = []
    for w in range(4):
        persons = [person_cases(rng, 500 * w + p, 5) for p in range(50)]   # 250 cases of 50 persons per worker
        workers.append(jobs_in_date_order(rng, persons))
    assert [len(j) for j in workers] == [250] * 4
    open_store(tmp_path / "setup", database_url=pg_url).close()
    env = {**os.environ, location.ENV_VAR: pg_url}
    procs = []
    for w, jobs in enumerate(workers):
        jobs_file = tmp_path / f"w{w}.json"
        jobs_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        procs.append(subprocess.Popen([sys.executable, WORKER, str(tmp_path / f"pc{w}"), str(jobs_file), "--wait-open"],
                                      cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, encoding="utf-8", env=env))
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:   # all four start saving at the same instant
        p.stdin.write("go\n")
        p.stdin.flush()
    reported = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
        lines = [json.loads(line) for line in out.splitlines()]
        assert len(lines) == 250
        reported.append(lines)
    cases = _assert_sound(pg_url, tmp_path)
    assert len(cases) == 1000
    by_id = {c["id"]: c for c in cases}
    for lines in reported:
        for line in lines:
            assert by_id[line["case_id"]]["receipt_no"] == line["receipt_no"]
    assert {c["office"] for c in cases} == set(OFFICES)
    assert sum(len(v) for v in reported) == len({(by_id[l["case_id"]]["office"], l["receipt_no"])
                                                 for v in reported for l in v}) == 1000
    # they really ran at once: each worker's cases are interleaved with the others'
    ranges = [(min(line["case_id"] for line in v), max(line["case_id"] for line in v)) for v in reported]
    for i, (lo, hi) in enumerate(ranges):
        assert any(lo2 < hi and lo < hi2 for j, (lo2, hi2) in enumerate(ranges) if j != i), ranges
    assert assert_same_as_calculate(cases) > 0   # each person's results are the replay of their year


def test_sigkill_of_a_client_mid_save_leaves_nothing_half_saved(pg_url, tmp_path):
    from test_store_durability import OPERATOR, jobs_in_date_order, person_cases

    rng = random.Random(9)
    jobs = jobs_in_date_order(rng, [person_cases(rng, 2100 + i, 4) for i in range(20)])
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"cases": [j["case"] for j in jobs]}, ensure_ascii=False), encoding="utf-8")
    open_store(tmp_path / "setup", database_url=pg_url).close()
    env = {**os.environ, location.ENV_VAR: pg_url}

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "engine", "cases", "--data-dir", str(tmp_path / "pc"), "save",
                                 str(batch), "--operator", OPERATOR, "--office", "江汉区"], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8")
    began = time.perf_counter()
    whole = start()
    out, err = whole.communicate(timeout=300)
    took = time.perf_counter() - began
    assert whole.returncode == 0, err
    assert len(_assert_sound(pg_url, tmp_path)) == 80
    counts = [80]
    for _ in range(4):
        proc = start()
        time.sleep(rng.uniform(0.4, 1.0) * took)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        stored = len(_assert_sound(pg_url, tmp_path))
        assert stored - counts[-1] in (0, 80), f"a killed batch left {stored - counts[-1]} of 80 cases"
        if out.strip():   # a line is printed only after the commit: then all 80 are there
            assert stored - counts[-1] == 80
        counts.append(stored)
    # the server let go of the killed client's transaction and its lock: the next window saves at once
    with open_store(tmp_path / "after", database_url=pg_url) as store:
        [saved] = save_cases(store, wuhan(id_number=valid_id(seq=777)), operator="李四", office="江汉区")
    assert saved.receipt_no == f"2023-{counts[-1] + 1:06d}"
