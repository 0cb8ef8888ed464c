"""Bad input: exit 2, a Chinese and English message naming the field, never a traceback."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]

GOOD = {
    "region": "wuhan", "date": "2023-03-01",
    "person": {"id_number": "420102198001011231", "name": "张三", "identities": ["subsistence"],
               "insurance": "resident", "rural": False},
    "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
              "in_district": True, "diseases": []},
    "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
    "flags": {},
}


def bad(path: str, value, delete: bool = False):
    doc = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if delete:
        del node[last]
    else:
        node[last] = value
    return json.dumps(doc, ensure_ascii=False)


CORPUS = [
    # (name, JSON text, field the message must name)
    ("malformed json", '{"region": "wuhan",', "JSON"),
    ("empty input", "", "JSON"),
    ("not an object", "[1, 2, 3]", "输入"),
    ("NaN constant", bad("amounts.total", "X").replace('"X"', "NaN"), "JSON"),
    ("unknown region", bad("region", "beijing"), "region"),
    ("region wrong type", bad("region", 3), "region"),
    ("missing date", bad("date", None, delete=True), "date"),
    ("bad date text", bad("date", "2023-13-01"), "date"),
    ("date as number", bad("date", 20230301), "date"),
    ("date no document covers", bad("date", "2021-06-01"), "date"),
    ("date after wuhan document ends", bad("date", "2028-01-02"), "date"),
    ("negative total", bad("amounts.total", "-5.00"), "amounts.total"),
    ("non-numeric amount", bad("amounts.policy_scope", "五千"), "amounts.policy_scope"),
    ("amount as list", bad("amounts.total", ["5500.00"]), "amounts.total"),
    ("json number with three decimals", bad("amounts.total", 1).replace(": 1,", ": 5500.505,"), "amounts.total"),
    ("three decimals", bad("amounts.basic_paid", "3500.005"), "amounts.basic_paid"),
    ("amount bool", bad("amounts.total", True), "amounts.total"),
    ("amount infinity", bad("amounts.total", "Infinity"), "amounts.total"),
    ("missing total", bad("amounts.total", None, delete=True), "amounts.total"),
    ("policy_scope above total", bad("amounts.policy_scope", "6000.00"), "amounts.policy_scope"),
    ("basic above scope", bad("amounts.basic_paid", "5200.00"), "amounts.basic_paid"),
    ("basic+critical above scope", bad("amounts.critical_paid", "1600.00"), "amounts.critical_paid"),
    ("negative critical", bad("amounts.critical_paid", "-1.00"), "amounts.critical_paid"),
    ("unknown amount field", bad("amounts.self_paid", "1.00"), "amounts.self_paid"),
    ("unknown identity code", bad("person.identities", ["poor"]), "person.identities[0]"),
    ("identities not a list", bad("person.identities", "subsistence"), "person.identities"),
    ("bad insurance", bad("person.insurance", "commercial"), "person.insurance"),
    ("rural not bool", bad("person.rural", "yes"), "person.rural"),
    ("id checksum wrong", bad("person.id_number", "420102198001011232"), "person.id_number"),
    ("id too short", bad("person.id_number", "42010219800101"), "person.id_number"),
    ("id impossible birth date", bad("person.id_number", "420102198002301234"), "person.id_number"),
    ("birth date differs from id", bad("person.birth_date", "1981-01-01"), "person.birth_date"),
    ("birth after settlement", bad("person.id_number", None).replace('"id_number": null', '"birth_date": "2024-01-01"'),
     "person.birth_date"),
    ("empty name", bad("person.name", "  "), "person.name"),
    ("unknown visit kind", bad("visit.kind", "dental"), "visit.kind"),
    ("hospital level 4", bad("visit.hospital_level", 4), "visit.hospital_level"),
    ("inpatient without level", bad("visit.hospital_level", None, delete=True), "visit.hospital_level"),
    ("referral not bool", bad("visit.referral", 1), "visit.referral"),
    ("in district but out of province", bad("visit.in_province", False), "visit.in_district"),
    ("diseases not strings", bad("visit.diseases", [1, 2]), "visit.diseases"),
    ("unknown flag", bad("flags.vip", True), "flags.vip"),
    ("flag not bool", bad("flags.tilt_applied", "true"), "flags.tilt_applied"),
    ("uninsured with basic paid", bad("person.insurance", "none"), "amounts.basic_paid"),
    ("lookback on outpatient", json.dumps(dict(json.loads(bad("flags.lookback", True)),
                                               visit={"kind": "outpatient_chronic"}), ensure_ascii=False),
     "flags.lookback"),
    ("unknown top-level field", bad("operator", "李四"), "operator"),
    ("person not an object", bad("person", ["张三"]), "person"),
    ("empty case list", '{"cases": []}', "cases"),
    ("bad case inside a list", json.dumps({"cases": [GOOD, json.loads(bad("amounts.total", "-1"))]}, ensure_ascii=False),
     "cases[1].amounts.total"),
    ("two people in one list", json.dumps({"cases": [GOOD, json.loads(bad("person.id_number", "110101199003077774"))]},
                                          ensure_ascii=False), "cases[1].person.id_number"),
    ("cases out of date order", json.dumps({"cases": [json.loads(bad("date", "2023-05-01")), GOOD]},
                                           ensure_ascii=False), "cases[1].date"),
]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name,text,field", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_input(name, text, field, tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    code = main(["calc", str(path)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert field in err, err
    zh, en = err.strip().split("\n")
    assert zh.startswith("输入有误") and en.startswith("Invalid input")


def test_missing_file(capsys):
    assert main(["calc", "/nonexistent/case.json"]) == 2
    assert "找不到文件" in capsys.readouterr().err


@pytest.mark.parametrize("text", ['{"region": ', '{"region": "mars", "date": "2023-01-01"}'])
def test_cli_process_exit_2_without_traceback(text):
    p = subprocess.run([sys.executable, "-m", "engine", "calc", "-"], input=text, capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "Traceback" not in p.stderr and p.stderr.strip()


def test_bad_input_changes_nothing():
    """A list with one bad case computes nothing (the whole input is validated first)."""
    from engine import InputError, calculate

    with pytest.raises(InputError):
        calculate({"cases": [GOOD, json.loads(bad("amounts.total", "-1"))]})


def _snapshot(store) -> list[str]:
    """Every row of every table, as SQL: what 'nothing changed' means for the store."""
    return list(store.conn.iterdump())


# The corpus entries a store refuses too (one person per list and date order are `calc`'s rules for a list;
# saving files each case under its own person and year).
SAVABLE = [c for c in CORPUS if c[1].lstrip().startswith("{") and c[2] != "JSON"
           and c[0] not in ("two people in one list", "cases out of date order")]


def test_bad_input_saves_nothing(tmp_path):
    """Each bad input of the corpus, saved into a store that already holds a case: refused with the field
    named, and not a row of any table (cases, persons, receipts, audit) changed — a list with one bad case
    after a good one included."""
    from engine import InputError
    from engine.store import open_store
    from engine.store.cases import save_cases

    with open_store(tmp_path / "d") as store:
        save_cases(store, GOOD, operator="李四", office="城关镇")
        before = _snapshot(store)
        assert any("INSERT INTO \"cases\"" in line for line in before)
        refused = 0
        for name, text, field in SAVABLE + [("good then bad", json.dumps({"cases": [GOOD, json.loads(bad(
                "amounts.total", "-1"))]}, ensure_ascii=False), "cases[1].amounts.total")]:
            try:
                doc = json.loads(text)
            except ValueError:
                continue
            with pytest.raises(InputError) as exc:
                save_cases(store, doc, operator="李四", office="城关镇")
            assert exc.value.field and exc.value.zh, name
            assert _snapshot(store) == before, name
            refused += 1
        assert refused >= 20


def test_bad_input_through_the_cli_saves_nothing(run):
    good = run("save", "-", "--operator", "李四", stdin=json.dumps(GOOD, ensure_ascii=False))
    assert good.returncode == 0, good.stderr
    listed = run("list").stdout
    refused = run("save", "-", "--operator", "李四", stdin=bad("amounts.total", "-1"))
    assert refused.returncode == 2 and "amounts.total" in refused.stderr and "Traceback" not in refused.stderr
    assert run("list").stdout == listed
