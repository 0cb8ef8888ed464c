"""The app's command line (app-cli.md): `python main.py` in a checkout, `sanchong` from the
installed wheel, SanchongCalculator(.exe) in the bundle.

    sanchong                      open the main window
    sanchong --version            print the version
    sanchong --self-test          check the bundled policy files and compute one case per region
                                  (with --database-url: also connect to that server, read only)
    sanchong --screenshots DIR    a PNG of every screen, with sample cases
    sanchong --data-dir DIR       use DIR as the data folder (as SANCHONG_DATA_DIR)
    sanchong --database-url URL   keep the cases on a PostgreSQL server (as SANCHONG_DATABASE_URL)

In the windowed Windows executable standard output is None: what these flags print then goes to
the console the program was started from (if any) and to %TEMP%\\sanchong-cli.txt (gui/win32.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

APP_NAME = "三重保障计算器"
CLI_FILE = "sanchong-cli.txt"


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("sanchong-calculator")
    except Exception:  # the PyInstaller bundle has no metadata: its pyproject.toml (the spec bundles it)
        import tomllib

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


class _Tee:
    """Text written to several streams at once (the parent console and the file)."""

    def __init__(self, *streams) -> None:
        self.streams = [s for s in streams if s is not None]
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()

    def isatty(self) -> bool:
        return False


def give_output_a_place() -> Path | None:
    """Where standard output is absent (the windowed exe), print to the parent console, if any, and
    to %TEMP%\\sanchong-cli.txt (no message box: it would hang a script waiting for the exit code).
    Returns that file, or None when standard output was there."""
    if sys.stdout is not None:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8")
        return None
    import tempfile

    from .win32 import parent_console

    path = Path(tempfile.gettempdir()) / CLI_FILE
    try:
        file = open(path, "w", encoding="utf-8")
    except OSError:
        file, path = None, None
    tee = _Tee(parent_console(), file)
    sys.stdout = tee
    if sys.stderr is None:
        sys.stderr = tee
    return path


def main(argv: list[str] | None = None) -> int:
    from .win32 import hold_app_mutex

    hold_app_mutex()  # Setup and Uninstall wait while any run of the program is open (installer/sanchong.iss)
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # the clerk's start: straight to the window (argparse costs ~30 ms of start-up)
        from .app import run as run_gui

        return run_gui()
    give_output_a_place()
    import argparse

    parser = argparse.ArgumentParser(prog="sanchong", description=APP_NAME)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--self-test", action="store_true", help="compute one case per region without a window")
    parser.add_argument("--data-dir", help="data folder (as SANCHONG_DATA_DIR)")
    parser.add_argument("--database-url", metavar="URL",
                        help="a PostgreSQL server, postgresql://user@host:port/dbname (as SANCHONG_DATABASE_URL)")
    parser.add_argument("--screenshots", metavar="DIR", help="save a PNG of every screen into DIR (sample data)")
    args = parser.parse_args(argv)
    if args.version:
        print(f"{APP_NAME} {version()}")
        return 0
    if args.data_dir:
        import os

        os.environ["SANCHONG_DATA_DIR"] = args.data_dir
    if args.database_url:
        from engine.office.server import ENV_VAR, is_url

        if not is_url(args.database_url):
            parser.error("--database-url: 数据库地址应以 postgresql:// 开头 / a database URL starts with postgresql://")
        import os

        os.environ[ENV_VAR] = args.database_url
    if args.screenshots:
        from .screenshots import main as screenshots

        return screenshots(args.screenshots)
    if args.self_test:
        from engine.selftest import run

        return run(args.database_url)
    from .app import run as run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
