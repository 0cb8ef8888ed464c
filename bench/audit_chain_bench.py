"""Audit-chain verification at 10,000 cases (issue 13: an untouched database of 10,000 cases
verifies in ≤ 2 s).

    .venv/bin/python bench/audit_chain_bench.py [--cases N]

One real case is saved through the office; the other cases are copies of its row (each its
own receipt number), each recorded by a chained audit row as a save writes it. Then
`Office.audit_verify` runs three times; the best time is printed against the target.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from engine.office import Office  # noqa: E402
from engine.store import chain  # noqa: E402
from ids import valid_id  # noqa: E402

TARGET_S = 2.0
CASE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": valid_id("1970-01-01", 7), "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def build(folder: Path, n: int) -> None:
    with Office.open(folder, daily_backup=False) as office:
        office.save(CASE, operator="李四", office="城关镇")
        store = office.store
        cols = [r[1] for r in store.conn.execute("PRAGMA table_info(cases)") if r[1] != "id"]
        with store.write() as db:
            for i in range(2, n + 1):
                db.conn.execute(f"INSERT INTO cases ({', '.join(cols)}) SELECT {', '.join(cols)} FROM cases WHERE id = 1")
                db.conn.execute("INSERT INTO receipts (case_id, office, year, seq, number) VALUES (?, '城关镇', 2023, ?, ?)",
                                (i, i, f"2023-{i:06d}"))
                chain.append(db, {"at": "2023-03-01T10:00:00+08:00", "operator": "李四", "action": "save",
                                  "case_id": i, "person_id": 1, "detail": "保存案件"})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "d"
        build(folder, args.cases)
        best = None
        with Office.open(folder, daily_backup=False) as office:
            for _ in range(3):
                start = time.perf_counter()
                verdict = office.audit_verify()
                took = time.perf_counter() - start
                best = took if best is None else min(best, took)
            assert verdict.ok, verdict.broken
        print(f"audit-verify: {verdict.cases} cases, {verdict.rows} audit rows: {best:.2f} s "
              f"(target ≤ {TARGET_S:.1f} s) {'PASS' if best <= TARGET_S else 'FAIL'}")
    return 0 if best <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
