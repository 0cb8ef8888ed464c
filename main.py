"""三重保障计算器 — start the app from a checkout (app-cli.md; gui/cli.py).

    python main.py              open the main window
    python main.py --version    print the version
    python main.py --self-test  check the bundled policy files and compute one case per region
    python main.py --screenshots DIR   a PNG of every screen, with sample cases
    python main.py --database-url URL  keep the cases on a PostgreSQL server (as SANCHONG_DATABASE_URL)

The installed wheel's `sanchong` command and the PyInstaller bundle run the same gui.cli.main.
"""
import multiprocessing
import sys

from gui.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()   # the bundle's what-if workers (engine/office/whatif_pool.py) start here
    sys.exit(main())
