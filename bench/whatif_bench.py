"""模拟测算 speed over the store bench's database (issue 17: 1,000,000 stored cases in ≤ 60 s).

    .venv/bin/python bench/whatif_bench.py [--dir DIR] [--cases N] [--persons M] [--workers 1,2]

Builds (or reuses) the database of bench/store_bench.py with the same arguments, opens it with
the daily backup off, and times `Office.what_if` over its fullest policy year, once per worker
count (1: in this process; 2: the persons shared by two worker processes): with no change (which
must reproduce every stored result: 0 changed cases) and with one rate changed. Prints cases a
second and the time that rate gives for 1,000,000 cases, and beside the wall clock the CPU time:
in all, and per core (this process's plus the workers' shared out), which is what the wall clock
comes to on an idle machine. A smaller database (the default here) is enough to read the
one-worker rate; with it two workers spend most of their time starting. The full database
(--cases 1000000 --persons 100000) takes about 2.5 minutes and 4.9 GB to build.

Measured (docs/what-if.md), the fullest year of the full database (333,496 cases) on the shared
2-core machine at load 6–7: one worker 83–97 s of CPU per 1,000,000 cases; two workers 48–50 s
per core (the wall clock two to three times longer, the machine being busy with others); on the idle
machine by the wall clock: one worker 65–67 s, two workers 38–39 s per 1,000,000 cases; after the
numbers-only bulk path (2026-11-30 19:47 UTC, idle): one worker 51–52 s, two workers 30–31 s.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine.office import Office  # noqa: E402
from store_bench import cached, generate  # noqa: E402

TARGET_CASES, TARGET_SECONDS = 1_000_000, 60.0
# 武汉 住院医疗救助比例, 三类 70% → 80%
CHANGE = ("wuhan", "inpatient.rate", '{"一类": 1.00, "二类": 0.80, "三类": 0.80, "四类": 0.60}')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "sanchong-bench-whatif"))
    ap.add_argument("--cases", type=int, default=30_000)
    ap.add_argument("--persons", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--workers", default="1,2", help="worker process counts to time, comma-separated (default 1,2)")
    args = ap.parse_args()
    folder = Path(args.dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if cached(folder, args.cases, args.persons) is None:
        print(f"data: generating {args.cases:,} cases for {args.persons:,} persons in {folder} ...", flush=True)
        generate(folder, args.cases, args.persons, args.seed)
    with Office.open(folder, daily_backup=False) as office:
        years = dict(office.store.conn.execute("SELECT policy_year, count(*) FROM cases WHERE void = 0 GROUP BY policy_year"))
        year = max(years, key=years.get)
        for workers in (int(w) for w in args.workers.split(",")):
            for label, settings in (("no change", []), ("武汉 inpatient.rate 三类 +10 points", [CHANGE])):
                start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
                report = office.what_if(year, settings, workers=workers)
                took, cpu, children = time.perf_counter() - start, time.process_time() - cpu, _children_cpu() - children
                # the time one core of an idle machine spends: this process's, or each worker's (the
                # work is shared by case count, so the busiest worker is about the mean)
                core = cpu + children / workers if workers > 1 else cpu
                scale = TARGET_CASES / report.cases
                print(f"what-if {year}, {label}, workers={workers}: {report.cases:,} cases in {took:.2f} s = "
                      f"{report.cases / took:,.0f} cases/s; {TARGET_CASES:,} cases would take {took * scale:.0f} s "
                      f"(target ≤ {TARGET_SECONDS:.0f} s); CPU time {cpu + children:.2f} s in all, {core:.2f} s per core "
                      f"({core * scale:.0f} s per core for {TARGET_CASES:,}); "
                      f"changed cases {report.changed_cases:,}, persons {report.changed_persons:,}", flush=True)
                if not settings:
                    assert report.changed_cases == 0, "with no change, what-if must reproduce every stored result"


def _children_cpu() -> float:
    """User + system time of the ended child processes (the what-if workers)."""
    t = os.times()
    return t.children_user + t.children_system

if __name__ == "__main__":
    main()
