"""Receipt speed: the first receipt (font loaded) and every one after it.

    python bench/receipt_bench.py

Target (issue 5): one receipt in at most 200 ms after the first.
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.receipt.make import from_stored, write  # noqa: E402
from engine.store import open_store  # noqa: E402
from engine.store.cases import save_cases, show_case  # noqa: E402

CASE = {"region": "changchun", "date": "2023-05-10",
        "person": {"id_number": "220102201001010017", "name": "张三", "identities": ["subsistence"]},
        "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
        "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                    "critical_paid": "1200.00"}}
TARGET_MS = 200


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, open_store(folder, daily_backup=False) as store:
        save_cases(store, CASE, operator="李四", office="城关镇医保站")
        stored = show_case(store, 1)
    t0 = time.perf_counter()
    buf = io.BytesIO()
    write(from_stored(stored), buf)
    first = (time.perf_counter() - t0) * 1000
    times = {}
    for layout in ("A4", "A5"):
        runs = []
        for _ in range(20):
            t0 = time.perf_counter()
            buf = io.BytesIO()
            write(from_stored(stored), buf, layout)
            runs.append((time.perf_counter() - t0) * 1000)
        times[layout] = (statistics.median(runs), max(runs), len(buf.getvalue()))
    print(f"first receipt (font loaded): {first:.0f} ms")
    ok = True
    for layout, (median, worst, size) in times.items():
        passed = worst <= TARGET_MS
        ok &= passed
        print(f"{layout}: median {median:.0f} ms, worst {worst:.0f} ms of 20, {size / 1024:.0f} KB"
              f"  [{'PASS' if passed else 'FAIL'} ≤ {TARGET_MS} ms]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
