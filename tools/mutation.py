"""Mutation testing of the rules: `python tools/mutation.py` (not in CI; takes tens of minutes).

Mutates engine/{insurance,ledger,money,calculate,context}.py and engine/regions/*.py with mutmut, runs
the engine tests (tests/engine, hypothesis profile "ci") against each mutant, and prints the score and
the mutants that survived. The work happens in a copy of the project (build/mutation/ by default), so the
worktree never holds mutated code; a second run reuses mutmut's results for unchanged functions.

    python tools/mutation.py                 # run (or resume) and report
    python tools/mutation.py --fresh         # start again from an empty copy
    python tools/mutation.py --report        # only print the last run's score and survivors
    python tools/mutation.py --show NAME     # the diff of one mutant
    python tools/mutation.py --rerun         # re-test the survivors against the current tests
    python tools/mutation.py 'engine.money.*'   # only these mutants (globs), e.g. one module at a time

Equivalent mutants (no test can tell them apart) are listed in tools/mutation-equivalents.md by name and
left out of the score's denominator.
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["engine/insurance.py", "engine/ledger.py", "engine/money.py", "engine/calculate.py",
           "engine/context.py", "engine/regions/*.py"]
COPIED = ["engine", "resources", "tests"]
EQUIVALENTS = ROOT / "tools" / "mutation-equivalents.md"

# The engine tests that compute results (the receipt, CLI and policy-file tests add time, not rule checks).
TESTS = ["tests/engine/test_cases.py", "tests/engine/test_examples.py", "tests/engine/test_properties.py",
         "tests/engine/test_money.py", "tests/engine/test_rule_details.py"]
# Lines that only word a step, a warning or an error message: their string mutants say nothing about the rules.
TEXT_ONLY = [r"^\s*ctx\.(step|steps\.append|steps\.insert|warnings\.append)\(", r"^\s*(f|rf|fr)?[\"']",
             r"^\s*[+] *\(?f?[\"']", r"^\s*(text|label|what|why|who|where|note\w*|\w+_text|deductible_note) \+?= ",
             r"^\s*raise InputError\(", r"^\s*\"\"\"", r"^\s*(zh|en), (zh|en) = "]

CONFIG = """[tool.mutmut]
source_paths = ["engine"]
only_mutate = {modules}
do_not_mutate_patterns = {patterns}
also_copy = ["resources", "tests"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]
pytest_add_cli_args_test_selection = {tests}
"""


def _prepare(work: Path, fresh: bool, source: Path) -> None:
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in COPIED:   # refresh the sources and tests; mutmut's own mutants/ folder is kept
        if (work / name).exists():
            shutil.rmtree(work / name)
        shutil.copytree(source / name, work / name, ignore=ignore)
    (work / "pyproject.toml").write_text(CONFIG.format(modules=json.dumps(MODULES), tests=json.dumps(TESTS),
                                                       patterns=json.dumps(TEXT_ONLY)), encoding="utf-8")


def _env() -> dict[str, str]:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci", "QT_QPA_PLATFORM": "offscreen"}
    env.setdefault("SANCHONG_SHARED", str(ROOT.parent / "shared"))
    return env


def _mutmut(work: Path, *args: str, capture: bool = False, timeout: float | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mutmut")
    cmd = [str(exe) if exe.exists() else "mutmut", *args]
    if timeout is None:
        return subprocess.run(cmd, cwd=work, env=_env(), text=True, capture_output=capture)
    proc = subprocess.Popen(cmd, cwd=work, env=_env(), text=True, start_new_session=True)
    try:
        proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:   # out of time: stop mutmut and its workers; finished mutants are kept
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        print("mutmut stopped at the time limit; the report covers the mutants tested so far", file=sys.stderr)
        return subprocess.CompletedProcess(cmd, 0)
    return subprocess.CompletedProcess(cmd, proc.returncode)


def equivalents() -> set[str]:
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"`([\w.]+__mutmut_\d+)`", EQUIVALENTS.read_text(encoding="utf-8")))


def results(work: Path) -> dict[str, str]:
    out = _mutmut(work, "results", "--all", "true", capture=True).stdout
    status = {}
    for line in out.splitlines():
        name, sep, state = line.strip().partition(": ")
        if sep and "__mutmut_" in name:
            status[name] = state.strip()
    return status


_TREES: dict[Path, dict[str, ast.FunctionDef]] = {}


def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    if path not in _TREES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _TREES[path] = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return _TREES[path]


def _chinese(value) -> bool:
    return isinstance(value, str) and any(ord(ch) > 0x2E80 for ch in value)


def wording_only(work: Path, name: str) -> bool:
    """The mutant changes nothing but Chinese text (a step's wording, a cap's name, a message): it cannot change
    an amount, a class or a cap. Read from mutmut's mutated file: the mutant against the original function."""
    pairs, _ = _changed_constants(work, name)
    return bool(pairs) and all(_chinese(old.value) or _chinese(new.value) for old, new in pairs)


