"""`python -m engine calc` prints exactly the JSON value of `calculate(doc)`, compact or --pretty,
whatever encoder writes it (case-format.md fixes the value, not the whitespace)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from engine.calculate import calculate
from engine.cli import main
from ids import valid_id
from strategies import year_of_cases

ROOT = Path(__file__).resolve().parents[2]


def _case(date: str, kind: str, total: str, scope: str, **extra) -> dict:
    visit = {"kind": kind, **({"hospital_level": 3} if kind == "inpatient" else {}), "diseases": extra.pop("diseases", [])}
    return {"region": "wuhan", "date": date,
            "person": {"id_number": valid_id(), "name": "张三", "identities": ["subsistence", "stable_exit"],
                       "insurance": "resident", "rural": True},
            "visit": visit, "amounts": {"total": total, "policy_scope": scope, **extra.pop("amounts", {})},
            "flags": extra.pop("flags", {}), **extra}


# A mixed year: outpatient and inpatient, two identities (就高不重复), a slip with what the hospital
# already paid, 托底 applied for, large bills that reach the caps and the early warning.
MIXED_YEAR = {"cases": [
    _case("2023-01-09", "outpatient_chronic", "3200.00", "3000.00", diseases=["尿毒症"]),
    _case("2023-03-15", "inpatient", "86000.00", "78000.00",
          amounts={"basic_paid": "48000.00", "critical_paid": "9000.00", "assistance_paid": "5000.00"}),
    _case("2023-06-30", "inpatient", "260000.00", "230000.50", flags={"tilt_applied": True, "poverty_risk": True}),
    _case("2023-11-02", "outpatient_general", "180.40", "150.00"),
]}


def _value(text: str):
    return json.loads(text, parse_float=Decimal)


def _calc_in_process(doc: dict, capsys, monkeypatch, tmp_path, *options: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["calc", *options, str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_a_mixed_year_prints_the_value_calculate_gives(capsys, monkeypatch, tmp_path):
    expected = calculate(MIXED_YEAR)
    steps = [s for r in expected["results"] for s in r["steps"]]
    # the year is as mixed as it says: two identities tried, the slip's paid part, 托底, caps and the warning
    assert any(s["text"].startswith("就高不重复") for s in steps)
    assert any(s["layer"] == "to_pay" for s in steps)
    assert any(r["early_warning"] for r in expected["results"])
    assert any(r["caps"] for r in expected["results"])
    for options in ((), ("--pretty",)):
        out = _calc_in_process(MIXED_YEAR, capsys, monkeypatch, tmp_path, *options)
        assert out.endswith("}\n")
        if not options:
            assert out.count("\n") == 1   # one line: a reader can take a result per line of a list of files
        assert _value(out) == expected


def test_pretty_output_is_the_text_it_always_was(capsys, monkeypatch, tmp_path):
    """--pretty is read by people and compared by scripts: byte for byte what json.dumps(indent=2) wrote."""
    out = _calc_in_process(MIXED_YEAR, capsys, monkeypatch, tmp_path, "--pretty")
    assert out == json.dumps(calculate(MIXED_YEAR), ensure_ascii=False, indent=2) + "\n"


def test_pretty_output_is_indented_by_two_spaces(capsys, monkeypatch, tmp_path):
    out = _calc_in_process(MIXED_YEAR["cases"][0], capsys, monkeypatch, tmp_path, "--pretty")
    lines = out.splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "region": "wuhan"') and lines[-1] == "}"
    assert '"identity_used": "subsistence"' in out   # Chinese and codes written as they are, not escaped
    assert "就高不重复" in out


def test_the_command_writes_utf8_whatever_the_console():
    proc = subprocess.run([sys.executable, "-m", "engine", "calc", "-"], cwd=ROOT, capture_output=True, timeout=60,
                          input=json.dumps(MIXED_YEAR, ensure_ascii=False).encode("utf-8"),
                          env={**os.environ, "PYTHONIOENCODING": "cp936"})
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert _value(proc.stdout.decode("utf-8")) == calculate(MIXED_YEAR)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cases=year_of_cases(max_cases=6))
def test_any_year_prints_the_value_calculate_gives(cases, capsys, monkeypatch, tmp_path):
    doc = {"cases": cases}
    assert _value(_calc_in_process(doc, capsys, monkeypatch, tmp_path)) == calculate(doc)


def test_a_text_stream_without_bytes_underneath_gets_the_same_text(monkeypatch, tmp_path):
    """Embedded (sys.stdout a plain text stream, no .buffer): the same value, written as text."""
    path = tmp_path / "case.json"
    path.write_text(json.dumps(MIXED_YEAR, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["calc", str(path)]) == 0
    assert out.getvalue().endswith("\n") and _value(out.getvalue()) == calculate(MIXED_YEAR)


def test_a_case_refused_after_others_were_computed_writes_nothing(capsys, tmp_path):
    """Results are encoded one by one as they are made; a case refused on its computed amounts after
    the first ones (the hospital's 医疗救助 above what the computed 基本医保 and 大病保险 leave: 武汉 低保,
    居民, 2级医院 2024, 政策范围内 50000.00 leaves 50000.00 − 37125.00 − 4468.75 = 8406.25, as
    test_rule_details works out) exits 2 naming cases[2], and nothing reaches standard output."""
    def stay(date: str, paid: str) -> dict:
        return {"region": "wuhan", "date": date, "person": {"identities": ["subsistence"], "insurance": "resident"},
                "visit": {"kind": "inpatient", "hospital_level": 2},
                "amounts": {"total": "60000.00", "policy_scope": "50000.00", "assistance_paid": paid}}
    path = tmp_path / "year.json"
    path.write_text(json.dumps({"cases": [stay("2024-05-01", "0.00"), stay("2024-06-01", "0.00"),
                                          stay("2024-07-01", "9000.00")]}), encoding="utf-8")
    # alone, the third stay is accepted when parsed (9000.00 is below 50000.00 − 0 − 0)
    assert main(["calc", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "cases[2].amounts.assistance_paid" in err
