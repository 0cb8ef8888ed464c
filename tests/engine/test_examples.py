"""The worked examples of ../shared/spec/examples, through the engine function and the CLI."""
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine import calculate

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SANCHONG_SHARED", ROOT.parent / "shared"))
EXAMPLES = sorted((SHARED / "spec" / "examples").glob("*.json"))


def _got(result):
    return dict(result["payouts"], out_of_pocket=result["out_of_pocket"],
                identity_used=result.get("identity_used"), hospital_borne=result.get("hospital_borne", "0.00"))


def test_examples_are_there():
    assert EXAMPLES, f"no worked examples found in {SHARED / 'spec' / 'examples'} (set SANCHONG_SHARED)"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = calculate(doc["input"])
    results = out.get("results", [out])
    assert len(results) == len(doc["expect"])
    for result, want in zip(results, doc["expect"]):
        got = _got(result)
        assert {k: got[k] for k in want} == want
        paid_here = ((doc["input"].get("amounts") or {}).get("assistance_paid")
                     if "cases" not in doc["input"] else None)
        if paid_here is None:   # nothing paid at the hospital: the office pays the assistance and the tilt
            assert result["to_pay"] == f"{Decimal(result['payouts']['assistance']) + Decimal(result['payouts']['tilt']):.2f}"


@pytest.mark.parametrize("path", EXAMPLES[:1], ids=lambda p: p.stem)
def test_example_through_cli(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    p = subprocess.run([sys.executable, "-m", "engine", "calc", "-"], input=json.dumps(doc["input"], ensure_ascii=False),
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    got = _got(json.loads(p.stdout))
    assert {k: got[k] for k in doc["expect"][0]} == doc["expect"][0]
