"""Township -> district (issue 15): what the township does to a case after the case went out in a
bundle — a review decision, a payment (发放), a receipt reprint, a void, a 补差 — reaches the district
with the next bundle, once, whichever order the bundles are imported in and however often; a change
that meets another state at the district is reported and never overwrites it. At the district the
merged cases of other offices are listed and replayed, never reviewed, paid, voided or re-settled.

Each test takes `pair` (tests/pg.py): the townships' folders on one backend, the district's on another,
each folder a database of its own."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from days import frozen_today  # noqa: F401 (the fixture)
from engine.errors import InputError
from engine.office import Office
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")

SUN = valid_id("1970-01-01", 7)
# 武汉, 低保边缘 (三类): 医疗救助 pays 70% of the year's in-scope burden above 3000.00. Each case leaves
# 5500.00 - 3500.00 = 2000.00 of burden: alone under the deductible (0.00); a second one in the year
# brings it to 4000.00, 1000.00 above: 1000.00 × 70% = 700.00.
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
TOWN, DISTRICT = "42010601", "42010000"
PW = {"王管理": "admin-pass-1", "李经办": "clerk-pass-1", "赵审核": "check-pass-1"}


def on(date: str) -> dict:
    return {**copy.deepcopy(EDGE), "date": date}


@pytest.fixture
def folders(tmp_path, pair, place_folder):
    """open_(name): the Office of tmp_path/name; "district" on the pair's second backend, others on its first."""
    made = []

    def open_(name: str) -> Office:
        folder = tmp_path / name
        if not folder.exists():
            place_folder(folder, pair[1] if name.startswith("district") else pair[0])
        office = Office.open(folder, daily_backup=False)
        made.append(office)
        return office
    yield open_
    for office in made:
        office.close()


def staffed_town(open_) -> Office:
    """A township with a 管理员, a 经办 and a 审核 (cases wait for review)."""
    town = open_("town")
    town.add_account("王管理", ["管理员"], PW["王管理"])
    town.login("王管理", PW["王管理"])
    town.set_office(TOWN, "城关镇")
    town.add_account("李经办", ["经办"], PW["李经办"])
    town.add_account("赵审核", ["审核"], PW["赵审核"])
    return town


def as_(office: Office, name: str) -> Office:
    office.logout()
    office.login(name, PW[name])
    return office


def district_of(open_, name: str = "district") -> Office:
    office = open_(name)
    office.set_office(DISTRICT, "区医保局")
    return office


def state(office: Office, number: str) -> dict:
    [row] = office.store.query(
        "SELECT c.review, c.reviewed_by, c.paid_at, c.paid_by, c.pay_method, c.void, "
        "(SELECT count(*) FROM receipt_prints p WHERE p.receipt_id = r.id AND p.reprint = 1) AS reprints "
        "FROM cases c JOIN receipts r ON r.case_id = c.id WHERE r.office_code = ? AND r.number = ?", (TOWN, number))
    return dict(row)


def imported_audit(office: Office) -> list[tuple[str, str]]:
    return [(r["action"], r["detail"][-12:]) for r in office.store.query(
        "SELECT action, detail FROM audit WHERE action LIKE 'import-%' AND action != 'import-bundle' ORDER BY id")]


