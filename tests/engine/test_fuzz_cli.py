"""Fuzzing the command line in process: any JSON value, or a good case with any part replaced
by any JSON value, gives exit 0 or 2 — never 1 (an internal error) and never a traceback."""
from __future__ import annotations

import copy
import io
import json
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import main
from ids import valid_id

GOOD = {
    "region": "wuhan", "date": "2023-03-01",
    "person": {"id_number": valid_id(), "name": "张三", "identities": ["subsistence"], "insurance": "resident",
               "rural": False},
    "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True, "in_district": True,
              "diseases": []},
    "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
    "flags": {},
}
PATHS = [(top,) for top in GOOD] + [(top, key) for top, sub in GOOD.items() if isinstance(sub, dict) for key in sub]

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-10**25, max_value=10**25)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=40)
           | st.sampled_from(["wuhan", "inpatient", "subsistence", "2023-03-01", "5,500.00", "1e308", "-0.00", "２",
                              "\ud800", "=1+1", "20230301xx", "5_500", "٥٥٠٠", "99999999.99", "100000000"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                          max_size=4), max_leaves=12)


def run(document: str, command: list[str], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(document.encode("utf-8", "surrogatepass"))))
    code = main(command)
    _, err = capsys.readouterr()
    return code, err


def check(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "内部错误" not in err


FUZZ = settings(max_examples=150, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(value=JSON)
def test_any_json_value_through_calc(value, monkeypatch, capsys):
    check(*run(json.dumps(value, ensure_ascii=False), ["calc", "-"], monkeypatch, capsys))


@FUZZ
@given(path=st.sampled_from(PATHS), value=JSON, as_list=st.booleans())
def test_a_good_case_with_one_part_replaced(path, value, as_list, monkeypatch, capsys):
    doc = copy.deepcopy(GOOD)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    document = json.dumps({"cases": [GOOD, doc]} if as_list else doc, ensure_ascii=False)
    check(*run(document, ["calc", "-"], monkeypatch, capsys))


@settings(max_examples=40, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON)
def test_saving_a_fuzzed_case_never_fails_inside(path, value, tmp_path_factory, monkeypatch, capsys):
    data = tmp_path_factory.getbasetemp() / "fuzz-store"
    doc = copy.deepcopy(GOOD)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    check(*run(json.dumps(doc, ensure_ascii=False), ["cases", "--data-dir", str(data), "save", "-", "--operator", "王五"],
               monkeypatch, capsys))
