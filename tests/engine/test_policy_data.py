"""The policy files: every value cited and dated; the loader refuses one without a source."""
import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import InputError, PolicyDataError, calculate
from engine.policy import load_books, load_file, params_for
from engine.region_registry import REGIONS

ROOT = Path(__file__).resolve().parents[2]


def test_every_parameter_has_a_reference_and_dated_values():
    books = load_books()
    assert set(books) == set(REGIONS)
    for book in books.values():
        assert book.parameters
        for p in book.parameters.values():
            assert p.reference and p.description, p.name
            assert p.values and all(isinstance(d, dt.date) for d, _ in p.values), p.name
            if p.document.local:
                assert not p.verified, f"{p.name}: a local value is never verified"


def test_documents_in_force_as_the_seeds_say():
    books = load_books()
    wuhan = {d.key: d for d in books["wuhan"].documents}
    assert wuhan["wzg-2023-1"].valid_from == dt.date(2023, 1, 1)
    assert wuhan["wzg-2023-1"].valid_until == dt.date(2027, 12, 31)
    assert wuhan["wyb-2022-21"].valid_from == dt.date(2022, 1, 1)
    weihai = {d.key: d for d in books["weihai"].documents}
    assert weihai["wzbf-2022-15"].valid_until == dt.date(2027, 12, 31)


def test_rural_document_out_of_force_after_its_transition():
    assert params_for("wuhan", dt.date(2026, 12, 31)).has_document("wyb-2022-21")
    assert not params_for("wuhan", dt.date(2027, 1, 1)).has_document("wyb-2022-21")


@pytest.mark.parametrize("region,day", [("wuhan", "2022-12-31"), ("weihai", "2028-01-01"), ("changchun", "2022-06-30"),
                                        ("dianjiang", "2022-01-01")])
def test_a_date_no_document_covers_is_refused(region, day):
    with pytest.raises(InputError) as err:
        params_for(region, dt.date.fromisoformat(day))
    assert err.value.field == "date"


def test_loader_refuses_a_value_without_reference(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent("""
        document: {key: x, region: wuhan, number: X号, title: X, in_force: {from: 2023-01-01}}
        parameters:
          some.rate:
            description: 无出处的比例
            values: {2023-01-01: 0.5}
    """), encoding="utf-8")
    with pytest.raises(PolicyDataError, match="no reference"):
        load_file(path)


def test_loader_refuses_undated_values(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent("""
        document: {key: x, region: wuhan, number: X号, title: X, in_force: {from: 2023-01-01}}
        parameters:
          some.rate: {description: d, reference: 第一条, values: 0.5}
    """), encoding="utf-8")
    with pytest.raises(PolicyDataError, match="dated"):
        load_file(path)


def test_numbers_are_decimal_never_float():
    for book in load_books().values():
        for p in book.parameters.values():
            stack = [v for _, v in p.values]
            while stack:
                v = stack.pop()
                assert not isinstance(v, float), p.name
                if isinstance(v, dict):
                    stack.extend(v.values())
                elif isinstance(v, tuple):
                    stack.extend(v)


def test_a_value_change_on_a_date_is_taken_on_each_side(tmp_path):
    """A supervisor adds a dated value: cases before keep the old one, cases after get the new."""
    from engine.policy import Parameter, load_file as lf

    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent("""
        document: {key: x, region: wuhan, number: X号, title: X, in_force: {from: 2023-01-01}}
        parameters:
          cap: {description: d, reference: 第一条, values: {2023-01-01: 26000, 2024-07-01: 30000, 2025-01-01: null}}
    """), encoding="utf-8")
    _, [param] = lf(path)
    assert isinstance(param, Parameter)
    assert param.at(dt.date(2024, 6, 30)) == 26000
    assert param.at(dt.date(2024, 7, 1)) == 30000
    assert param.at(dt.date(2025, 1, 1)) is None


def test_unverified_parameters_are_named_in_warnings():
    out = calculate({"region": "wuhan", "date": "2023-03-01", "person": {"identities": ["subsistence"]},
                     "visit": {"kind": "inpatient", "hospital_level": 2},
                     "amounts": {"total": "5500.00", "policy_scope": "5000.00"}})
    assert "basic.inpatient.rate" in out["unverified_parameters"]
    assert any("未核实参数" in w and "基本医保住院政策范围内支付比例" in w for w in out["warnings"])


def test_slip_amounts_use_no_unverified_parameter_in_weihai_class_a():
    out = calculate({"region": "weihai", "date": "2023-04-01", "person": {"identities": ["subsistence"]},
                     "visit": {"kind": "inpatient", "hospital_level": 2},
                     "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"}})
    assert out["unverified_parameters"] == []


def test_engine_imports_neither_qt_nor_reportlab():
    code = ("import sys, engine, engine.cli; engine.calculate({'region': 'wuhan', 'date': '2023-03-01', "
            "'visit': {'kind': 'outpatient_general'}, 'amounts': {'total': '10.00', 'policy_scope': '10.00'}}); "
            "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'reportlab')])")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert p.stdout.strip() == "[]"


def test_every_step_names_its_source():
    out = calculate({"cases": [
        {"region": r, "date": "2023-06-01", "person": {"identities": ids, "birth_date": "1990-01-01"},
         "visit": {"kind": "inpatient", "hospital_level": 3}, "amounts": {"total": "90000.00", "policy_scope": "80000.00"}}
        for r, ids in [("wuhan", ["subsistence"])]]})
    for step in out["results"][0]["steps"]:
        assert step["source"], step
