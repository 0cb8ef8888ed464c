import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
for folder in (ROOT, TESTS):   # the program, and the test helpers (ids, strategies) for tests in engine/, store/, gui/
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# The window remembers its size and position (QSettings): keep the tests' out of the user's settings.
import tempfile  # noqa: E402

os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="sanchong-test-config-")


import subprocess  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Hypothesis: "ci" (the default) draws the same modest set of examples on every run, so a planted bug is
# caught every time or never; "long" (HYPOTHESIS_PROFILE=long) searches far wider, locally.
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def run(tmp_path):
    """`python -m engine cases --data-dir TMP/d ARGS…` as a clerk's script would run it."""
    def run(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "engine", "cases", "--data-dir", str(tmp_path / "d"), *args],
                              cwd=ROOT, input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    return run


from pg import backend, new_database, own_pg_server, pair, pg_server, pg_url, place_folder  # noqa: E402,F401  (the throwaway PostgreSQL: tests/pg.py)
