"""Engine speed: single cases a second, a year of 50 cases, and the CLI as a whole process.

    python bench/engine_bench.py

Targets (issue 2): at least 20,000 single cases a second on one core; a year of 50
cases in under 5 ms; `python -m engine calc` imports neither Qt nor ReportLab.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Year, calculate, calculate_cases  # noqa: E402
from engine.case import parse_case  # noqa: E402

CASE = {
    "region": "wuhan", "date": "2023-03-01",
    "person": {"identities": ["subsistence"], "insurance": "resident"},
    "visit": {"kind": "inpatient", "hospital_level": 2},
    "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
}


def year_of(n: int) -> list[dict]:
    cases = []
    for i in range(n):
        c = json.loads(json.dumps(CASE))
        c["date"] = f"2023-{1 + i * 12 // n:02d}-{1 + i % 4 * 7:02d}"
        c["visit"]["kind"] = "inpatient" if i % 3 else "outpatient_chronic"
        c["amounts"] = {"total": "8000.00", "policy_scope": "7000.00", "basic_paid": "4000.00", "critical_paid": "0.00"}
        cases.append(c)
    return sorted(cases, key=lambda c: c["date"])


def per_second(fn, seconds: float = 1.5) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            fn()
        n += 200
    return n / (time.perf_counter() - start)


def hand_written() -> Decimal:
    """The same case by hand: the floor any engine is compared with."""
    scope, basic, critical = Decimal("5000.00"), Decimal("3500.00"), Decimal("0.00")
    base = scope - basic - critical
    return (base * Decimal("0.80")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def process_time(args: list[str], stdin: str | None = None, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    assert calculate(CASE)["payouts"]["assistance"] == "1200.00"
    full = per_second(lambda: calculate(CASE))
    parsed = parse_case(CASE)
    compute_only = per_second(lambda: calculate_cases([parsed], Year()))
    hand = per_second(hand_written)
    print(f"single case, JSON dict in and out:  {full:10,.0f} cases/s  (target ≥ 20,000)")
    print(f"single case, already validated:     {compute_only:10,.0f} cases/s")
    print(f"minimal hand-written Decimal:       {hand:10,.0f} cases/s  (engine is {hand / full:,.0f}× slower,"
          " and also validates, explains and tracks the ledger)")

    year = {"cases": year_of(50)}
    runs = []
    for _ in range(200):
        start = time.perf_counter()
        calculate(year)
        runs.append(time.perf_counter() - start)
    print(f"a year of 50 cases:                 {statistics.median(runs) * 1000:10.2f} ms median  (target < 5 ms)")

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(CASE, fh)
    check = ("import sys, runpy; sys.argv=['engine','calc',%r]; "
             "import engine.cli as c; c.main(sys.argv[1:]); "
             "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','reportlab')]; "
             "sys.stderr.write('heavy modules: %%s\\n' %% bad)") % fh.name
    p = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=ROOT)
    print(f"python -m engine calc imports:      {p.stderr.strip().splitlines()[-1]}")
    bare = process_time([sys.executable, "-c", "pass"])
    calc = process_time([sys.executable, "-m", "engine", "calc", fh.name])
    print(f"python -c pass:                     {bare * 1000:10.1f} ms")
    print(f"python -m engine calc CASE.json:    {calc * 1000:10.1f} ms  ({calc / bare:.1f}× python -c pass)")
    os.unlink(fh.name)


if __name__ == "__main__":
    main()
