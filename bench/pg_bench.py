"""The case store on PostgreSQL at scale, with the same figures for SQLite beside: a million cases
for a hundred thousand persons.

    .venv/bin/python bench/pg_bench.py [--dir DIR] [--cases N] [--persons M] [--database-url URL] [--reps F]

Targets (issue 15, on a local PostgreSQL): save p95 ≤ 30 ms, a person's year ledger ≤ 20 ms and
find by ID ≤ 20 ms with 1,000,000 cases.

The data: the SQLite database bench/store_bench.py generates (cached in --dir, shared with that
bench), loaded into PostgreSQL with COPY (not through saves), table by table, the store's triggers
held off during the load; so both backends hold exactly the same rows and each figure is measured
on the same persons. PostgreSQL: the server of --database-url (an empty database, e.g. one made with
`createdb`), else a throwaway server started here as tests/pg.py does and stopped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import store_bench  # noqa: E402  (the SQLite data and its timing helpers)
from engine.store import open_store  # noqa: E402
from engine.store.cases import save_cases  # noqa: E402
from engine.store.database import DB_NAME  # noqa: E402
from engine.store.move import copy_order  # noqa: E402
from engine.store.persons import find_by_id_number  # noqa: E402
from engine.store.queries import year_ledger  # noqa: E402

TARGETS_MS = store_bench.TARGETS_MS


def tables(src: sqlite3.Connection) -> list[str]:
    """Every table of the SQLite database, in the order `cases move-to-server` copies them (engine/store/move.py:
    a table a later migration adds follows, in the file's order)."""
    return copy_order([r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                 "AND name NOT LIKE 'sqlite_%' ORDER BY rowid")])


def sqlite_data(folder: Path, n_cases: int, n_persons: int, seed: int) -> None:
    """store_bench's database in `folder`: generated when not cached, then opened once (migrated, sealed)."""
    if not store_bench.cached(folder, n_cases, n_persons):
        print(f"data: generating {n_cases:,} cases for {n_persons:,} persons in {folder} (bench/store_bench.py) ...",
              flush=True)
        meta = store_bench.generate(folder, n_cases, n_persons, seed)
        print(f"data: generated in {meta['generate_seconds']:.1f} s", flush=True)
    open_store(folder, daily_backup=False).close()


def copy_into(sqlite_path: Path, url: str, pg_folder: Path) -> float:
    """Every table of the SQLite database into the (migrated, empty) PostgreSQL database with COPY."""
    import psycopg

    open_store(pg_folder, daily_backup=False, database_url=url).close()   # the schema, at the same version
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    began = time.perf_counter()
    with psycopg.connect(url) as pg:
        for table in tables(src):
            cols = [r[0] for r in pg.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                                             "AND table_schema = current_schema() ORDER BY ordinal_position", (table,))]
            have = {r[1] for r in src.execute(f"PRAGMA table_info({table})")}
            cols = [c for c in cols if c in have]
            pg.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            if table == "settings":   # (what the migrations wrote there comes from the SQLite database too)
                pg.execute("DELETE FROM settings")
            n = 0
            with pg.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid"):
                    copy.write_row(row)
                    n += 1
            pg.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            print(f"  COPY {table}: {n:,} rows", flush=True)
        pg.commit()
    src.close()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def measure(store, samples: dict, reps) -> dict[str, list[float]]:
    out = {"find": store_bench.timed(lambda n: find_by_id_number(store.db, n), samples["find"]),
           "ledger": store_bench.timed(lambda g: year_ledger(store, g[0], g[1]), samples["ledger"])}
    out["save"] = store_bench.timed(lambda d: save_cases(store, d[0], operator="基准测试", office=d[1]), samples["save"])
    return out


