"""The PyInstaller bundle: its size, and its start-up next to `python main.py`.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bundle_bench.py [--build] [--runs N]

Prints the one-folder bundle's size (MB = 10^6 bytes, and file count), then the time from
starting the process to the main window drawn (SANCHONG_QUIT_AFTER_SHOW=shown) and to the
case store open with the first page shown (=ready), for the built executable and for
`python main.py`: the first run of each (the closest to a cold start this bench can make: the
operating system's file cache is not dropped) and the median of the following runs. Each run is
a new process on the same temporary data folder (created by one run before timing starts).

Builds the bundle first (installer/build_linux.sh) when dist/ has none, or with --build; on
Windows, build it as installer/README.md says and run this from the repository root.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))
import buildinfo  # noqa: E402

BUNDLE = ROOT / "dist" / buildinfo.BUNDLE_NAME


def build() -> None:
    if sys.platform == "win32":
        sys.exit("no bundle in dist/: build it first (installer/README.md: pyinstaller --noconfirm installer/sanchong.spec)")
    print("building the bundle: bash installer/build_linux.sh …", flush=True)
    proc = subprocess.run(["bash", "installer/build_linux.sh"], cwd=ROOT, env={**os.environ, "PYTHON": sys.executable},
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
    print(next((line for line in proc.stdout.splitlines() if line.startswith("built in")), "built"))


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return (time.perf_counter() - start) * 1000


def series(command: list[str], env: dict, runs: int) -> tuple[float, float]:
    """(first run, median of the next `runs`) in ms."""
    first = timed(command, env)
    return first, statistics.median(timed(command, env) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="rebuild the bundle first")
    parser.add_argument("--runs", type=int, default=7, help="timed runs after the first (default 7)")
    args = parser.parse_args()
    exe = buildinfo.exe_path(BUNDLE)
    if args.build or not exe.exists():
        build()
    megabytes, files = buildinfo.bundle_size(BUNDLE)
    print(f"bundle {BUNDLE.relative_to(ROOT)}: {megabytes:.0f} MB, {files} files ({sys.platform})")

    commands = {"bundle executable": [str(exe)], "python main.py": [sys.executable, "main.py"]}
    with tempfile.TemporaryDirectory(prefix="sanchong-bundle-bench-") as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "SANCHONG_DATA_DIR": str(Path(tmp) / "data"), "XDG_CONFIG_HOME": str(Path(tmp) / "config")}
        subprocess.run(commands["python main.py"], cwd=ROOT, env={**env, "SANCHONG_QUIT_AFTER_SHOW": "ready"},
                       check=True, capture_output=True, timeout=300)  # creates the database: not timed
        results = {}
        for name, command in commands.items():
            results[name] = {stage: series(command, {**env, "SANCHONG_QUIT_AFTER_SHOW": stage}, args.runs)
                             for stage in ("shown", "ready")}
    print(f"start-up, ms: first run / median of the next {args.runs}")
    print(f"  {'':20} {'window drawn (shown)':>24} {'store open, page shown (ready)':>32}")
    for name, stages in results.items():
        cells = [f"{first:.0f} / {median:.0f}" for first, median in (stages["shown"], stages["ready"])]
        print(f"  {name:20} {cells[0]:>24} {cells[1]:>32}")
    ratio = results["bundle executable"]["ready"][1] / results["python main.py"]["ready"][1]
    print(f"bundle ÷ python main.py (ready, median): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
