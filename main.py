"""三重保障计算器 — start the app (app-cli.md).

    python main.py              open the main window
    python main.py --version    print the version
    python main.py --self-test  check the bundled policy files and compute one case per region
    python main.py --screenshots DIR   a PNG of every screen, with sample cases
"""
from __future__ import annotations

import sys

APP_NAME = "三重保障计算器"


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("sanchong-calculator")
    except Exception:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # the clerk's start: straight to the window (argparse costs ~30 ms of start-up)
        from gui.app import run as run_gui

        return run_gui()
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    import argparse

    parser = argparse.ArgumentParser(prog="main.py", description=APP_NAME)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--self-test", action="store_true", help="compute one case per region without a window")
    parser.add_argument("--data-dir", help="data folder (as SANCHONG_DATA_DIR)")
    parser.add_argument("--screenshots", metavar="DIR", help="save a PNG of every screen into DIR (sample data)")
    args = parser.parse_args(argv)
    if args.version:
        print(f"{APP_NAME} {version()}")
        return 0
    if args.data_dir:
        import os

        os.environ["SANCHONG_DATA_DIR"] = args.data_dir
    if args.screenshots:
        from gui.screenshots import main as screenshots

        return screenshots(args.screenshots)
    if args.self_test:
        from engine.selftest import run

        return run()
    from gui.app import run as run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
