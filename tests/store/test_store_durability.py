"""The case store under SIGKILL and under two processes saving at once (store-cli.md, "What must hold").

- A case reported saved is in the database, whole, even if the process is killed the next instant.
- A killed save leaves nothing half written (no case without its receipt and audit entry, no
  person without a case), and `python -m engine cases check` passes afterwards.
- Receipt numbers are counted per office and year from 1, without gaps, never twice.
- Saving a person's cases one by one gives what `engine.calculate.calculate` gives for the list.
- Two processes saving into one data folder at once both succeed.

The savers run in subprocesses: tests/store_worker.py (one `save_cases` call per case, one
flushed line per saved case) and `python -m engine cases save FILE`.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from stdnum.cn import ric

from engine.calculate import calculate
from engine.case import check_id_number
from engine.store import open_store

ROOT = Path(__file__).resolve().parents[2]
WORKER = str(Path(__file__).resolve().parents[1] / "store_worker.py")
DB_NAME = "cases.sqlite3"

REGIONS = {"wuhan": "420102", "dianjiang": "500243", "weihai": "371002", "changchun": "220102"}
IDENTITY_SETS = [[], ["subsistence"], ["extreme_poverty"], ["subsistence_edge"], ["monitored_rural"],
                 ["orphan"], ["subsistence", "relapsed_poverty"], ["illness_impoverished"]]
KINDS = ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超"]
OFFICES = ["江岸区医保经办点", "江汉区医保经办点"]
OPERATOR = "王芳"


# --------------------------------------------------------------------------- case data

def id_number(region: str, i: int) -> str:
    """A valid GB 11643 number, unique per i (< 2500): the birth date alone differs for each i."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=11 * i)
    first17 = f"{REGIONS[region]}{birth:%Y%m%d}{i % 1000:03d}"
    number = first17 + ric.calc_check_digit(first17 + "0")  # stdnum expects a placeholder check digit
    return check_id_number(number, "person.id_number")  # the engine's check (the area code is not checked)


def money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def amounts(rng: random.Random) -> dict[str, str]:
    total = rng.randint(800, 150000) * 100 + rng.randint(0, 99)
    scope = total * rng.randint(70, 100) // 100
    basic = scope * rng.randint(30, 70) // 100
    critical = (scope - basic) * rng.randint(0, 40) // 100 if scope > 3_000_000 else 0
    return {"total": money(total), "policy_scope": money(scope), "basic_paid": money(basic),
            "critical_paid": money(critical)}


def person_cases(rng: random.Random, i: int, n: int, *, region: str | None = None,
                 days: list[int] | None = None) -> list[dict]:
    """n cases of person i in date order within 2023."""
    region = region or list(REGIONS)[i % len(REGIONS)]
    person = {"id_number": id_number(region, i), "name": SURNAMES[i % len(SURNAMES)] + rng.choice(GIVEN),
              "identities": rng.choice(IDENTITY_SETS)}
    days = sorted(days if days is not None else rng.sample(range(365), n))
    return [{"region": region, "date": (dt.date(2023, 1, 1) + dt.timedelta(days=d)).isoformat(),
             "person": dict(person), "visit": {"kind": rng.choice(KINDS), "hospital_level": rng.randint(1, 3)},
             "amounts": amounts(rng)} for d in days]


def jobs_in_date_order(rng: random.Random, persons: list[list[dict]]) -> list[dict]:
    """All cases of all persons, in settlement-date order (so each person's cases stay in order)."""
    flat = [(case["date"], p, k, case) for p, cases in enumerate(persons) for k, case in enumerate(cases)]
    flat.sort(key=lambda t: t[:3])
    return [{"office": rng.choice(OFFICES), "operator": OPERATOR, "case": case} for *_, case in flat]


# --------------------------------------------------------------------------- processes

def start_worker(tmp: Path, data: Path, jobs: list[dict], name: str, *flags: str) -> subprocess.Popen:
    jobs_file = tmp / f"{name}.json"
    jobs_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    return subprocess.Popen([sys.executable, WORKER, str(data), str(jobs_file), *flags], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")


def finish(proc: subprocess.Popen, timeout: float = 45) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"saver did not finish in {timeout} s; stderr: {err[-2000:]}") from None
    return proc.returncode, out, err


