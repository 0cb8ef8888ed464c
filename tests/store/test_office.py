"""The one door (engine.office.Office): each changing call says what it changed, and tells its
subscribers; a preview is what the save then stores; a restore leaves a working office."""
from __future__ import annotations

import copy
import io
from decimal import Decimal

import pytest

from days import day, frozen_today  # noqa: F401 (the fixture)
from engine.case import mask_id
from engine.errors import InputError
from engine.office import Changes, Done, Office
from engine.receipt import payload
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")   # today is days.TODAY, never the real date

SUN = valid_id("1970-01-01", 7)
# 武汉, 低保边缘 (三类): 医疗救助 pays 70% of the year's in-scope burden above 3000.00. Each case
# leaves 5500.00 - 3500.00 = 2000.00 of burden: the first stays under the deductible (0.00); with
# the second the year reaches 4000.00, 1000.00 above it: 1000.00 × 70% = 700.00.
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
SAVED = Changes(cases=True, persons=True, ledger=True)


def later(doc: dict, date: str) -> dict:
    return {**copy.deepcopy(doc), "date": date}


@pytest.fixture
def office(tmp_path):
    with Office.open(tmp_path / "d", daily_backup=False) as o:
        yield o


@pytest.fixture
def heard(office):
    told: list[Changes] = []
    office.subscribe(told.append)
    return told


def save(office, doc) -> Done:
    return office.save(doc, operator="李四", office="城关镇")


def test_changes_combine_and_a_replaced_store_touches_every_kind():
    assert (Changes(cases=True) | Changes(policy=True)).kinds == ("cases", "policy")
    assert Changes(prints=True).touches("cases", "prints") and not Changes(prints=True).touches("cases")
    assert all(Changes(store_replaced=True).touches(kind) for kind in Changes().__slots__)
    assert Changes().kinds == () and not Changes().touches("cases", "ledger")


def test_preview_is_what_the_save_stores(office, heard):
    save(office, EDGE)
    second = later(EDGE, "2023-04-01")
    preview = office.preview(second)
    assert preview["payouts"]["assistance"] == "700.00"      # computed on the stored year: nothing written
    assert heard == [SAVED] and len(office.cases(id_number=SUN)) == 1
    done = save(office, second)
    assert done.changes == SAVED and heard == [SAVED, SAVED]
    assert done.value[0].result == preview
    assert office.case(done.value[0].case_id)["result"] == preview


def test_each_changing_call_returns_and_tells_what_changed(office, heard, tmp_path):
    first = save(office, EDGE).value[0]
    second = save(office, later(EDGE, "2023-04-01")).value[0]

    voided = office.void(first.case_id, "录入错误", operator="王芳")
    assert voided.changes == Changes(cases=True, ledger=True)
    assert voided.value["later_changed"] == [{"case_id": second.case_id, "stored": second.result["payouts"],
                                              "recomputed": {**second.result["payouts"], "assistance": "0.00"}}]

    printed = office.record_print(second.case_id, operator="王芳", reprint=False)
    assert printed.changes == Changes(prints=True) and printed.value["prints"][0]["operator"] == "王芳"

    assert office.set_settings({"office": "城关镇医保站", "window": "3号窗口"}).changes == Changes(settings=True)
    assert office.setting("window") == "3号窗口" and office.setting("printer") == "" and office.configured()

    policy = office.add_policy_version("changchun", "warning.income", Decimal(42000), day(1), "统计公报", "王五")
    assert policy.changes == Changes(policy=True) and policy.value["value_text"] == "42000"

    backup = office.backup()
    assert backup.changes == Changes(backups=True) and office.backups() == [backup.value]

    names = tmp_path / "list.csv"
    names.write_text(f"姓名,身份证号,身份类别,认定日期\n周八,{valid_id('1990-05-05', 8)},低保,2023-01-01\n", encoding="utf-8")
    imported = office.import_persons(names, operator="王五")
    assert imported.changes == Changes(persons=True) and (imported.value.taken, imported.value.new_persons) == (1, 1)

    assert heard == [SAVED, SAVED, voided.changes, printed.changes, Changes(settings=True), policy.changes,
                     backup.changes, imported.changes]


