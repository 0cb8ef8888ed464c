"""The window must survive a long day of Qt calls.

PySide6 6.12.0 loses one reference to None on every Qt call that returns nothing (setValue,
processEvents, ...). Python 3.11's None is an ordinary object with a few thousand references, so after
that many calls the process aborts with "Fatal Python error: none_dealloc" -- a clerk's window would
die in the middle of a 模拟测算 or a long afternoon. pyproject.toml pins a PySide6 that does not leak on
Python 3.11; this test runs the calls in a child process, where an abort cannot take pytest down.
"""
from __future__ import annotations

import os
import subprocess
import sys

CHILD = r"""
import sys
from PySide6.QtWidgets import QApplication, QProgressBar
app = QApplication([])
bar = QProgressBar()
bar.setMaximum(10)
before = sys.getrefcount(None)
for i in range(before + 50_000):      # more calls than None has references: a leak of one each would abort
    bar.setValue(i % 10)
print(sys.getrefcount(None) - before)
"""


def test_qt_calls_returning_nothing_keep_none_alive():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert abs(int(done.stdout.strip().splitlines()[-1])) < 1000   # no drift proportional to the calls