def _changed_constants(work: Path, name: str):
    """The (original, mutant) Constant pairs that differ, or None when anything else differs too."""
    module, _, func = name.rpartition(".")
    path = work / "mutants" / Path(*module.split(".")).with_suffix(".py")
    try:
        funcs = _functions(path)
    except (OSError, SyntaxError):
        return None, module
    mutant, orig = funcs.get(func), funcs.get(func.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    if mutant is None or orig is None:
        return None, module
    a, b = list(ast.walk(orig)), list(ast.walk(mutant))
    if len(a) != len(b):
        return None, module
    pairs = []
    for x, y in zip(a, b):
        if type(x) is not type(y):
            return None, module
        if isinstance(x, ast.Constant):
            if x.value != y.value:
                pairs.append((x, y))
        elif isinstance(x, ast.FunctionDef):
            continue
        elif [f for f in x._fields if not isinstance(getattr(x, f), (ast.AST, list))] and any(
                getattr(x, f) != getattr(y, f) for f in x._fields if not isinstance(getattr(x, f), (ast.AST, list))):
            return None, module
    return pairs, module


def private_key_renamed(work: Path, name: str) -> bool:
    """The mutant renames a ledger key in the one `view.add("key", …)` that both reads and writes it (the key is
    written nowhere else in the module): the year accumulates under the new name just the same."""
    pairs, module = _changed_constants(work, name)
    if not pairs or len(pairs) != 1:
        return False
    old, _ = pairs[0]
    if not (isinstance(old.value, str) and re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", old.value)):
        return False
    source = (work / Path(*module.split("."))).with_suffix(".py").read_text(encoding="utf-8")
    quoted = f'"{old.value}"'
    return source.count(quoted) == 1 and f'.add({quoted}' in source


def report(work: Path) -> int:
    status = results(work)
    if not status:
        print("没有变异测试结果：请先运行 python tools/mutation.py", file=sys.stderr)
        return 1
    equivalent = equivalents()
    survived = sorted(n for n, s in status.items() if s == "survived" and n not in equivalent)
    private = [n for n in survived if private_key_renamed(work, n)]
    survived = [n for n in survived if n not in set(private)]
    wording = [n for n in survived if wording_only(work, n)]
    rules = [n for n in survived if n not in set(wording)]
    killed = sum(1 for s in status.values() if s in ("killed", "timeout", "segfault"))
    unchecked = sum(1 for s in status.values() if s == "not checked")
    other = sorted((n, s) for n, s in status.items() if s not in ("killed", "timeout", "segfault", "survived", "not checked"))
    for name in rules:
        print(f"survived: {name}")
    for name, state in other:
        print(f"{state}: {name}")
    print(f"mutants: {len(status)}; tested {len(status) - unchecked}; killed {killed}; survived {len(survived)} "
          f"(of which {len(wording)} change only Chinese wording, not listed above); "
          f"equivalent: {sum(1 for n in status if n in equivalent)} in tools/mutation-equivalents.md, "
          f"{len(private)} renaming a ledger key used in one place; "
          f"no test or other {len(other)}; not yet tested {unchecked}")
    for label, alive in (("all survivors", len(survived)), ("without wording-only mutants", len(rules))):
        counted = killed + alive
        print(f"mutation score, {label}: {100 * killed / counted if counted else 0:.1f}% ({killed}/{counted})")
    _by_module(status, equivalent, set(private), set(wording))
    return 0


def _module(name: str) -> str:
    match = re.match(r"(.*?)\.x[_ǁ]", name)
    return match.group(1) if match else name.rpartition(".")[0]


def _by_module(status: dict[str, str], equivalent: set[str], private: set[str], wording: set[str]) -> None:
    """One line per module: mutants, tested, killed / counted (equivalents and renamed private ledger keys left
    out), equivalent, the survivors that change only wording, and the score."""
    print(f"{'module':<28} {'mutants':>7} {'tested':>6} {'killed':>6} {'counted':>7} {'equiv.':>6} {'wording':>7}  score")
    for module in sorted({_module(n) for n in status}):
        names = [n for n in status if _module(n) == module]
        tested = [n for n in names if status[n] != "not checked"]
        killed = sum(1 for n in tested if status[n] in ("killed", "timeout", "segfault"))
        left_out = sum(1 for n in tested if status[n] == "survived" and (n in equivalent or n in private))
        alive = sum(1 for n in tested if status[n] == "survived" and n not in equivalent and n not in private)
        counted = killed + alive
        score = f"{100 * killed / counted:.1f}%" if counted else "-"
        print(f"{module:<28} {len(names):>7} {len(tested):>6} {killed:>6} {counted:>7} {left_out:>6} "
              f"{sum(1 for n in tested if n in wording):>7}  {score}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "mutation", help="the copy mutmut works in")
    ap.add_argument("--fresh", action="store_true", help="discard earlier results")
    ap.add_argument("--report", action="store_true", help="only print the last run's results")
    ap.add_argument("--show", metavar="NAME", help="print one mutant's diff")
    ap.add_argument("--rerun", action="store_true", help="re-test the survivors with the current tests (with any NAMES given)")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument("--source", type=Path, default=ROOT, help="the project copy whose engine/ and tests/ to use")
    ap.add_argument("--until", metavar="HH:MM", help="stop testing mutants at this UTC time and report")
    ap.add_argument("names", nargs="*", help="only these mutants (mutmut names or globs)")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    if args.show:
        return _mutmut(work, "show", args.show).returncode
    if not args.report:
        _prepare(work, args.fresh, args.source.resolve())
        names: list[str] = list(args.names)
        if args.rerun:   # the wording-only and listed equivalent survivors stay as they are: no rule test kills them
            skip = equivalents()
            survivors = [n for n, s in results(work).items() if s == "survived" and n not in skip]
            names += [n for n in survivors if not wording_only(work, n)]
            if not names:
                return report(work)
        timeout = None
        if args.until:
            now = dt.datetime.now(dt.timezone.utc)
            h, m = map(int, args.until.split(":"))
            timeout = (now.replace(hour=h, minute=m, second=0) - now).total_seconds()
        done = _mutmut(work, "run", "--max-children", str(args.jobs), *names, timeout=timeout)
        if done.returncode:
            print(f"mutmut run failed (exit {done.returncode})", file=sys.stderr)
            return done.returncode
    return report(work)


if __name__ == "__main__":
    sys.exit(main())
