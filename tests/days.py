"""A fixed "today" for the tests that depend on the date (parameter versions in the store and the window).

No test reads the real date: the `frozen_today` fixture sets the program's clock (engine.clock) to TODAY,
in this process and, through SANCHONG_TEST_TODAY, in the CLI subprocesses the tests start. TODAY lies in a
year whose bundled parameter values are settled (changchun-local.yaml's warning.income for 2026 is dated
2026-01-01), and every `day(n)` the tests use (−3 … +30) stays in that policy year.
"""
import datetime as dt

import pytest

from engine import clock

TODAY = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setenv("SANCHONG_TEST_TODAY", TODAY.isoformat())
    with clock.frozen(TODAY):
        yield TODAY
