"""Office codes and the township -> district bundles (issue 15): receipt numbers per office code
and year, never shared between two offices; legacy office names bound to a code; bundles that
carry what was added since the previous one, refused when changed, idempotent, with conflicts
reported and never overwritten; the district's merged years."""
from __future__ import annotations

import copy
import json
import sqlite3
import zipfile

import pytest

from days import TODAY, frozen_today  # noqa: F401 (the fixture)
from engine.errors import InputError
from engine.office import Office
from engine.store.migrations import MIGRATIONS, statements
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")
# Tests taking `backend` run on SQLite and on the throwaway PostgreSQL (tests/pg.py); those that compare
# data folders (two offices' databases, a township and its district) take `pair` instead: the townships'
# folders on one backend, the district's on another, each folder a database of its own (tests/pg.py).

SUN = valid_id("1970-01-01", 7)
ZHOU = valid_id("1965-05-05", 11)
# 武汉, 低保边缘 (三类): 医疗救助 pays 70% of the year's in-scope burden above 3000.00. Each case
# leaves 5500.00 - 3500.00 = 2000.00 of burden: the first stays under the deductible (0.00); with
# the second the year reaches 4000.00, 1000.00 above it: 1000.00 × 70% = 700.00.
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
TOWN_A, TOWN_B, DISTRICT = "42010601", "42010701", "42010000"


def on(date: str, who: str = SUN, name: str = "孙七") -> dict:
    doc = copy.deepcopy(EDGE)
    doc["date"] = date
    doc["person"].update(id_number=who, name=name)
    return doc


@pytest.fixture
def opened(tmp_path, request):
    """open_(name): the Office of the data folder tmp_path/name. In a test taking `pair`, the folder named
    "district" is on the pair's second backend and every other folder on its first, each its own database."""
    made = []
    kinds = request.getfixturevalue("pair") if "pair" in request.fixturenames else None
    place = request.getfixturevalue("place_folder") if kinds else None

    def open_(name: str) -> Office:
        if kinds and not (tmp_path / name).exists():
            place(tmp_path / name, kinds[1] if name == "district" else kinds[0])
        office = Office.open(tmp_path / name, daily_backup=False)
        made.append(office)
        return office
    yield open_
    for office in made:
        office.close()


def numbers(office: Office, code: str) -> list[str]:
    return [r["receipt_no"] for r in office.cases(office=code, include_void=True)]


# ---- codes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["4201060", "420106011", "42O10601", "４２０１０６０１", "00000001", ""])
def test_an_office_code_is_eight_digits_and_a_wrong_one_is_named_in_chinese(opened, bad):
    office = opened("d")
    with pytest.raises(InputError) as err:
        office.set_office(bad, "城关镇")
    assert err.value.field == "CODE" and ("8 位数字" in err.value.zh or "行政区划代码" in err.value.zh)
    assert office.offices() == []


def test_cli_office_set_and_list_and_a_bad_code_exits_2(run):
    bad = run("office", "set", "4201-601", "城关镇")
    assert bad.returncode == 2 and "8 位数字" in bad.stderr
    ok = run("office", "set", TOWN_A, "城关镇")
    assert ok.returncode == 0, ok.stderr
    listed = json.loads(run("office", "list", "--json").stdout)
    assert [(o["code"], o["name"], o["own"]) for o in listed["offices"]] == [(TOWN_A, "城关镇", True)]


def test_two_offices_with_the_same_name_and_different_codes_never_share_a_number(opened):
    office = opened("d")
    office.set_office(TOWN_A, "城关镇")
    office.set_office(TOWN_B, "城关镇")
    for date in ("2023-03-01", "2023-04-01"):
        office.save(on(date), operator="李四", office=TOWN_A)
        office.save(on(date, ZHOU, "周八"), operator="王五", office=TOWN_B)
    assert numbers(office, TOWN_A) == ["2023-000001", "2023-000002"]
    assert numbers(office, TOWN_B) == ["2023-000001", "2023-000002"]
    with pytest.raises(InputError) as err:   # the name alone does not say which office
        office.save(on("2023-05-01"), operator="李四", office="城关镇")
    assert TOWN_A in err.value.zh and TOWN_B in err.value.zh
    with pytest.raises(sqlite3.IntegrityError):   # the database itself refuses a second (code, year, number)
        office.store.conn.execute("INSERT INTO receipts (case_id, office, office_code, year, seq, number) "
                                  "VALUES (1, 'x', ?, 2023, 9, '2023-000001')", (TOWN_A,))