def pick_samples(store, rng: random.Random, n_persons: int, reps) -> dict:
    """Persons to find, fullest years to read, and a next case of such a year to save (the same on both)."""
    persons = rng.sample(range(1, n_persons + 1), min(n_persons, reps(2000)))
    ids = {r["id"]: r["id_number"] for r in store.query(
        "SELECT id, id_number FROM persons WHERE id IN (%s)" % ",".join(map(str, persons)))}
    groups = []
    for person_id in persons[:reps(600)]:
        rows = store.query("SELECT region, policy_year, count(*) AS n, max(id) AS last FROM cases "
                           "WHERE person_id = ? AND void = 0 GROUP BY region, policy_year ORDER BY n DESC LIMIT 1",
                           (person_id,))
        if rows and rows[0]["n"] >= 3:
            last = store.query("SELECT input, office FROM cases WHERE id = ?", (rows[0]["last"],))[0]
            groups.append((ids[person_id], rows[0]["policy_year"], last["office"], last["input"]))
    return {"find": [ids[p] for p in persons], "ledger": [(g[0], g[1]) for g in groups[:reps(400)]],
            "save": [(json.loads(g[3]), g[2]) for g in groups[:reps(150)]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "sanchong-bench-store"),
                    help="store_bench's data folder (the SQLite database, reused while its counts match)")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--reps", type=float, default=1.0, help="scale the number of repetitions")
    ap.add_argument("--database-url", help="an empty PostgreSQL database (else a throwaway server is started)")
    args = ap.parse_args()
    reps = lambda n: max(5, int(n * args.reps))  # noqa: E731
    folder = Path(args.dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sqlite_data(folder, args.cases, args.persons, args.seed)
    # the SQLite figures are taken on a copy, so the saves measured here stay out of store_bench's cache
    work = Path(tempfile.mkdtemp(prefix="pg-bench-"))
    (work / "sqlite").mkdir()
    src = sqlite3.connect(folder / DB_NAME)
    dest = sqlite3.connect(work / "sqlite" / DB_NAME)
    src.backup(dest)
    src.close()
    dest.close()

    server = None
    url = args.database_url
    if not url:
        from pg import NOT_INSTALLED, started   # tests/pg.py

        server = started()
        if server is None:
            raise SystemExit(NOT_INSTALLED + ", and no --database-url was given")
        url = server.new_database()
    try:
        print("PostgreSQL: loading with COPY ...", flush=True)
        took = copy_into(work / "sqlite" / DB_NAME, url, work / "pg")
        print(f"PostgreSQL: loaded in {took:.1f} s", flush=True)
        rng = random.Random(args.seed + 15)
        figures = {}
        samples = None
        for name, opener in (("SQLite", lambda: open_store(work / "sqlite", daily_backup=False, local=True)),
                             ("PostgreSQL", lambda: open_store(work / "pg", daily_backup=False, database_url=url))):
            with opener() as store:
                if samples is None:
                    cases = store.query("SELECT count(*) AS n FROM cases")[0]["n"]
                    samples = pick_samples(store, rng, args.persons, reps)
                figures[name] = measure(store, samples, reps)
        print()
        print(f"{cases:,} cases, {args.persons:,} persons; p95 (median) in ms")
        print(f"{'':<22}{'SQLite':>22}{'PostgreSQL':>22}   target (PostgreSQL)")
        labels = {"find": "find by ID number", "ledger": "a person's year ledger", "save": "save one case"}
        verdicts = []
        for key, label in labels.items():
            cells = []
            for name in ("SQLite", "PostgreSQL"):
                med, p95 = store_bench.ms(figures[name][key])
                cells.append(f"{p95:8.2f} ({med:6.2f})")
            _, pg95 = store_bench.ms(figures["PostgreSQL"][key])
            ok = pg95 <= TARGETS_MS[key]
            verdicts.append(f"{key} {'PASS' if ok else 'FAIL'}")
            print(f"{label:<22}{cells[0]:>22}{cells[1]:>22}   ≤ {TARGETS_MS[key]:.0f} ms: {'PASS' if ok else 'FAIL'}"
                  f"  (n={len(figures['PostgreSQL'][key])})")
        print("PostgreSQL targets: " + ", ".join(verdicts))
    finally:
        if server is not None:
            server.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
