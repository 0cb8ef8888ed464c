"""The case store through its Python API: saving, the ledger from what is stored, voiding,
receipt numbers, identities, queries."""
import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings

from engine import clock
from engine.calculate import calculate
from engine.errors import InputError
from engine.store import open_store
from engine.store.cases import record_print, save_cases, show_case, void_case
from engine.store.persons import identities_on, mask_id, search_by_name
from engine.store.queries import early_warning_list, list_cases, year_ledger
from strategies import year_of_cases
from ids import valid_id
from hand_cases import CASES, _stringify

ZHANG = valid_id("1980-01-01", 1)


def wuhan(date="2023-03-01", total="5500.00", scope="5000.00", basic="3500.00", id_number=ZHANG, name="张三",
          identities=("subsistence",)):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": name, "identities": list(identities)},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


@pytest.fixture
def store(tmp_path, backend):
    """The store on SQLite and on PostgreSQL (tests/pg.py: the `backend` fixture)."""
    with open_store(tmp_path / "data") as s:
        yield s


def save(store, doc, operator="李四", office="城关镇医保站"):
    return save_cases(store, doc, operator=operator, office=office)


def with_person(cases, id_number, name="王五"):
    out = []
    for c in copy.deepcopy(cases):
        person = c.setdefault("person", {})
        person["id_number"] = id_number
        person["name"] = name
        out.append(c)
    return out


def _years_from_hand_worked():
    for p in CASES:
        entry = p.values[0]
        if "cases" in entry["input"]:
            yield pytest.param(entry, id=p.id)


@pytest.mark.parametrize("entry", list(_years_from_hand_worked()))
def test_saving_a_hand_worked_year_one_by_one_gives_the_worked_results(tmp_path, entry):
    cases = _stringify(entry["input"])["cases"]
    birth = next((c["person"].get("birth_date") for c in cases if c.get("person", {}).get("birth_date")), "1970-06-15")
    cases = with_person(cases, valid_id(birth, 7))
    with open_store(tmp_path / "d") as store:
        saved = [save(store, c)[0] for c in cases]
    want = calculate({"cases": cases})["results"]
    assert [s.result for s in saved] == want
    for s, expect in zip(saved, entry["expect"]):
        for key, value in expect.items():
            got = s.result["payouts"].get(key, s.result.get(key))
            assert got == (None if value is None else str(value) if key != "identity_used" else value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=year_of_cases(max_cases=6))
def test_saving_one_by_one_equals_calc_on_the_list(tmp_path_factory, year):
    year = [c for c in year if Decimal(c["amounts"]["total"]) > 0]   # a bill of nothing is never saved
    assume(year)
    birth = next((c["person"].get("birth_date") for c in year if c["person"].get("birth_date")), "1975-03-15")
    cases = with_person(year, valid_id(birth, 3))
    want = calculate({"cases": cases})["results"]
    with open_store(tmp_path_factory.mktemp("d")) as store, clock.frozen(max(c["date"] for c in cases)):
        got = [save(store, c)[0].result for c in cases]   # saved once the last has happened
        assert got == want
        stored = [show_case(store, r["case_id"])["result"] for r in list_cases(store)]
    assert stored == want


def test_a_list_saved_at_once_equals_calc_and_numbers_receipts(store):
    cases = [wuhan("2023-03-01"), wuhan("2023-06-01", "9000.00", "8000.00", "5000.00")]
    saved = save(store, {"cases": cases})
    assert [s.result for s in saved] == calculate({"cases": cases})["results"]
    assert [s.receipt_no for s in saved] == ["2023-000001", "2023-000002"]
    # the self-test sample: 武汉 低保 住院, S = 5000.00 − 3500.00 = 1500.00 → 医疗救助 1200.00
    assert saved[0].result["payouts"]["assistance"] == "1200.00"