def test_a_renamed_office_keeps_its_code_and_its_numbering(opened, backend):
    office = opened("d")
    office.set_office(TOWN_A, "城关镇")
    office.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    done = office.set_office(TOWN_A, "城关街道").value
    assert done["former_name"] == "城关镇"
    [saved] = office.save(on("2023-04-01"), operator="李四", office="城关街道").value
    assert saved.receipt_no == "2023-000002"
    assert office.case(saved.case_id)["office_code"] == TOWN_A


# ---- an existing folder ----------------------------------------------------------------------------

def _old_folder(tmp_path, opened) -> tuple:
    """A data folder as the version before office codes left it: cases of two office names (the
    office was renamed), both series starting at 2023-000001, as issue 15 saw."""
    source = opened("source")
    source.save(on("2023-03-01"), operator="李四", office="城关镇")
    source.save(on("2023-04-01"), operator="李四", office="城关街道")
    source.save(on("2023-05-01", ZHOU, "周八"), operator="李四", office="城关街道")
    mine = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE offices" in m)
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / "cases.sqlite3")
    for script in MIGRATIONS[:mine]:
        for sql in statements(script):
            conn.execute(sql)
    conn.execute(f"PRAGMA user_version = {mine}")
    for table in ("persons", "person_identities", "cases", "receipts"):
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        for row in source.store.query(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id"):
            conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [row[c] for c in cols])
    conn.commit()
    conn.close()
    return folder, source.cases()


def test_an_old_folder_migrates_keeping_every_case_and_each_name_gets_its_code(tmp_path, opened):
    folder, before = _old_folder(tmp_path, opened)
    office = opened("old")
    keep = ("receipt_no", "id_number", "date", "payouts", "out_of_pocket", "office")
    assert [{k: r[k] for k in keep} for r in office.cases()] == [{k: r[k] for k in keep} for r in before]
    assert [(u["name"], u["cases"]) for u in office.unbound_office_names()] == [("城关镇", 1), ("城关街道", 2)]
    # no code yet: it works as before, numbered by the name
    [saved] = office.save(on("2023-06-01", ZHOU, "周八"), operator="李四", office="城关街道").value
    assert saved.receipt_no == "2023-000003"
    with pytest.raises(InputError) as err:   # a second name whose numbers meet the code's is refused
        office.set_office(TOWN_A, "城关街道")
        office.set_office(TOWN_A, "城关镇")
    assert "2023-000001" in err.value.zh and "另设" in err.value.zh
    office.set_office(TOWN_B, "城关镇")
    assert office.unbound_office_names() == []
    assert numbers(office, TOWN_A) == ["2023-000001", "2023-000002", "2023-000003"]
    assert numbers(office, TOWN_B) == ["2023-000001"]
    [later] = office.save(on("2023-07-01", ZHOU, "周八"), operator="李四", office="城关街道").value
    assert later.receipt_no == "2023-000004" and office.case(later.case_id)["office_code"] == TOWN_A
    assert len(office.cases()) == 5 and office.audit_verify().ok


def test_a_folder_where_no_code_was_set_keeps_working_as_today(opened, backend):
    office = opened("d")
    [one] = office.save(on("2023-03-01"), operator="李四", office="城关镇").value
    [two] = office.save(on("2023-04-01"), operator="李四", office="城关镇").value
    assert (one.receipt_no, two.receipt_no) == ("2023-000001", "2023-000002")
    assert office.case(two.case_id)["office_code"] is None and office.offices() == []


# ---- receipts --------------------------------------------------------------------------------------

