"""What a save stores is the normalised value parsing accepted; rows stored by older versions
are replayed leniently and never rewritten; receipts are recorded only once their PDF is in
place; an identity a region's documents do not name is ignored with a warning."""
from __future__ import annotations

import copy
import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from engine.calculate import calculate
from engine.case import parse_case
from engine.cli import main
from engine.money import fmt
from engine.store import open_store
from engine.store.cases import from_json_text, save_cases, show_case, to_json_text
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
ZHANG = valid_id("1980-01-01", 1)


def wuhan(date="2023-03-01", **amounts):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00",
                        **amounts}}


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "d", daily_backup=False) as s:
        yield s


def stored_input(store, case_id: int) -> dict:
    return from_json_text(store.query("SELECT input FROM cases WHERE id = ?", (case_id,))[0]["input"])


def test_a_save_stores_the_normalised_input(store, tmp_path, capsys):
    text = json.dumps(wuhan(total="5,500.00", policy_scope="5000")).replace('"hospital_level": 2', '"hospital_level": 2.0')
    path = tmp_path / "c.json"
    path.write_text(text.replace('"name": "\\u5f20\\u4e09"', '"name": " 张三 "'), encoding="utf-8")
    assert main(["cases", "--data-dir", str(tmp_path / "d"), "save", str(path), "--operator", "李四"]) == 0
    capsys.readouterr()
    stored = stored_input(store, 1)
    assert stored["visit"]["hospital_level"] == 2 and isinstance(stored["visit"]["hospital_level"], int)
    assert stored["amounts"] == {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00",
                                 "critical_paid": "0.00"}
    assert stored["person"]["name"] == "张三"
    # and the next save of the person's year replays it without a complaint
    (second,) = save_cases(store, wuhan("2023-04-01"), operator="李四", office="城关镇")
    assert second.result["payouts"]["assistance"] == "1200.00"  # (5000 − 3500) × 80%, 二类 has no deductible


def _insert_old_row(store, case_input: dict) -> None:
    """A case as an older version stored it: the raw input text, written straight into the database."""
    (first,) = save_cases(store, wuhan(), operator="李四", office="城关镇")
    conn = store.conn
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases'").fetchall()
    conn.execute("BEGIN")
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE cases SET input = ? WHERE id = ?", (to_json_text(case_input), first.case_id))
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")


def test_an_old_stored_row_keeps_working_and_is_never_rewritten(store):
    old = wuhan(total="5,5,0,0.00", basic_paid="+3500")
    old["visit"]["hospital_level"] = "2.0"           # how Decimal('2.0') was stored: as text
    old["person"]["name"] = "张三"
    _insert_old_row(store, old)
    before = store.query("SELECT input FROM cases WHERE id = 1")[0]["input"]
    (second,) = save_cases(store, wuhan("2023-05-01"), operator="李四", office="城关镇")
    # the year's replay read the old row: 二类 has no deductible, so both cases pay 80% of 1500
    assert second.result["payouts"]["assistance"] == "1200.00"
    assert store.query("SELECT input FROM cases WHERE id = 1")[0]["input"] == before
    ledger = main(["cases", "--data-dir", str(store.folder), "ledger", ZHANG, "--year", "2023", "--json"])
    assert ledger == 0
    case = parse_case(from_json_text(before), stored=True)
    assert (case.total, case.basic_paid, case.hospital_level) == (Decimal("5500.00"), Decimal("3500.00"), 2)


def test_an_old_minus_zero_is_printed_as_zero(store, tmp_path):
    old = wuhan(critical_paid="-0.00")
    _insert_old_row(store, old)
    assert fmt(Decimal("-0.00")) == "0.00"
    case = parse_case(old, stored=True)
    assert str(case.critical_paid) == "0.00"
    pdf = tmp_path / "r.pdf"
    assert main(["cases", "--data-dir", str(store.folder), "receipt", "1", "-o", str(pdf), "--operator", "李四"]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "-0.00" not in text and "5500.00" in text


def test_a_receipt_print_is_recorded_only_after_the_pdf_is_in_place(store, tmp_path, monkeypatch, capsys):
    save_cases(store, wuhan(), operator="李四", office="城关镇")
    prints = lambda: store.query("SELECT count(*) AS n FROM receipt_prints")[0]["n"]  # noqa: E731
    import engine.receipt.make as make

    def broken(data, out, layout="A4", **kwargs):
        Path(out).write_bytes(b"%PDF-1.4 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(make, "write", broken)
    target = tmp_path / "r.pdf"
    args = ["cases", "--data-dir", str(store.folder), "receipt", "1", "-o", str(target), "--operator", "李四"]
    assert main(args) == 2
    assert prints() == 0 and not target.exists() and not list(tmp_path.glob("*.partial"))
    monkeypatch.undo()

    import engine.office as office   # the one door the command goes through

    def refused(*a, **k):
        raise RuntimeError("database gone")

    monkeypatch.setattr(office, "record_print", refused)
    assert main(args) == 1
    assert prints() == 0 and not target.exists()  # not recorded, so no receipt is left to hand out
    monkeypatch.undo()
    capsys.readouterr()
    assert main(args) == 0 and prints() == 1 and target.read_bytes().startswith(b"%PDF")


def test_engine_receipt_on_an_edited_show_json_is_only_a_trial(store, tmp_path, capsys):
    save_cases(store, wuhan(), operator="李四", office="城关镇")
    shown = show_case(store, 1)
    shown["result"]["payouts"]["assistance"] = "99999.00"   # an edit: it must never look official
    path = tmp_path / "show.json"
    path.write_text(json.dumps(shown, ensure_ascii=False), encoding="utf-8")
    pdf = tmp_path / "t.pdf"
    assert main(["receipt", str(path), "-o", str(pdf)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "试算" in text and shown["receipt_no"] not in text and "99999.00" not in text
    assert "1200.00" in text  # computed afresh from the input
    assert store.query("SELECT count(*) AS n FROM receipt_prints")[0]["n"] == 0


def test_an_identity_the_region_does_not_name_is_a_warning(capsys):
    """policy-readings.md "Everywhere": 事实无人抚养儿童 is not named in 武汉's documents."""
    doc = wuhan()
    doc["person"]["identities"] = ["unsupported_child", "subsistence"]
    both = calculate(doc)
    doc["person"]["identities"] = ["subsistence"]
    assert both["payouts"] == calculate(doc)["payouts"] and both["identity_used"] == "subsistence"
    assert any("事实无人抚养儿童" in w and "未使用" in w for w in both["warnings"])
    doc["person"]["identities"] = ["unsupported_child"]
    alone = calculate(doc)
    doc["person"]["identities"] = []
    assert alone["payouts"] == calculate(doc)["payouts"] and alone["assistance_class"] is None
    assert any("普通参保人员" in w for w in alone["warnings"])


def test_readme_id_numbers_pass_the_checksum():
    from engine.case import check_id_number

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])", text)
    assert found
    for number in found:
        assert check_id_number(number, "README") == number


def test_names_of_minorities_and_foreigners_are_accepted():
    for name in ("阿依古丽·买买提", "Anna Smith", "欧阳 娜娜", "〇〇", "Zoë"):
        doc = copy.deepcopy(wuhan())
        doc["person"]["name"] = name
        assert parse_case(doc).name == name