def test_receipt_numbers_count_per_office_and_year(store):
    a = save(store, wuhan("2023-03-01"), office="甲站")[0]
    b = save(store, wuhan("2023-04-01"), office="乙站")[0]
    c = save(store, wuhan("2024-02-01"), office="甲站")[0]
    d = save(store, wuhan("2023-05-01"), office="甲站")[0]
    assert [a.receipt_no, b.receipt_no, c.receipt_no, d.receipt_no] == \
        ["2023-000001", "2023-000001", "2024-000001", "2023-000002"]


def test_bad_case_in_a_list_saves_nothing(store):
    bad = wuhan("2023-06-01")
    bad["amounts"]["policy_scope"] = "9999.00"  # above total
    with pytest.raises(InputError) as err:
        save(store, {"cases": [wuhan("2023-03-01"), bad]})
    assert err.value.field == "cases[1].amounts.policy_scope"
    assert list_cases(store, include_void=True) == []
    assert store.conn.execute("SELECT count(*) FROM persons").fetchone()[0] == 0


def test_an_identity_the_region_does_not_name_is_ignored_with_a_warning(store):
    """policy-readings.md, "Everywhere": 武汉's documents do not name 在乡重点优抚对象; the case is
    saved, computed under the person's other identity, and the result says the identity was not used."""
    doc = wuhan("2023-06-01", identities=("veteran_priority", "subsistence"))
    (saved,) = save(store, doc)
    plain = calculate(wuhan("2023-06-01"))
    assert saved.result["identity_used"] == "subsistence" and saved.result["payouts"] == plain["payouts"]
    assert any("在乡重点优抚对象" in w and "未使用" in w for w in saved.result["warnings"])
    (alone,) = save(store, wuhan("2023-07-01", identities=("veteran_priority",)))
    assert alone.result["identity_used"] is None and alone.result["assistance_class"] is None
    assert any("普通参保人员" in w for w in alone.result["warnings"])


def test_saving_needs_id_number_and_name(store):
    doc = wuhan()
    del doc["person"]["id_number"]
    with pytest.raises(InputError, match="id_number"):
        save(store, doc)
    doc = wuhan()
    doc["person"]["name"] = ""
    with pytest.raises(InputError):
        save(store, doc)


def test_an_id_number_keeps_its_name(store):
    save(store, wuhan())
    with pytest.raises(InputError) as err:
        save(store, wuhan("2023-04-01", name="张山"))
    assert "张三" in err.value.zh and err.value.field == "person.name"
    assert len(list_cases(store)) == 1


def test_void_takes_the_case_out_of_the_ledger(store):
    first, second = (save(store, c)[0] for c in (wuhan("2023-03-01"), wuhan("2023-06-01")))
    # the second case is computed on a ledger holding the first
    assert second.result == calculate({"cases": [wuhan("2023-03-01"), wuhan("2023-06-01")]})["results"][1]
    done = void_case(store, first.case_id, "结算单录入错误", operator="李四")
    assert done["receipt_no"] == "2023-000001"
    third = save(store, wuhan("2023-09-01"))[0]
    # as if the void case never was: calc on the second and third only
    assert third.result == calculate({"cases": [wuhan("2023-06-01"), wuhan("2023-09-01")]})["results"][1]
    assert third.receipt_no == "2023-000003"  # the void case keeps its number; none reused
    shown = show_case(store, first.case_id)
    assert shown["void"] and shown["void_reason"] == "结算单录入错误"
    assert [a["action"] for a in shown["audit"]] == ["save", "void"]
    assert [c["case_id"] for c in list_cases(store)] == [second.case_id, third.case_id]
    assert len(list_cases(store, include_void=True)) == 3