def test_the_code_is_on_the_receipt_and_in_its_qr_code_which_verifies(opened, pair):
    office = opened("d")
    office.set_office(TOWN_A, "城关镇")
    [saved] = office.save(on("2023-03-01"), operator="李四", office=TOWN_A).value
    from engine.receipt.make import from_stored

    data = from_stored(office.case(saved.case_id))
    assert data.office_code == TOWN_A and f"经办点代码：{TOWN_A}" in data.qr_text
    assert office.verify(data.qr_text)["ok"]
    other = opened("other")     # the same number of another office's code does not verify here
    other.set_office(TOWN_B, "城关镇")
    other.save(on("2023-03-01"), operator="李四", office=TOWN_B)
    assert not other.verify(data.qr_text)["ok"]


def test_a_receipt_printed_before_the_code_still_verifies(opened):
    office = opened("d")
    [saved] = office.save(on("2023-03-01"), operator="李四", office="城关镇").value
    from engine.receipt.make import from_stored

    old_text = from_stored(office.case(saved.case_id)).qr_text
    assert "经办点代码" not in old_text
    office.set_office(TOWN_A, "城关镇")
    assert office.verify(old_text)["ok"]
    assert office.verify(from_stored(office.case(saved.case_id)).qr_text)["ok"]   # reprinted, with the code


# ---- bundles ---------------------------------------------------------------------------------------

def town(opened, name: str, code: str, office_name: str = "城关镇") -> Office:
    office = opened(name)
    office.set_office(code, office_name)
    return office


def district(opened) -> Office:
    return town(opened, "district", DISTRICT, "区医保局")


