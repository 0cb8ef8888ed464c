"""What saving refuses that `calc` accepts (a settlement after today, a bill of nothing), what is
remembered of a person (参保类型, 农村居民), and finding a person by pinyin."""
from __future__ import annotations

import json
import os

import pytest

from engine import clock
from engine.calculate import calculate
from engine.errors import InputError
from engine.store import open_store
from engine.store.cases import save_cases
from engine.store.persons import find_by_id_number, search_by_name
from engine.store.queries import list_cases
from ids import valid_id

ID = valid_id("1980-01-01", 31)
CASE = {"region": "wuhan", "date": "2026-03-01",
        "person": {"id_number": ID, "name": "王秀英", "identities": ["subsistence"], "insurance": "resident",
                   "rural": True},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def store(tmp_path, backend):  # on SQLite and on PostgreSQL (tests/pg.py)
    with open_store(tmp_path / "d", daily_backup=False) as s:
        yield s


def save(store, doc):
    return save_cases(store, doc, operator="李四", office="城关镇医保站")


def test_a_settlement_after_today_is_refused_when_saving_but_calc_accepts_it(store):
    with clock.frozen("2026-02-28"):
        with pytest.raises(InputError) as refused:
            save(store, CASE)
        assert refused.value.field == "date" and "晚于今天（2026-02-28）" in refused.value.zh
        assert calculate(CASE)["payouts"]["assistance"] == "1200.00"
    assert list_cases(store) == []
    with clock.frozen("2026-03-01"):
        assert save(store, CASE)[0].receipt_no == "2026-000001"


def test_cases_save_refuses_a_future_date_with_the_clock_set(run, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    os.environ["SANCHONG_TEST_TODAY"] = "2026-02-01"
    try:
        done = run("save", str(tmp_path / "c.json"), "--operator", "李四")
    finally:
        del os.environ["SANCHONG_TEST_TODAY"]
    assert done.returncode == 2 and "date" in done.stderr and "晚于今天" in done.stderr and done.stdout == ""
    assert json.loads(run("list", "--json").stdout) == []


def test_a_bill_of_nothing_gets_no_receipt_number(store):
    zero = {**CASE, "amounts": {"total": "0.00", "policy_scope": "0.00", "basic_paid": "0.00", "critical_paid": "0.00"}}
    with clock.frozen("2026-11-30"), pytest.raises(InputError) as refused:
        save(store, zero)
    assert refused.value.field == "amounts.total" and "不生成回执号" in refused.value.zh
    assert store.query("SELECT count(*) AS n FROM receipts")[0]["n"] == 0


def test_insurance_and_rural_are_remembered_with_the_person(store):
    with clock.frozen("2026-11-30"):
        save(store, CASE)
        person = find_by_id_number(store.db, ID)
        assert (person["insurance"], person["rural"]) == ("resident", 1)
        save(store, {**CASE, "date": "2026-04-01", "person": {**CASE["person"], "insurance": "employee", "rural": False}})
        person = find_by_id_number(store.db, ID)
        assert (person["insurance"], person["rural"]) == ("employee", 0)
        # a case that does not say keeps what was remembered
        told = {k: v for k, v in CASE["person"].items() if k not in ("insurance", "rural")}
        save(store, {**CASE, "date": "2026-05-01", "person": told})
        assert (find_by_id_number(store.db, ID)["insurance"], find_by_id_number(store.db, ID)["rural"]) == ("employee", 0)


@pytest.mark.parametrize("query", ["wxy", "WXY", "wangxiuying", "wangx", "王秀英", "秀英"])
def test_a_person_is_found_by_name_and_pinyin(store, query):
    with clock.frozen("2026-11-30"):
        save(store, CASE)
        save(store, {**CASE, "person": {**CASE["person"], "id_number": valid_id("1981-01-01", 32), "name": "吴晓燕"}})
        save(store, {**CASE, "person": {**CASE["person"], "id_number": valid_id("1982-01-01", 33), "name": "张三"}})
    names = [p["name"] for p in search_by_name(store.db, query)]
    if query.lower() == "wxy":   # 王秀英 and 吴晓燕 share their initials
        assert sorted(names) == sorted(["王秀英", "吴晓燕"])
    else:
        assert names == ["王秀英"]


def test_the_case_list_finds_a_person_by_pinyin(store):
    with clock.frozen("2026-11-30"):
        save(store, CASE)
        save(store, {**CASE, "person": {**CASE["person"], "id_number": valid_id("1982-01-01", 33), "name": "张三"}})
    assert [r["name"] for r in list_cases(store, name="wangxiuying")] == ["王秀英"]
    assert [r["name"] for r in list_cases(store, name="zs")] == ["张三"]
    assert list_cases(store, name="lsi") == []