def test_void_reports_later_cases_whose_results_would_change(store):
    # 武汉 三类 (低保边缘): 重特大 yearly cap 40000 (武政规〔2023〕1号 二、(四)); the first case uses all of it,
    # so the second got 0.00; with the first void, the second alone would get 40000.00 (its own stored result stays)
    big = wuhan("2023-03-01", "200000.00", "200000.00", "100000.00", identities=("subsistence_edge",))
    later = wuhan("2023-06-01", "200000.00", "200000.00", "100000.00", identities=("subsistence_edge",))
    a, b = save(store, big)[0], save(store, later)[0]
    assert (a.result["payouts"]["assistance"], b.result["payouts"]["assistance"]) == ("40000.00", "0.00")
    done = void_case(store, a.case_id, "重复录入", operator="李四")
    (changed,) = done["later_changed"]
    assert changed["case_id"] == b.case_id
    assert (changed["stored"]["assistance"], changed["recomputed"]["assistance"]) == ("0.00", "40000.00")
    assert show_case(store, b.case_id)["result"] == b.result


def test_void_twice_or_without_reason_is_refused(store):
    case_id = save(store, wuhan())[0].case_id
    with pytest.raises(InputError, match="reason"):
        void_case(store, case_id, "  ", operator="李四")
    void_case(store, case_id, "录入错误", operator="李四")
    with pytest.raises(InputError) as err:
        void_case(store, case_id, "再次", operator="李四")
    assert "已" in err.value.zh and "作废" in err.value.zh
    with pytest.raises(InputError):
        void_case(store, 999, "无此案件", operator="李四")


def test_saved_cases_are_never_deleted_or_changed(store):
    case_id = save(store, wuhan())[0].case_id
    import sqlite3

    from engine.store.errors import StoreError
    refused = (sqlite3.DatabaseError, StoreError)   # (PostgreSQL: the trigger's message in a StoreError)

    with pytest.raises(refused, match="cases are voided, never deleted"):
        store.conn.execute("DELETE FROM cases WHERE id = ?", (case_id,))
    with pytest.raises(refused, match="a saved case is never changed"):
        store.conn.execute("UPDATE cases SET total = '1.00' WHERE id = ?", (case_id,))
    with pytest.raises(refused, match="the audit log is append-only"):
        store.conn.execute("DELETE FROM audit")
    with pytest.raises(refused, match="the audit log is append-only"):
        store.conn.execute("UPDATE audit SET detail = ''")


def test_reprint_is_recorded(store):
    case_id = save(store, wuhan())[0].case_id
    record_print(store, case_id, operator="李四", reprint=False)
    shown = record_print(store, case_id, operator="王五", reprint=True)
    assert [(p["operator"], p["reprint"]) for p in shown["prints"]] == [("李四", False), ("王五", True)]
    assert [a["action"] for a in shown["audit"]] == ["save", "print", "reprint"]


def test_year_ledger_shows_caps_used_and_left(store):
    save(store, wuhan("2023-03-01"))
    save(store, wuhan("2023-06-01"))
    ledger = year_ledger(store, ZHANG, 2023)
    assert ledger["id_number"] == mask_id(ZHANG) and ledger["name"] == "张三"
    (wuhan_year,) = ledger["regions"]
    assert wuhan_year["cases"] == 2
    caps = {c["key"]: c for c in wuhan_year["caps"]}
    want = calculate({"cases": [wuhan("2023-03-01"), wuhan("2023-06-01")]})["results"][1]["caps"]
    assert list(caps.values()) == [c for c in want if c["key"] in caps]
    assist = caps["assist.cap"]
    assert assist["used"] == "2400.00"  # 1200.00 + 1200.00 from the two cases
    assert assist["left"] == f"{float(assist['limit']) - 2400:.2f}"
    assert year_ledger(store, ZHANG, 2022)["regions"] == []
    with pytest.raises(InputError):
        year_ledger(store, valid_id("1990-01-01", 5), 2023)


