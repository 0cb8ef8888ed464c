"""Plant the bugs a clerk would suffer, one at a time, and show which engine tests catch each.

    python tools/planted_bugs.py            # each bug, two runs: the same tests must catch it every time
    python tools/planted_bugs.py --runs 1

Each bug is a small edit applied to a temporary copy of the project (the worktree is never touched); the
engine tests (tests/engine, hypothesis profile "ci": derandomized, the same examples every run) are run
against it. A bug passes the check when at least two tests catch it in every run. Exit status 0 when all do.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, file, the code as it is, the code with the bug)
BUGS = [
    ("大病保险 yearly cap not applied", "engine/insurance.py",
     "    pay = raw if cap is None else min_cap(raw, cap - ctx.view.get(\"critical.paid\"))\n",
     "    pay = raw\n"),
    ("basic-insurance yearly cap not applied", "engine/insurance.py",
     "    pay = capped = min_cap(raw, left)\n",
     "    pay = capped = raw\n"),
    ("rounding down instead of half up", "engine/money.py",
     "    return value.quantize(CENT, ROUND_HALF_UP)   # positional",
     "    return value.quantize(CENT, ROUND_DOWN)   # positional"),
]
MIN_CATCHES = 2


def _copy(to: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("engine", "resources", "tests"):
        shutil.copytree(ROOT / name, to / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")


def _plant(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise SystemExit(f"{file}: the code to break is not found once; update tools/planted_bugs.py")
    text = text.replace(old, new)
    if "ROUND_DOWN" in new:
        text = text.replace("from decimal import ROUND_HALF_UP, Decimal", "from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal")
    path.write_text(text, encoding="utf-8")


def _failing(folder: Path) -> list[str]:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("SANCHONG_SHARED", str(ROOT.parent / "shared"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/engine", "-q", "-rf", "-p", "no:cacheprovider"],
                          cwd=folder, env=env, capture_output=True, text=True)
    return sorted(set(re.findall(r"^FAILED (.+?)(?: - .*)?$", proc.stdout, re.M)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2, help="runs per bug (derandomized: they must agree)")
    ap.add_argument("--only", help="only the bug whose name contains this text")
    args = ap.parse_args(argv)
    ok = True
    for name, file, old, new in BUGS:
        if args.only and args.only not in name:
            continue
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="sanchong-bug-") as tmp:
                folder = Path(tmp)
                _copy(folder)
                _plant(folder, file, old, new)
                runs.append(_failing(folder))
        every = set(runs[0]).intersection(*runs[1:])
        good = len(every) >= MIN_CATCHES
        ok &= good
        print(f"{'CAUGHT' if good else 'MISSED'}: {name} — {len(every)} tests caught it in all {args.runs} runs"
              + ("" if all(r == runs[0] for r in runs) else " (the runs differ: " + "; ".join(str(len(r)) for r in runs) + ")"))
        for test in sorted(every):
            print(f"    {test}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
