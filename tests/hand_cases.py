"""The hand-worked cases (tests/engine/cases/<region>.yaml), shared by the engine's and the store's tests."""
import datetime as dt
from pathlib import Path

import pytest
import yaml

CASES_DIR = Path(__file__).resolve().parent / "engine" / "cases"

CASES = []
for path in sorted(CASES_DIR.glob("*.yaml")):
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        CASES.append(pytest.param(entry, id=f"{path.stem}: {entry['name']}"))


def _stringify(value):
    """YAML may read dates and numbers; the engine reads JSON, so give it JSON's types."""
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return value
