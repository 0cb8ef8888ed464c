"""Hand-worked cases per region (tests/engine/cases/<region>.yaml), each with its arithmetic in `why`."""
import re

import pytest

from engine import calculate
from engine.region_registry import REGIONS
from hand_cases import CASES, _stringify

def test_enough_cases_per_region():
    by_region = {}
    for p in CASES:
        entry = p.values[0]
        inp = entry["input"]
        region = inp["cases"][0]["region"] if "cases" in inp else inp["region"]
        by_region[region] = by_region.get(region, 0) + 1
    assert all(by_region.get(r, 0) >= 8 for r in REGIONS), by_region


@pytest.mark.parametrize("entry", CASES)
def test_case(entry):
    assert entry.get("why"), "every case explains its arithmetic"
    out = calculate(_stringify(entry["input"]))
    results = out.get("results", [out])
    assert len(results) == len(entry["expect"])
    for i, (result, want) in enumerate(zip(results, entry["expect"])):
        got = dict(result["payouts"], out_of_pocket=result["out_of_pocket"], hospital_borne=result["hospital_borne"],
                   identity_used=result["identity_used"], assistance_class=result["assistance_class"])
        want = {k: (None if v is None else str(v) if k not in ("identity_used",) else v) for k, v in want.items()}
        assert {k: got[k] for k in want} == want, f"case {i}: steps: " + " | ".join(s["text"] for s in result["steps"])
    # `warns`: for each case, texts its result's warnings must contain (a reading the result has to tell)
    for i, (result, texts) in enumerate(zip(results, entry.get("warns", []))):
        for text in texts:
            assert any(text in w for w in result["warnings"]), f"case {i}: no warning with {text!r}: {result['warnings']}"


# A parameter's internal name: dotted ASCII words ("inpatient.rate", "tilt.chronic_diseases", "CAP.LARGE").
INTERNAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+")


@pytest.mark.parametrize("entry", CASES)
def test_each_step_and_cap_cites_document_clauses(entry):
    """A step's `source` is what a clerk reads as its 依据 (result page, receipt, `cases show`): engine/context.py
    words each parameter a step names as its document's number and clause, and prints a name no parameter
    carries as it stands ("outpatient.full.rate"). So a misspelt name in a rule would reach the receipt as a
    code. Found by mutation testing (tools/mutation.py): the rules' citation tuples could be changed
    ("XXoutpatient.full.capXX", "CHILD.AGE", …) with no test noticing."""
    out = calculate(_stringify(entry["input"]))
    for i, result in enumerate(out.get("results", [out])):
        for step in result["steps"]:
            where = f"case {i}, step {step['text'][:40]!r}"
            assert step["source"].strip(), f"{where}: no clause cited"
            assert not INTERNAL_NAME.search(step["source"]), f"{where}: cites {step['source']!r}"
        for cap in result["caps"]:   # a yearly limit's line on the receipt cites its clause too
            assert cap["source"].strip(), f"case {i}, cap {cap['name']}: no clause cited"
            assert not INTERNAL_NAME.search(cap["source"]), f"case {i}, cap {cap['name']}: cites {cap['source']!r}"


@pytest.mark.parametrize("entry", CASES)
def test_each_ledger_amount_is_one_the_store_can_name(entry):
    """The year's ledger is kept by the store and shown to the clerk key by key with its label (住院救助起付线累计基数,
    医疗救助年度累计支付, …: engine/store/queries.py, each region's LEDGER_LABELS), and a cap's `used` is read from
    it under the same key. A rule adding to a key nobody else names would keep an amount no page shows and no
    other rule reads. Found by mutation testing: a rule's ledger key could be renamed with no test noticing."""
    from engine.calculate import Year, calculate_cases, parse_input
    from engine.region_registry import ledger_labels
    from engine.store.queries import COMMON_LEDGER_LABELS

    named = {**COMMON_LEDGER_LABELS, **ledger_labels()}
    year = Year()
    calculate_cases(parse_input(_stringify(entry["input"])), year)
    for (region, policy_year), ledger in year.ledgers.items():
        unnamed = sorted(map(repr, set(ledger.data) - set(named)))
        assert not unnamed, f"{region} {policy_year}: ledger keys with no label: {', '.join(unnamed)}"


@pytest.mark.parametrize("entry", CASES)
def test_case_through_the_bulk_path(entry):
    """The bulk path (a list computed with no steps: what-if, the settlements import) pays each hand-worked case
    exactly as worked by hand, with the same amounts and ledger as the explained path. Found by mutation testing:
    the rules' no-steps returns (`Payout(pay, raw, "")`) could be changed with no engine test in the run noticing
    (tests/engine/test_bulk_path.py checks it on generated years), and so could the bulk result's empty citations
    (engine/calculate.py `calculate_case` 95, 108: None instead of an empty tuple)."""
    from engine.calculate import Year, calculate_cases, parse_input

    cases = parse_input(_stringify(entry["input"]))
    explained_year, bulk_year = Year(), Year(explain=False)
    explained = [r.to_json() for r in calculate_cases(cases, explained_year)]
    bulk = [r.to_json() for r in calculate_cases(cases, bulk_year)]
    numbers = ("region", "policy_year", "identity_used", "assistance_class", "payouts", "hospital_borne", "out_of_pocket",
               "to_pay")
    for i, (result, want) in enumerate(zip(bulk, entry["expect"])):
        got = dict(result["payouts"], out_of_pocket=result["out_of_pocket"], hospital_borne=result["hospital_borne"],
                   identity_used=result["identity_used"], assistance_class=result["assistance_class"])
        want = {k: (None if v is None else str(v) if k not in ("identity_used",) else v) for k, v in want.items()}
        assert {k: got[k] for k in want} == want, f"case {i}"
        assert result["steps"] == result["caps"] == result["warnings"] == []
        # nothing cited either, and empty (a list in JSON), not absent: kills `documents`/`unverified` None
        assert (result["documents"], result["unverified_parameters"], result["early_warning"]) == ((), (), None)
        assert {k: result[k] for k in numbers} == {k: explained[i][k] for k in numbers}
    assert {k: v.data for k, v in bulk_year.ledgers.items()} == {k: v.data for k, v in explained_year.ledgers.items()}