def test_a_review_a_payment_and_a_reprint_after_the_bundle_reach_the_district_once_in_either_order(tmp_path, folders):
    town = staffed_town(folders)
    as_(town, "李经办")
    [saved] = town.save(on("2023-03-01"), operator="李经办", office=TOWN).value
    town.export_bundle(tmp_path / "1.zip", 2026)            # the case goes out 待审核, unpaid
    as_(town, "赵审核")
    town.approve([saved.case_id])
    town.pay(saved.case_id, "现金", day=dt.date(2026, 3, 2))
    as_(town, "李经办")
    town.record_print(saved.case_id, operator="李经办", reprint=True)
    done = town.export_bundle(tmp_path / "2.zip", 2026).value
    assert (done["cases"], done["changes"]) == (0, 3)       # approve, pay, reprint
    at_town = state(town, "2023-000001")
    assert (at_town["review"], at_town["paid_at"], at_town["reprints"]) == ("已审核", "2026-03-02", 1)

    for name, order in (("district", ("1.zip", "2.zip")), ("district-reverse", ("2.zip", "1.zip"))):
        d = district_of(folders, name)
        reports = [d.import_bundle(tmp_path / f).value for f in order + order]   # both, then both again
        assert state(d, "2023-000001") == at_town, name
        assert sum(r["changes_applied"] for r in reports) == 3 and all(not r["conflicts"] for r in reports)
        assert [r["already_imported"] is not None for r in reports] == [False, False, True, True]
        assert sorted(a for a, _ in imported_audit(d)) == ["import-change"] * 3
        verdict = d.audit_verify()
        assert verdict.ok and verdict.cases == 1


def test_a_change_imported_before_its_case_waits_and_is_named(tmp_path, folders):
    town = staffed_town(folders)
    as_(town, "李经办")
    [saved] = town.save(on("2023-03-01"), operator="李经办", office=TOWN).value
    town.export_bundle(tmp_path / "1.zip", 2026)
    as_(town, "赵审核")
    town.approve([saved.case_id])
    town.export_bundle(tmp_path / "2.zip", 2026)
    d = district_of(folders)
    early = d.import_bundle(tmp_path / "2.zip").value
    assert early["changes_applied"] == 0 and [w["receipt_no"] for w in early["waiting"]] == ["2023-000001"]
    assert "尚未导入" in early["waiting"][0]["zh"]
    late = d.import_bundle(tmp_path / "1.zip").value
    assert (late["cases_added"], late["changes_applied"], late["waiting"]) == (1, 1, [])
    assert state(d, "2023-000001")["review"] == "已审核"


def test_a_resettlement_and_a_void_after_the_bundle_reach_the_district_in_either_order(tmp_path, folders):
    town = folders("town")
    town.set_office(TOWN, "城关镇")
    [april] = town.save(on("2023-04-01"), operator="李四", office=TOWN).value
    town.export_bundle(tmp_path / "1.zip", 2026)
    [march] = town.save(on("2023-03-01"), operator="李四", office=TOWN).value    # a late slip: April now owes 700.00
    made = town.resettle(april.case_id, "补录三月结算单", operator="李四").value
    assert made["difference"]["to_pay"] == "700.00" and made["resettlement_receipt_no"] == "2023-000003"
    town.export_bundle(tmp_path / "2.zip", 2026)
    town.void(march.case_id, "重复录入", operator="李四")      # and then the slip is voided: a third bundle
    town.export_bundle(tmp_path / "3.zip", 2026)

    for name, order in (("district", ("1.zip", "2.zip", "3.zip")), ("district-reverse", ("3.zip", "2.zip", "1.zip"))):
        d = district_of(folders, name)
        for f in order + order:
            d.import_bundle(tmp_path / f)
        [res] = d.store.query("SELECT s.number, s.to_pay, r.number AS case_no FROM resettlements s "
                              "JOIN receipts r ON r.case_id = s.case_id")
        assert dict(res) == {"number": "2023-000003", "to_pay": "700.00", "case_no": "2023-000001"}, name
        assert state(d, "2023-000002")["void"] == 1 and state(d, "2023-000001")["void"] == 0
        assert sorted(a for a, _ in imported_audit(d)) == ["import-resettle", "import-void"]
        assert d.audit_verify().ok


