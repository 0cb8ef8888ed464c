"""Bulk speed (issue 17): a person's year of 2,000 cases, end to end and in process.

    python bench/bulk_bench.py

Targets: `python -m engine calc` on 2,000 cases ≥ 20,000 cases/s end to end (process start
excluded: the time of 2,000 cases minus the time of one); in process, without steps ≥ 100,000
cases/s and with steps ≥ 30,000 cases/s. Each figure is printed with its ratio to a bare Decimal
evaluation of the same case, so a slower or busier machine can be read against the targets, and
beside it the rate by CPU time (process_time; the child's user + system time for `calc`), which a
machine shared with other work does not slow down as much as the wall clock.

Measured (docs/what-if.md, the idle 2-core machine, 2026-11-30 21:54 UTC, by the wall clock): without
steps 101,200–102,800 cases/s (target 100,000), with steps 39,800–40,600, parse + steps + to_json
23,000–23,400, `calc` end to end 20,170–20,690 (target 20,000; each result encoded as it is made).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource   # the child's CPU time (POSIX); elsewhere only the wall clock is printed
except ImportError:
    resource = None

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine.calculate import calculate_cases, parse_input  # noqa: E402
from engine_bench import hand_written, per_second, year_of  # noqa: E402

N = 2000


def best_rate(fn, n: int, runs: int = 7) -> tuple[float, float]:
    """Cases a second of the fastest of `runs` runs of `fn` over `n` cases (the least disturbed by others),
    by the wall clock and by this process's CPU time (what a machine shared with others still measures)."""
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return n / best_wall, n / best_cpu


def process_seconds(paths: list[str], runs: int = 15) -> list[tuple[float, float]]:
    """The median wall time and CPU time (user + system, of the child process) of `calc` on each file,
    the files' runs interleaved (a machine that slows down for a while slows each file alike)."""
    walls: list[list[float]] = [[] for _ in paths]
    cpus: list[list[float]] = [[] for _ in paths]
    for _ in range(runs):
        for path, wall, cpu in zip(paths, walls, cpus):
            before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "engine", "calc", path], capture_output=True, cwd=ROOT, check=True)
            wall.append(time.perf_counter() - start)
            if resource:
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c) if c else float("nan")) for w, c in zip(walls, cpus)]


def line(label: str, rates: tuple[float, float], target: int | None, bare: float) -> None:
    rate, cpu_rate = rates
    if target is None:   # a part of a figure that has a target, printed to see where the time goes
        print(f"{label:<38}{rate:10,.0f} cases/s  (no target of its own; bare Decimal is {bare / rate:,.1f}× faster)"
              f"; by CPU time {cpu_rate:,.0f} cases/s")
        return
    mark = "ok" if rate >= target else "below"
    print(f"{label:<38}{rate:10,.0f} cases/s  (target ≥ {target:,}: {mark}; bare Decimal is {bare / rate:,.1f}× faster)"
          f"; by CPU time {cpu_rate:,.0f} cases/s ({'ok' if cpu_rate >= target else 'below'})")


def main() -> None:
    doc = {"cases": year_of(N)}
    cases = parse_input(doc)
    explained = calculate_cases(cases)
    bulk = calculate_cases(cases, explain=False)
    assert [(r.basic, r.critical, r.assistance, r.tilt) for r in explained] == \
        [(r.basic, r.critical, r.assistance, r.tilt) for r in bulk]
    bare = per_second(hand_written)
    print(f"{'bare Decimal evaluation of one case':<38}{bare:10,.0f} cases/s  (by the wall clock; every ratio below"
          " is to this figure, measured in the same run)")
    line("in process, without steps", best_rate(lambda: calculate_cases(cases, explain=False), N), 100_000, bare)
    line("in process, with steps", best_rate(lambda: calculate_cases(cases), N), 30_000, bare)
    line("in process, parse + steps + to_json", best_rate(
        lambda: [r.to_json() for r in calculate_cases(parse_input(doc))], N), None, bare)

    with tempfile.TemporaryDirectory() as tmp:
        year, one = Path(tmp, "year.json"), Path(tmp, "one.json")
        year.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        one.write_text(json.dumps({"cases": year_of(1)}, ensure_ascii=False), encoding="utf-8")
        (t_year, c_year), (t_one, c_one) = process_seconds([str(year), str(one)])
    print(f"python -m engine calc, 1 case:        {t_one * 1000:10.1f} ms (process start; CPU {c_one * 1000:.1f} ms)")
    print(f"python -m engine calc, {N:,} cases:   {t_year * 1000:10.1f} ms (CPU {c_year * 1000:.1f} ms)")
    line(f"calc end to end ({N:,} − 1 cases)", ((N - 1) / (t_year - t_one), (N - 1) / (c_year - c_one)), 20_000, bare)


if __name__ == "__main__":
    main()