def test_a_refused_call_changes_and_tells_nothing(office, heard):
    saved = save(office, EDGE).value[0]
    with pytest.raises(InputError) as refused:
        office.void(saved.case_id, "  ", operator="王芳")
    assert "请填写作废原因" in refused.value.zh and refused.value.field == "reason"
    with pytest.raises(InputError):
        save(office, {**EDGE, "date": "2023-13-01"})
    assert heard == [SAVED] and office.case(saved.case_id)["void"] is False


def test_restore_through_the_office_leaves_a_working_office(office, heard):
    save(office, EDGE)
    office.set_settings({"operator": "王五"})
    made = office.backup().value
    save(office, later(EDGE, "2023-04-01"))
    office.set_settings({"operator": "赵六"})
    old_path = office.path

    done = office.restore(made)
    assert done.changes == Changes(store_replaced=True) and heard[-1] == done.changes
    assert done.value["cases"] == 1 and "before-restore" in done.value["previous_saved_as"]
    assert office.path == old_path and office.setting("operator") == "王五"
    assert [c["date"] for c in office.cases(id_number=SUN)] == ["2023-03-01"]
    assert [(s["year"], s["first"], s["last"]) for s in done.value["skipped"]] == [(2023, "2023-000002", "2023-000002")]
    again = save(office, later(EDGE, "2023-05-01")).value[0]       # the year as restored: 4000.00 → 700.00
    # 2023-000002 was issued before the restore (on the case the backup does not hold): never again
    assert again.receipt_no == "2023-000003" and again.result["payouts"]["assistance"] == "700.00"
    assert office.check()["cases"] == 2


def test_a_failed_restore_leaves_the_office_open_and_tells_nothing(office, heard, tmp_path):
    save(office, EDGE)
    bad = tmp_path / "not-a-backup.sqlite3"
    bad.write_bytes(b"not a database at all" * 10)
    with pytest.raises(InputError) as refused:   # the FILE is bad input (store-cli.md: exit 2, nothing changed)
        office.restore(bad)
    assert "不是数据库备份文件" in refused.value.zh and refused.value.field == "FILE"
    assert heard == [SAVED]
    assert len(office.cases()) == 1 and save(office, later(EDGE, "2023-04-01")).value[0].receipt_no == "2023-000002"


def test_persons_and_years_through_the_office(office):
    save(office, EDGE)
    save(office, later(EDGE, "2024-02-01"))
    assert office.find_person(SUN)["name"] == "孙七" and office.find_person(valid_id(seq=99)) is None
    assert [p["id_number"] for p in office.find_persons("孙")] == [SUN]
    assert office.person_years(SUN) == [2024, 2023] and office.last_live_year(SUN) == 2024
    assert office.identities_on(SUN, day(0).replace(year=2024, month=3, day=1)) == ["subsistence_edge"]
    assert office.identities_on(valid_id(seq=99), day(0)) == []
    assert office.case_years() == [2024, 2023] and office.newest_case_year() == 2024
    with pytest.raises(InputError) as refused:
        office.person(valid_id(seq=99))
    assert "没有身份证号为" in refused.value.zh and refused.value.field == "ID_NUMBER"


def test_receipts_through_the_office(office, heard):
    saved = save(office, EDGE).value[0]
    office.set_settings({"window": "3号窗口"})
    pdf = io.BytesIO()
    first = office.write_receipt(saved.case_id, pdf, layout="A5")
    assert pdf.getvalue().startswith(b"%PDF") and first["reprint"] is False and first["receipt_no"] == "2023-000001"
    assert heard == [SAVED, Changes(settings=True)]           # writing a receipt records nothing
    office.record_print(saved.case_id, operator="王芳", reprint=False)
    again = office.write_receipt(saved.case_id, io.BytesIO())
    assert again["reprint"] is True                           # printed before: 补打, whatever was asked
    code = payload.build(saved.receipt_no, "城关镇", saved.case_id, payload.amounts(EDGE, saved.result),
                         again["result_hash"], id_masked=mask_id(again["id_number"]), name=again["name"])
    assert office.verify(code)["ok"] is True


def test_a_list_stopped_part_way_still_tells_of_the_cases_committed(office, heard):
    """A list is saved in one transaction and `cases save` writes its lines after that commit; if
    the reader goes away after the first line, the whole list is saved all the same, and the office says so."""
    def reader_gone(saved):
        raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        office.save({"cases": [EDGE, later(EDGE, "2023-04-01")]}, operator="李四", office="城关镇", on_saved=reader_gone)
    assert heard == [SAVED] and [c["date"] for c in office.cases()] == ["2023-03-01", "2023-04-01"]
