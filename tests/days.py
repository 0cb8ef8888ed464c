"""Dates relative to the day the tests run, shared by the parameter-version tests of the store and the window."""
import datetime as dt

TODAY = dt.date.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)