def counts(office: Office) -> dict:
    return {t: office.store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cases", "receipts", "persons", "resettlements", "audit", "imported_audit")}


def test_export_then_import_twice_gives_the_same_rows_once(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    a.save(on("2023-04-01"), operator="李四", office=TOWN_A)
    done = a.export_bundle(tmp_path / "a.zip", 2026, 3).value
    assert (done["cases"], done["persons"]) == (2, 1)
    d = district(opened)
    first = d.import_bundle(tmp_path / "a.zip").value
    assert first["cases_added"] == 2 and first["conflicts"] == []
    after = counts(d)
    again = d.import_bundle(tmp_path / "a.zip").value
    assert again["cases_added"] == 0 and again["already_imported"]
    assert counts(d) == after
    rows = d.cases(office=TOWN_A)
    assert [(r["office_code"], r["receipt_no"], r["payouts"]["assistance"]) for r in rows] == [
        (TOWN_A, "2023-000001", "0.00"), (TOWN_A, "2023-000002", "700.00")]   # stored results kept
    assert d.audit_verify().ok


def test_the_same_rows_in_a_second_bundle_file_are_added_once(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    a.export_bundle(tmp_path / "1.zip", 2026, 3)
    d = district(opened)
    d.import_bundle(tmp_path / "1.zip")
    a.store.conn.execute("DELETE FROM bundle_exports")   # the township exports the same again
    a.export_bundle(tmp_path / "2.zip", 2026, 3)
    second = d.import_bundle(tmp_path / "2.zip").value
    assert (second["cases_added"], second["cases_skipped"], second["conflicts"]) == (0, 1, [])
    assert counts(d)["cases"] == 1


def test_a_bundle_carries_what_was_added_since_the_previous_one_a_late_slip_and_a_void(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    [first] = a.save(on("2023-04-01"), operator="李四", office=TOWN_A).value
    a.export_bundle(tmp_path / "1.zip", 2026, 3)
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)        # a slip entered late, dated earlier
    a.void(first.case_id, "录入错误", operator="李四")
    done = a.export_bundle(tmp_path / "2.zip", 2026, 3).value
    assert (done["cases"], done["voids"]) == (1, 1)
    d = district(opened)
    for name in ("1.zip", "2.zip"):
        d.import_bundle(tmp_path / name)
    rows = d.cases(office=TOWN_A, include_void=True)
    assert [(r["receipt_no"], r["void"]) for r in rows] == [("2023-000002", False), ("2023-000001", True)]
    assert d.audit_verify().ok


def test_a_tampered_bundle_is_refused_with_the_row_named_and_nothing_written(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    a.save(on("2023-04-01"), operator="李四", office=TOWN_A)
    a.export_bundle(tmp_path / "a.zip", 2026, 3)
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["cases.jsonl"] = files["cases.jsonl"].replace(b'"assistance":"700.00"', b'"assistance":"900.00"')
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    d = district(opened)
    before = counts(d)
    with pytest.raises(InputError) as err:
        d.import_bundle(tmp_path / "bad.zip")
    assert "cases.jsonl 第 2 行" in err.value.zh and "2023-000002" in err.value.zh and "未导入" in err.value.zh
    assert counts(d) == before


def test_cli_import_of_a_tampered_bundle_exits_2(tmp_path, run):
    assert run("office", "set", TOWN_A, "城关镇").returncode == 0
    (tmp_path / "c.json").write_text(json.dumps(on("2023-03-01"), ensure_ascii=False), encoding="utf-8")
    assert run("save", str(tmp_path / "c.json")).returncode == 0
    out = run("export-bundle", "--year", "2026", "-o", str(tmp_path / "a.zip"))
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["cases.jsonl"] = files["cases.jsonl"].replace(b'"total":"6000.00"', b'"total":"6100.00"')
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    bad = run("import-bundle", str(tmp_path / "bad.zip"))
    assert bad.returncode == 2 and "cases.jsonl 第 1 行" in bad.stderr
    own = run("import-bundle", str(tmp_path / "a.zip"))   # its own folder: its cases are here; bundles go to the district
    assert own.returncode == 2 and "office_code 42010601 是本数据文件夹自己的经办点代码" in own.stderr


def test_two_databases_merged_at_the_district_keep_both_offices_numbers(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    b = town(opened, "b", TOWN_B)         # the same name, another code: issue 15's two PCs
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    b.save(on("2023-05-01", ZHOU, "周八"), operator="王五", office=TOWN_B)
    a.export_bundle(tmp_path / "a.zip", 2026)
    b.export_bundle(tmp_path / "b.zip", 2026)
    d = district(opened)
    d.import_bundle(tmp_path / "a.zip")
    d.import_bundle(tmp_path / "b.zip")
    assert sorted((r["office_code"], r["receipt_no"], r["name"]) for r in d.cases()) == [
        (TOWN_A, "2023-000001", "孙七"), (TOWN_B, "2023-000001", "周八")]
    assert d.audit_verify().ok


def test_a_conflict_is_reported_and_never_overwritten(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    a.export_bundle(tmp_path / "a.zip", 2026)
    impostor = town(opened, "x", TOWN_A)      # a second PC wrongly set to the same code
    impostor.save(on("2023-04-01", ZHOU, "周八"), operator="王五", office=TOWN_A)
    impostor.export_bundle(tmp_path / "x.zip", 2026)
    d = district(opened)
    d.import_bundle(tmp_path / "a.zip")
    report = d.import_bundle(tmp_path / "x.zip").value
    assert report["cases_added"] == 0 and [c["receipt_no"] for c in report["conflicts"]] == ["2023-000001"]
    assert [r["name"] for r in d.cases()] == ["孙七"]


def test_the_district_lists_persons_whose_merged_year_differs_from_what_was_paid(tmp_path, opened, pair):
    a = town(opened, "a", TOWN_A)
    b = town(opened, "b", TOWN_B, "新集镇")
    # each township saw one case: 2000.00 of burden each, under the 3000.00 deductible, 0.00 paid;
    # merged, the year reaches 4000.00: the second case should have paid 1000.00 × 70% = 700.00
    a.save(on("2023-03-01"), operator="李四", office=TOWN_A)
    b.save(on("2023-04-01"), operator="王五", office=TOWN_B)
    a.export_bundle(tmp_path / "a.zip", 2026)
    b.export_bundle(tmp_path / "b.zip", 2026)
    d = district(opened)
    d.import_bundle(tmp_path / "a.zip")
    d.import_bundle(tmp_path / "b.zip")
    [row] = d.merged_differences(2023)
    assert row["offices"] == [TOWN_A, TOWN_B] and row["difference"]["assistance"] == "700.00"
    assert [(c["office_code"], c["to_pay"]) for c in row["differing"]] == [(TOWN_B, "700.00")]
    assert row["id_number"] != SUN and row["name"] == "孙七"
    assert a.merged_differences(2023) == []


def test_export_needs_a_code_and_names_the_unbound_names(tmp_path, opened):
    office = opened("d")
    office.save(on("2023-03-01"), operator="李四", office="城关镇")
    with pytest.raises(InputError) as err:
        office.export_bundle(tmp_path / "a.zip", 2026)
    assert "office set" in err.value.zh
    office.set_office(TOWN_A, "新集镇")
    with pytest.raises(InputError) as err:
        office.export_bundle(tmp_path / "a.zip", 2026)
    assert "“城关镇”" in err.value.zh and not (tmp_path / "a.zip").exists()


# ---- 补差 in the code's series -----------------------------------------------------------------------

def test_a_resettlement_takes_the_next_number_of_the_code_and_its_slip_names_office_and_code(opened, backend):
    office = opened("d")
    office.set_office(TOWN_A, "城关镇")
    [first] = office.save(on("2023-03-01"), operator="李四", office=TOWN_A).value
    [second] = office.save(on("2023-04-01"), operator="李四", office=TOWN_A).value   # assistance 700.00
    office.void(first.case_id, "录入错误", operator="李四")
    # without the first case the second one's year is 2000.00, under the 3000.00 deductible: 应退 700.00
    done = office.resettle(second.case_id, "第1件作废后重算", operator="李四").value
    assert done["resettlement_receipt_no"] == "2023-000003" and done["difference"]["assistance"] == "-700.00"
    [third] = office.save(on("2023-05-01", ZHOU, "周八"), operator="李四", office=TOWN_A).value
    assert third.receipt_no == "2023-000004"
    from engine.receipt.resettlement import from_stored

    slip = from_stored(office.case(second.case_id), office.resettlements(second.case_id)[0])
    assert (slip.receipt.office, slip.receipt.office_code) == ("城关镇", TOWN_A)
    report = office.day_report(TODAY, TOWN_A)
    assert [r["number"] for r in report.resettlements] == ["2023-000003"]
    assert len(office.day_report(TODAY, "城关镇").resettlements) == 1


def test_with_accounts_only_a_manager_sets_an_office_code(opened):
    from engine.office import Refused

    office = opened("d")
    office.add_account("王管理", ["管理员"], "manager-pw-1")
    office.login("王管理", "manager-pw-1")
    office.add_account("李四", ["经办"], "clerk-pw-12")
    office.logout()
    office.login("李四", "clerk-pw-12")
    with pytest.raises(Refused):
        office.set_office(TOWN_A, "城关镇")
    assert office.offices() == [] and office.office_code() == ""
    office.logout()
    office.login("王管理", "manager-pw-1")
    office.set_office(TOWN_A, "城关镇")
    assert office.office_code() == TOWN_A
    assert office.store.query("SELECT operator FROM audit WHERE action = 'office-set'") == [{"operator": "王管理"}]


def test_numbers_issued_count_under_the_code_a_name_was_bound_to(tmp_path, opened):
    from engine.store import receipt_marks

    folder, _ = _old_folder(tmp_path, opened)
    office = opened("old")
    office.set_office(TOWN_A, "城关街道")
    marks = receipt_marks.issued(office.store.conn)
    assert marks[(TOWN_A, 2023)] == 2 and marks[("城关镇", 2023)] == 1 and ("城关街道", 2023) not in marks


def test_cli_list_shows_the_code_and_filters_by_office(tmp_path, run):
    for code, name in ((TOWN_A, "城关镇"), (TOWN_B, "新集镇")):
        assert run("office", "set", code, name).returncode == 0
    (tmp_path / "c.json").write_text(json.dumps(on("2023-03-01"), ensure_ascii=False), encoding="utf-8")
    assert run("save", str(tmp_path / "c.json"), "--office", TOWN_A).returncode == 0
    assert run("save", str(tmp_path / "c.json"), "--office", "新集镇").returncode == 0
    listed = run("list", "--office", TOWN_B)
    assert listed.returncode == 0 and "共 1 件" in listed.stdout
    [row] = [line for line in listed.stdout.splitlines() if line.startswith("2 ")]
    assert row.split()[1:3] == [TOWN_B, "2023-000001"]
    assert "共 2 件" in run("list").stdout