def test_a_change_that_meets_another_state_is_reported_and_never_overwrites(tmp_path, folders):
    town = folders("town")
    town.set_office(TOWN, "城关镇")
    [saved] = town.save(on("2023-03-01"), operator="李四", office=TOWN).value
    town.export_bundle(tmp_path / "1.zip", 2026)
    town.pay(saved.case_id, "银行卡", "6222020200112233445", day=dt.date(2026, 3, 2), operator="李四")
    town.export_bundle(tmp_path / "2.zip", 2026)
    d = district_of(folders)
    d.import_bundle(tmp_path / "1.zip")
    # the district's copy says it was paid otherwise (a second PC wrongly set to the township's code, say)
    d.store.conn.execute("UPDATE cases SET paid_at = '2026-03-01', paid_by = '王五', pay_method = '现金'")
    report = d.import_bundle(tmp_path / "2.zip").value
    assert report["changes_applied"] == 0
    assert [(c["kind"], c["receipt_no"]) for c in report["conflicts"]] == [("pay", "2023-000001")]
    assert "发放" in report["conflicts"][0]["zh"] and "未覆盖" in report["conflicts"][0]["zh"]
    assert (state(d, "2023-000001")["paid_at"], state(d, "2023-000001")["pay_method"]) == ("2026-03-01", "现金")


def test_at_the_district_merged_cases_are_listed_but_not_resettled_paid_reviewed_or_voided(tmp_path, folders):
    town = folders("town")
    town.set_office(TOWN, "城关镇")
    town.save(on("2023-04-01"), operator="李四", office=TOWN)
    town.export_bundle(tmp_path / "1.zip", 2026)
    other = folders("other")             # another township saw the same person in March: merged, April owes 700.00
    other.set_office("42010701", "新集镇")
    other.save(on("2023-03-01"), operator="王五", office="42010701")
    other.export_bundle(tmp_path / "2.zip", 2026)
    d = district_of(folders)
    d.import_bundle(tmp_path / "1.zip")
    d.import_bundle(tmp_path / "2.zip")
    rows = d.cases()
    assert sorted((r["office_code"], r["receipt_no"]) for r in rows) == [("42010601", "2023-000001"),
                                                                          ("42010701", "2023-000001")]
    [merged] = d.merged_differences(2023)
    assert merged["difference"]["to_pay"] == "700.00"            # the district sees it, to decide
    assert d.pending_resettlements() == []                       # not a 补差 at the district
    april = next(r["case_id"] for r in rows if r["office_code"] == TOWN)
    for act in (lambda: d.resettle(april, "区县补差", operator="王管理"),
                lambda: d.pay(april, "现金", day=dt.date(2026, 3, 2), operator="王管理"),
                lambda: d.void(april, "区县作废", operator="王管理")):
        with pytest.raises(InputError) as err:
            act()
        assert f"经办点 {TOWN} 由数据包导入的案件" in err.value.zh
    assert d.review_queue() == [] and d.pay_list()["count"] == 0
    assert d.store.query("SELECT count(*) AS n FROM resettlements")[0]["n"] == 0
    # the district's own cases are its own business
    [own] = d.save(on("2023-05-01"), operator="王管理", office=DISTRICT).value
    assert d.pay(own.case_id, "现金", day=dt.date(2026, 3, 2), operator="王管理").value["case_id"] == own.case_id


def test_a_merged_case_waiting_for_review_is_reviewed_at_its_township_not_at_the_district(tmp_path, folders):
    town = staffed_town(folders)
    as_(town, "李经办")
    [saved] = town.save(on("2023-03-01"), operator="李经办", office=TOWN).value
    town.export_bundle(tmp_path / "1.zip", 2026)
    d = district_of(folders)
    d.import_bundle(tmp_path / "1.zip")
    [row] = d.cases()
    assert row["review"] == "待审核" and d.review_queue() == []
    for act in (lambda: d.approve([row["case_id"]]), lambda: d.send_back(row["case_id"], "区县退回")):
        with pytest.raises(InputError) as err:
            act()
        assert f"经办点 {TOWN} 由数据包导入的案件" in err.value.zh
    assert state(d, "2023-000001")["review"] == "待审核"
