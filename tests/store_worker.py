"""Helper process for tests/store/test_store_durability.py (not a test module itself).

    python tests/store_worker.py DATA_DIR JOBS.json [--wait | --wait-open] [--pace]
    python tests/store_worker.py --open-each
    python tests/store_worker.py --restore DATA_DIR BACKUP_FILE

With --open-each the worker prints "ready", then reads data-folder paths from standard input,
one a line, and for each opens the store (creating it), counts its cases and closes it,
printing "opened N" or "failed ERROR" — so that two workers can open many new folders at
the same instants without paying a process start per folder.

With --restore the worker prints "ready", waits for a line on standard input, restores the
data folder from the backup file (engine.store.restore.restore) and prints "restored N" — so
that a test can kill it at a chosen instant of the restore itself, not of the imports.

JOBS.json is a list of {"office": ..., "operator": ..., "case": CASE}. Each job is saved
with its own `save_cases` call (one case per call, one commit each) and, right after the
call returns, one line is printed and flushed:

    {"case_id": N, "receipt_no": "2023-000017", "payouts": {...}, "out_of_pocket": "..."}

With --wait the worker imports everything, prints "ready", and opens the store only after
it reads a line on standard input, so that two workers open the data folder at the same
instant; with --wait-open it opens the store first and then waits the same way, so that
two workers start saving at the same instant. With --pace it leaves 5 ms between two saves
(without it, one worker can hold the write lock nearly all the time and the other only gets
its turns after the first has finished).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.store import open_store  # noqa: E402
from engine.store.cases import save_cases  # noqa: E402


def _ready() -> bool:
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    return bool(sys.stdin.readline())


def open_each() -> int:
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            with open_store(line.strip()) as store:
                count = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            sys.stdout.write(f"opened {count}\n")
        except Exception as exc:  # reported to the test, which fails on it
            sys.stdout.write(f"failed {type(exc).__name__}: {exc}\n".replace("\n", " ").strip() + "\n")
        sys.stdout.flush()
    return 0


def restore_one(data_dir: str, source: str) -> int:
    from engine.store.restore import restore

    if not _ready():
        return 3
    done = restore(data_dir, source)
    sys.stdout.write(f"restored {done['cases']}\n")
    sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--open-each"]:
        return open_each()
    if argv[:1] == ["--restore"]:
        return restore_one(argv[1], argv[2])
    data_dir, jobs_file = argv[0], argv[1]
    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    if "--wait" in argv[2:] and not _ready():
        return 3
    out = sys.stdout
    with open_store(data_dir) as store:
        if "--wait-open" in argv[2:] and not _ready():
            return 3
        for job in jobs:
            [saved] = save_cases(store, job["case"], operator=job["operator"], office=job["office"])
            out.write(json.dumps({"case_id": saved.case_id, "receipt_no": saved.receipt_no,
                                  "payouts": saved.result["payouts"],
                                  "out_of_pocket": saved.result["out_of_pocket"]}, ensure_ascii=False) + "\n")
            out.flush()
            if "--pace" in argv[2:]:
                time.sleep(0.005)  # a moment between two saves, as a clerk would leave: the other window's turn
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