def run_until_killed(proc: subprocess.Popen, kill_after: int, rng: random.Random) -> list[str]:
    """Read saved-lines until `kill_after` have been read, SIGKILL the saver (at once, or after a random
    pause of up to 2 ms, so that it is caught in different phases of a save), and return every complete
    line it printed before it died."""
    lines = []
    while len(lines) < kill_after:
        line = proc.stdout.readline()
        if not line:
            rc = proc.wait()
            raise AssertionError(f"saver ended (exit {rc}) before it was killed: {proc.stderr.read()[-2000:]}")
        lines.append(line)
    pause = rng.choice([0.0, rng.uniform(0, 0.002)])
    end = time.perf_counter() + pause
    while time.perf_counter() < end:
        pass
    proc.send_signal(signal.SIGKILL)
    rest, _err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    lines += rest.splitlines(keepends=True)
    return [line for line in lines if line.endswith("\n")]  # a line cut short was not reported


def cli_check(data: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(data), "check"], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, f"check failed (exit {done.returncode}): {done.stderr}"


# --------------------------------------------------------------------------- the database, read directly

def connect(data: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def stored_cases(data: Path) -> list[dict]:
    conn = connect(data)
    try:
        rows = conn.execute("SELECT c.*, r.number AS receipt_no, r.office AS r_office, r.year AS r_year, "
                            "p.id_number FROM cases c LEFT JOIN receipts r ON r.case_id = c.id "
                            "JOIN persons p ON p.id = c.person_id ORDER BY c.id").fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def assert_sound(data: Path, reported: list[dict]) -> list[dict]:
    """Everything that must hold after a saver ended (killed or not); returns the stored cases."""
    conn = connect(data)
    try:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        no_receipt = conn.execute("SELECT c.id FROM cases c LEFT JOIN receipts r ON r.case_id = c.id "
                                  "WHERE r.id IS NULL").fetchall()
        assert [r[0] for r in no_receipt] == [], "cases without a receipt"
        bad_audit = conn.execute("SELECT c.id, count(a.id) FROM cases c LEFT JOIN audit a "
                                 "ON a.case_id = c.id AND a.action = 'save' GROUP BY c.id "
                                 "HAVING count(a.id) != 1").fetchall()
        assert [tuple(r) for r in bad_audit] == [], "cases without exactly one 'save' audit entry"
        stray_audit = conn.execute("SELECT count(*) FROM audit WHERE action = 'save' AND case_id NOT IN "
                                   "(SELECT id FROM cases)").fetchone()[0]
        assert stray_audit == 0
        lonely = conn.execute("SELECT id_number FROM persons WHERE id NOT IN (SELECT person_id FROM cases)").fetchall()
        assert [r[0] for r in lonely] == [], "persons written without their case"
        by_key = defaultdict(list)
        for r in conn.execute("SELECT r.office, r.year, r.seq, r.number, c.office AS c_office, "
                              "c.policy_year FROM receipts r JOIN cases c ON c.id = r.case_id"):
            assert (r["office"], r["year"]) == (r["c_office"], r["policy_year"])
            assert r["number"] == f"{r['year']}-{r['seq']:06d}"
            by_key[(r["office"], r["year"])].append(r["seq"])
        for key, seqs in by_key.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"receipt numbers of {key} have gaps or repeats"
    finally:
        conn.close()

    cases = stored_cases(data)
    by_id = {c["id"]: c for c in cases}
    for c in cases:
        result = json.loads(c["result"])  # whole: the stored result parses ...
        assert result["payouts"] == {k: c[k] for k in ("basic", "critical", "assistance", "tilt")}
        assert result["out_of_pocket"] == c["out_of_pocket"]
        json.loads(c["input"])
    for line in reported:  # ... and every case reported saved is there, as it was reported
        assert line["case_id"] in by_id, f"case {line['case_id']} was reported saved but is not in the database"
        c = by_id[line["case_id"]]
        assert c["receipt_no"] == line["receipt_no"]
        result = json.loads(c["result"])
        if "result" in line:
            assert result == line["result"]
        else:
            assert result["payouts"] == line["payouts"]
            assert result["out_of_pocket"] == line["out_of_pocket"]
    assert len({line["case_id"] for line in reported}) == len(reported)
    assert len({(by_id[line["case_id"]]["office"], line["receipt_no"]) for line in reported}) == len(reported)
    cli_check(data)
    return cases


def assert_same_as_calculate(cases: list[dict]) -> int:
    """Each person's stored results equal `calculate` on that person's stored inputs in saved order.
    Returns how many cases came out differently from computing them alone (the ledger mattered, if only
    in the cap used so far that the result shows)."""
    per_person = defaultdict(list)
    for c in cases:
        per_person[c["id_number"]].append(c)
    ledger_mattered = 0
    for rows in per_person.values():
        inputs = [json.loads(c["input"]) for c in rows]
        expected = json.loads(json.dumps(calculate({"cases": inputs})["results"], ensure_ascii=False, default=str))
        assert [json.loads(c["result"]) for c in rows] == expected, f"person {rows[0]['id_number']}"
        alone = json.loads(json.dumps([calculate(i) for i in inputs], ensure_ascii=False, default=str))
        ledger_mattered += sum(a != e for a, e in zip(alone, expected))
    return ledger_mattered


# --------------------------------------------------------------------------- 1. SIGKILL during saves

def test_sigkill_during_saves_loses_nothing_reported(tmp_path):
    rng = random.Random(20230301)
    persons = [person_cases(rng, i, 4 if i < 100 else 3) for i in range(300)]
    jobs = jobs_in_date_order(rng, persons)
    assert len(jobs) == 1000
    data = tmp_path / "data"
    kill_points = sorted(rng.sample(range(40, 960), 5))   # cumulative number of reported saves
    reported: list[dict] = []
    saved = 0
    for round_no, target in enumerate([*kill_points, None]):
        proc = start_worker(tmp_path, data, jobs[saved:], f"round{round_no}")
        if target is None:
            rc, out, err = finish(proc)
            assert rc == 0, err
            assert err == ""
            lines = out.splitlines(keepends=True)
        else:
            lines = run_until_killed(proc, max(1, target - len(reported)), rng)
        now_reported = [json.loads(line) for line in lines]
        reported += now_reported
        cases = assert_sound(data, reported)
        # the saver saved a prefix of its list; at most the one case committed but not yet printed is unreported
        assert len(cases) - saved - len(now_reported) in ((0, 1) if target is not None else (0,))
        assert [json.loads(c["input"]) for c in cases] == [j["case"] for j in jobs[:len(cases)]]
        assert [(c["office"], c["operator"]) for c in cases] == [(j["office"], j["operator"])
                                                                 for j in jobs[:len(cases)]]
        saved = len(cases)
    assert saved == 1000
    assert len(reported) >= 1000 - len(kill_points)
    assert assert_same_as_calculate(stored_cases(data)) > 50


# --------------------------------------------------------------------------- 2. two processes at once

def shared_person_cases(rng: random.Random, n: int) -> list[dict]:
    """n cases of one low-income person on one day (so any saved order is a date order), sized so that
    the year's assistance cap (70000.00) fills up over the n cases: each result shows the cap used by
    all the cases saved before it, and a case computed on a stale ledger shows a different one."""
    cases = person_cases(rng, 2400, n, region="wuhan", days=[180] * n)
    for c in cases:
        c["person"]["identities"] = ["subsistence"]
        c["visit"] = {"kind": "inpatient", "hospital_level": 3}
        total = rng.randint(4500, 7500) * 100
        c["amounts"] = {"total": money(total), "policy_scope": money(total * 9 // 10),
                        "basic_paid": money(total * 5 // 10), "critical_paid": money(total // 10)}
    return cases


def two_workers_jobs(rng: random.Random, per_worker: int, shared_each: int, office: str) -> tuple[list, list]:
    shared = shared_person_cases(rng, 2 * shared_each)
    out = []
    for w in range(2):
        base = 1000 + 500 * w
        own = per_worker - shared_each
        persons = [person_cases(rng, base + p, 2) for p in range(own // 2)]
        jobs = jobs_in_date_order(rng, persons)
        assert len(jobs) == own
        # the shared person's cases come at the same places in both lists (every other case from the
        # 30th on), so that both save them at about the same time
        for k, case in enumerate(shared[w::2]):
            jobs.insert(30 + 2 * k, {"office": office, "operator": OPERATOR, "case": case})
        for j in jobs:
            j["office"] = office
            j["operator"] = f"{OPERATOR}{w + 1}"
        out.append(jobs)
    return out[0], out[1]


def start_together(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        line = p.stdout.readline()
        if line != "ready\n":
            p.wait()
            raise AssertionError(f"worker not ready: {line!r} {p.stderr.read()[-2000:]}")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()


def test_two_processes_save_into_one_folder_at_once(tmp_path):
    rng = random.Random(4711)
    office = "江岸区医保经办点"
    jobs_a, jobs_b = two_workers_jobs(rng, 150, 24, office)
    assert len(jobs_a) == len(jobs_b) == 150
    data = tmp_path / "data"
    from engine.store import open_store
    open_store(data).close()   # the folder exists; both then save at the same instant

    procs = [start_worker(tmp_path, data, jobs, f"w{n}", "--wait-open", "--pace")
             for n, jobs in enumerate((jobs_a, jobs_b))]
    start_together(procs)
    outs = []
    for p in procs:
        rc, out, err = finish(p)
        assert rc == 0, err
        assert err == ""
        outs.append([json.loads(line) for line in out.splitlines()])
    assert [len(o) for o in outs] == [150, 150]
    ids_a, ids_b = ({line["case_id"] for line in o} for o in outs)
    # they really ran at once: each saved cases between cases of the other
    assert min(ids_a) < max(ids_b) and min(ids_b) < max(ids_a)

    cases = assert_sound(data, outs[0] + outs[1])
    assert len(cases) == 300
    conn = connect(data)
    try:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM receipts WHERE office = ? AND year = 2023 ORDER BY seq",
                                           (office,))]
    finally:
        conn.close()
    assert seqs == list(range(1, 301))
    # each worker's cases were stored as it sent them, in its order
    for n, jobs in enumerate((jobs_a, jobs_b)):
        mine = sorted((c for c in cases if c["operator"] == f"{OPERATOR}{n + 1}"), key=lambda c: c["id"])
        assert [json.loads(c["input"]) for c in mine] == [j["case"] for j in jobs]
    # the shared person's year ledger was not lost between the two: results equal the list computed in saved order
    shared_id = id_number("wuhan", 2400)
    assert sum(c["id_number"] == shared_id for c in cases) == 48
    assert assert_same_as_calculate(cases) > 0
    shared = [c for c in cases if c["id_number"] == shared_id]
    assert assert_same_as_calculate(shared) == 47   # all but the first depend on those saved before
    # and the two savers really took turns on the shared person's ledger
    operators = [c["operator"] for c in shared]
    assert sum(a != b for a, b in zip(operators, operators[1:])) >= 2, operators


def _start_at_once_trial(tmp: Path, data: Path, trial: int) -> list[dict]:
    """Two workers open `data` at the same instant and save 3 cases each; returns what they reported."""
    rng = random.Random(trial)
    procs = []
    for w in range(2):
        jobs = [{"office": "江汉区医保经办点", "operator": OPERATOR, "case": case}
                for case in person_cases(rng, 2000 + 10 * trial + w, 3)]
        procs.append(start_worker(tmp, data, jobs, f"t{trial}w{w}", "--wait"))
    start_together(procs)
    reported = []
    for p in procs:
        rc, out, err = finish(p)
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert rc == 0 and err == "", f"trial {trial}: a saver failed (exit {rc}): {last}"
        reported += [json.loads(line) for line in out.splitlines()]
    assert len(reported) == 6
    return reported


def test_two_processes_open_a_new_data_folder_at_once(tmp_path):
    """Two windows started at once on a new (empty) data folder both open it and save."""
    for trial in range(5):
        data = tmp_path / f"data{trial}"
        reported = _start_at_once_trial(tmp_path, data, trial)
        cases = assert_sound(data, reported)
        assert len(cases) == 6


def test_two_processes_open_a_hundred_new_data_folders_at_once(tmp_path):
    """The creation race: two openers are handed the same brand-new folder at the same instant, 100 times.
    Every opening succeeds, and each folder ends with one sound, empty database and no temp files."""
    procs = [subprocess.Popen([sys.executable, WORKER, "--open-each"], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
             for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline() == "ready\n", p.stderr.read()[-2000:]
        for trial in range(100):
            folder = tmp_path / f"new{trial}"
            for p in procs:
                p.stdin.write(f"{folder}\n")
            for p in procs:
                p.stdin.flush()
            answers = [p.stdout.readline().strip() for p in procs]
            assert answers == ["opened 0", "opened 0"], f"trial {trial}: {answers}"
            assert not list(folder.glob(".cases-*")), f"trial {trial}: temp files left"
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(timeout=30)


def test_the_stale_file_sweep_ignores_a_file_that_vanishes_while_it_looks(tmp_path, monkeypatch):
    """Another window's temp file, listed and then removed by its owner before it is looked at, is no error;
    a temp file an hour old (a killed creation's) is removed; a young one is left to its owner."""
    from engine.store import database
    folder = tmp_path / "data"
    folder.mkdir()
    vanishing = folder / ".cases-0123.new-journal"
    young = folder / ".cases-4567.new"
    old = folder / ".cases-89ab.new-wal"
    for f in (vanishing, young, old):
        f.write_bytes(b"x")
    hour_ago = time.time() - database.STALE_TEMP_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if self.name == vanishing.name:
            self.unlink(missing_ok=True)   # its owner finished just now
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    database._sweep_stale_temp_files(folder)
    assert young.exists() and not old.exists() and not vanishing.exists()


def test_two_processes_open_a_folder_with_cases_at_once(tmp_path):
    """Two windows started at once in the morning on a folder holding cases (the day's first opening,
    which makes the daily backup) both open it and save."""
    from engine.store import open_store
    from engine.store.cases import save_cases

    rng = random.Random(99)
    for trial in range(5):
        data = tmp_path / f"data{trial}"
        with open_store(data) as store:
            save_cases(store, person_cases(rng, 2300 + trial, 1)[0], operator=OPERATOR, office="江汉区医保经办点")
        reported = _start_at_once_trial(tmp_path, data, trial)
        cases = assert_sound(data, reported)
        assert len(cases) == 7


# --------------------------------------------------------------------------- 3. killed CLI saves

def test_killed_cli_batch_save_leaves_nothing_half_written(tmp_path):
    """`cases save FILE` with a {"cases": [...]} batch, killed at random instants: the batch is one
    transaction, so the database holds all of it or none of it; a line printed means all of it is
    stored (lines come after the single commit), exactly as printed, and check passes."""
    rng = random.Random(8)
    persons = [person_cases(rng, 2100 + i, 4) for i in range(20)]
    jobs = jobs_in_date_order(rng, persons)
    cases_in = [j["case"] for j in jobs]
    office = "江汉区医保经办点"
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"cases": cases_in}, ensure_ascii=False), encoding="utf-8")

    def start(data: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "engine", "cases", "--data-dir", str(data), "save", str(batch),
                                 "--operator", OPERATOR, "--office", office], cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")

    whole = tmp_path / "whole"
    began = time.perf_counter()
    rc, out, err = finish(start(whole))
    took = time.perf_counter() - began
    assert rc == 0 and err == "", err
    reported = [json.loads(line) for line in out.splitlines()]
    assert len(reported) == 80 and all(set(r) == {"case_id", "receipt_no", "result"} for r in reported)
    assert [json.loads(c["input"]) for c in assert_sound(whole, reported)] == cases_in
    assert assert_same_as_calculate(stored_cases(whole)) > 0

    for round_no in range(8):
        data = tmp_path / f"killed{round_no}"
        open_store(data, daily_backup=False).close()   # the kill lands in the save, not in the creation
        proc = start(data)
        time.sleep(rng.uniform(0.4, 1.1) * took)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        lines = [json.loads(line) for line in out.splitlines(keepends=True) if line.endswith("\n")]
        cases = assert_sound(data, lines)
        assert len(cases) in (0, 80), f"a killed batch left {len(cases)} of 80 cases"
        if lines:
            assert len(cases) == 80
        if cases:
            assert [json.loads(c["input"]) for c in cases] == cases_in