def test_list_filters(store):
    li = valid_id("1990-05-05", 2)
    save(store, wuhan("2023-03-01"), operator="甲某")
    save(store, wuhan("2023-07-01", id_number=li, name="李小红"), operator="乙某")
    save(store, wuhan("2024-01-10"), operator="甲某")
    assert [c["name"] for c in list_cases(store, name="小红")] == ["李小红"]
    assert [c["date"] for c in list_cases(store, id_number=ZHANG)] == ["2023-03-01", "2024-01-10"]
    assert [c["date"] for c in list_cases(store, year=2023)] == ["2023-03-01", "2023-07-01"]
    assert [c["date"] for c in list_cases(store, operator="乙某")] == ["2023-07-01"]
    assert [c["date"] for c in list_cases(store, date_from=dt.date(2023, 6, 1), date_to=dt.date(2023, 12, 31))] == \
        ["2023-07-01"]
    assert all("*" in c["id_number"] for c in list_cases(store))
    with pytest.raises(InputError):
        list_cases(store, region="beijing")


def test_find_person_by_name_is_fuzzy(store):
    for i, name in enumerate(["张三丰", "张三", "李张三", "张山丰", "王五", "张小三"]):
        save(store, wuhan(id_number=valid_id("1960-01-01", 10 + i), name=name))
    names = lambda text: [p["name"] for p in search_by_name(store.db, text)]  # noqa: E731
    # exact, then starting with, containing, holding the characters in order
    assert names("张三") == ["张三", "张三丰", "李张三", "张小三"]
    # one character mistyped (a homophone): 张山丰 for 张三丰
    assert names("张三丰") == ["张三丰", "张山丰"]
    assert names(" 王 五 ") == ["王五"]
    assert names("%") == [] and names("") == []


def test_case_identities_are_recorded_and_imported_ones_expire(store):
    save(store, wuhan("2023-03-01"))
    person_id = store.conn.execute("SELECT id FROM persons").fetchone()[0]
    assert identities_on(store.db, person_id, dt.date(2023, 4, 1)) == ["subsistence"]
    from engine.store.persons import add_grant

    with store.write() as db:  # the civil-affairs office identified 因病致贫 on 2023-01-10, for 12 months
        add_grant(db, person_id, "illness_impoverished", dt.date(2023, 1, 10), None, "民政名单 test.xlsx", "now")
    assert identities_on(store.db, person_id, dt.date(2024, 1, 9)) == ["subsistence", "illness_impoverished"]
    assert identities_on(store.db, person_id, dt.date(2024, 1, 10)) == ["subsistence"]
    with pytest.raises(InputError) as err:
        save(store, wuhan("2024-02-01", identities=("illness_impoverished",)))
    assert "2024-01-09" in err.value.zh and "到期" in err.value.zh
    save(store, wuhan("2023-12-01", identities=("illness_impoverished",)))


def test_early_warning_list(store):
    # 武汉 低保边缘 (因病返贫预警范围, 武政规〔2023〕1号 二、(五)): the line is 50% of 29559 = 14779.50
    doc = wuhan("2023-03-01", "400000.00", "300000.00", "100000.00", identities=("subsistence_edge",))
    result = save(store, doc)[0].result
    assert result["early_warning"]["threshold"] == "14779.50"
    rows = early_warning_list(store, 2023)
    assert [(r["name"], r["kind"], r["year_out_of_pocket"]) for r in rows] == \
        [("张三", "因病返贫预警", result["out_of_pocket"])]
    assert rows[0]["id_number"] == mask_id(ZHANG)
    assert early_warning_list(store, 2024) == []
    void_case(store, rows[0]["case_id"], "录入错误", operator="李四")
    assert early_warning_list(store, 2023) == []


def test_stored_input_is_the_input_as_entered(store):
    doc = wuhan()
    doc["flags"] = {"tilt_applied": True}
    saved = save(store, doc)[0]
    shown = show_case(store, saved.case_id)
    assert json.loads(json.dumps(shown["input"], default=str)) == doc
    assert shown["policy_version"].startswith("sha256:")
    assert shown["operator"] == "李四" and shown["office"] == "城关镇医保站"
