"""Local versions of policy parameters (engine/store/policy_versions.py): a supervisor's dated change
applies to cases dated on or after it, never to a saved case, and is refused without changing
anything when it could alter one or does not fit the parameter."""
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine import calculate
from engine.errors import InputError
from engine import clock
from engine.policy import bundled, load_books, params_for
from engine.store import StoreError, open_store
from engine.store.cases import from_json_text, replay, save_cases, show_case
from engine.store.database import connect, statements
from engine.store.migrations import LATEST, MIGRATIONS
from engine.store.policy_versions import (_Shape, add_version, earliest_valid_from, encode,
                                          format_value, list_versions, parse_value_text)
from days import TODAY, day
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
NAME = "basic.inpatient.deductible"   # 长春, changchun-local.yaml: unverified, {resident|employee: {level: yuan}}
OLD = {"resident": {1: Decimal(200), 2: Decimal(500), 3: Decimal(900)},
       "employee": {1: Decimal(200), 2: Decimal(500), 3: Decimal(900)}}
NEW_TEXT = '{"resident": {"1": 200, "2": 800, "3": 900}, "employee": {"1": 200, "2": 500, "3": 900}}'


def inpatient(date: dt.date, seq: int, *, with_person: bool = True) -> dict:
    """A 长春 低保 person, 2级医院 stay: basic computed from the (local) deductible and rate."""
    person = {"identities": ["subsistence"], "insurance": "resident", "birth_date": "1960-01-01"}
    if with_person:
        person.update(id_number=valid_id("1960-01-01", seq, area="220102"), name=f"测试{seq}")
    return {"region": "changchun", "date": date.isoformat(), "person": person,
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "12000.00", "policy_scope": "10000.00", "critical_paid": "0.00"}}


# By hand, 2级医院, 政策范围内 10000.00, 结算单 大病保险 0.00, 二类 (低保) 住院救助 起付 1000, 70%:
#   deductible 500: basic (10000 − 500) × 75% = 7125.00; base 10000 − 7125 = 2875.00;
#                   assistance (2875 − 1000) × 70% = 1312.50; 个人自付 12000 − 7125 − 1312.50 = 3562.50
#   deductible 800: basic (10000 − 800) × 75% = 6900.00 (−300 × 75% = −225.00); base 3100.00;
#                   assistance (3100 − 1000) × 70% = 1470.00 (+225 × 70% = +157.50); 个人自付 3630.00 (+67.50)
OLD_PAYOUTS = {"basic": "7125.00", "critical": "0.00", "assistance": "1312.50", "tilt": "0.00"}
NEW_PAYOUTS = {"basic": "6900.00", "critical": "0.00", "assistance": "1470.00", "tilt": "0.00"}


def save(store, doc) -> dict:
    return save_cases(store, doc, operator="李四", office="城关镇")[0].result


def counts(store) -> tuple[int, int, int]:
    return tuple(store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in ("policy_versions", "audit", "cases"))


def test_a_change_applies_from_its_date_and_never_to_saved_cases(tmp_path):
    store = open_store(tmp_path / "d")
    assert calculate(inpatient(day(30), 0, with_person=False))["payouts"] == OLD_PAYOUTS
    past = save(store, inpatient(day(-3), 1))
    future = save(store, inpatient(day(7), 2))          # a case dated ahead (entered in advance)
    assert past["payouts"] == future["payouts"] == OLD_PAYOUTS
    new = parse_value_text(NEW_TEXT, OLD)
    with pytest.raises(InputError) as refused:
        add_version(store, "changchun", NAME, new, day(5), "新的基本医保办法", "王五")
    assert refused.value.field == "valid_from"
    assert f"已保存案件的最晚结算日期 {day(7)}" in refused.value.zh and f"请选择 {day(8)} 或以后" in refused.value.zh
    assert "replayed" in refused.value.en
    assert earliest_valid_from(store, "changchun") == day(8)
    assert counts(store) == (0, 2, 2)

    done = add_version(store, "changchun", NAME, new, day(10), "新的基本医保办法", "王五")
    assert done["valid_from"] == day(10).isoformat() and done["value"]["resident"][2] == Decimal(800)
    assert done["value_text"] == "城乡居民医保：1级 200、2级 800、3级 900；职工医保：1级 200、2级 500、3级 900"
    assert counts(store) == (1, 3, 2)
    entry = store.query("SELECT * FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert entry["action"] == "policy" and entry["operator"] == "王五" and entry["case_id"] is None
    assert "自 " + day(10).isoformat() + " 起由 城乡居民医保：1级 200、2级 500" in entry["detail"]
    assert "2级 800" in entry["detail"] and "新的基本医保办法" in entry["detail"]

    after = save(store, inpatient(day(20), 3))
    assert after["payouts"] == NEW_PAYOUTS and after["out_of_pocket"] == "3630.00"
    assert Decimal(after["payouts"]["basic"]) - Decimal(OLD_PAYOUTS["basic"]) == Decimal("-225.00")
    assert Decimal(after["payouts"]["assistance"]) - Decimal(OLD_PAYOUTS["assistance"]) == Decimal("157.50")
    label = f"本地调整（新的基本医保办法，王五 {TODAY.isoformat()}）"
    assert NAME in after["unverified_parameters"]
    assert any(label in w and "未核实参数" in w for w in after["warnings"])
    basic_step = next(s for s in after["steps"] if s["layer"] == "basic")
    assert "起付标准 800.00" in basic_step["text"] and label in basic_step["source"]

    before = save(store, inpatient(day(9), 4))         # dated the day before: the old value
    assert before["payouts"] == OLD_PAYOUTS and before["out_of_pocket"] == "3562.50"
    assert not any("本地调整" in w for w in before["warnings"])

    # every stored case keeps its result, and replaying each person's year gives exactly it
    rows = store.query("SELECT id, person_id, region, policy_year, result FROM cases ORDER BY id")
    assert [from_json_text(r["result"])["payouts"] for r in rows] == [OLD_PAYOUTS, OLD_PAYOUTS, NEW_PAYOUTS, OLD_PAYOUTS]
    assert show_case(store, 1)["result"] == past
    for r in rows:
        _, results = replay(store.db, r["person_id"], r["region"], r["policy_year"], store.book)
        assert dict(results)[r["id"]].to_json() == from_json_text(r["result"])
    assert store.query("SELECT policy_version FROM cases WHERE id = 3")[0]["policy_version"].endswith("+local:1")
    store.close()


def test_refusals_change_nothing(tmp_path):
    store = open_store(tmp_path / "d")
    save(store, inpatient(day(3), 1))
    ok = dict(valid_from=day(5), reason="统计公报", operator="王五")
    bad = [
        ("REGION", dict(region="beijing", name="warning.income", value=Decimal(1))),
        ("NAME", dict(region="changchun", name="warning.incom", value=Decimal(1))),
        ("VALUE", dict(region="changchun", name="warning.income", value="42000")),
        ("VALUE", dict(region="changchun", name="warning.income", value=Decimal(-1))),
        ("VALUE", dict(region="changchun", name=NAME, value=Decimal(800))),
        ("VALUE.resident", dict(region="changchun", name=NAME, value={"resident": {1: 200, 2: 800}, "employee": OLD["employee"]})),
        ("VALUE", dict(region="changchun", name=NAME, value={**OLD, "other": OLD["employee"]})),
        ("VALUE.resident.2", dict(region="changchun", name="basic.inpatient.rate",
                                  value={"resident": {1: 0.85, 2: 75, 3: 0.6}, "employee": {1: 0.9, 2: 0.88, 3: 0.86}})),
        ("VALUE", dict(region="changchun", name="critical.kinds", value=["inpatient", "hospital"])),
        ("VALUE.resident[0]", dict(region="changchun", name="critical.brackets",
                                   value={"resident": [12000], "employee": [{"from": 12000, "rate": 0.6}]})),
        ("VALUE.resident", dict(region="changchun", name="critical.brackets",
                                value={"resident": [], "employee": [{"from": 12000, "rate": 0.6}]})),
        ("VALUE.subsistence", dict(region="changchun", name="classes", value={
            **{k: str(v) for k, v in params_for("changchun", TODAY).values["classes"].items()}, "subsistence": "五类"})),
        ("VALUE", dict(region="changchun", name=NAME, value=OLD)),          # the same value: nothing to change
        ("reason", dict(region="changchun", name="warning.income", value=Decimal(42000), reason="  ")),
        ("valid_from", dict(region="changchun", name="warning.income", value=Decimal(42000), valid_from=day(-1))),
        ("valid_from", dict(region="changchun", name="warning.income", value=Decimal(42000), valid_from=day(3))),
        ("valid_from", dict(region="changchun", name="warning.income", value=Decimal(42000), valid_from="2027/01/01")),
        ("valid_from", dict(region="wuhan", name="warning.income", value=Decimal(42000), valid_from="2028-01-01")),
    ]
    for field, args in bad:
        with pytest.raises(InputError) as exc:
            add_version(store, **{**ok, **args})
        assert exc.value.field == field, (args, exc.value.zh)
        assert exc.value.zh and exc.value.en
        assert counts(store) == (0, 1, 1)
    assert store.book.local == () and store.book is not None
    assert store.book.params_for("changchun", day(30)).values["warning.income"] == \
        params_for("changchun", day(30)).values["warning.income"]


def test_the_table_is_append_only(tmp_path):
    store = open_store(tmp_path / "d")
    add_version(store, "changchun", "warning.income", Decimal(42000), day(1), "统计公报", "王五")
    for sql in ("UPDATE policy_versions SET value = '1'", "DELETE FROM policy_versions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute(sql)
    assert list_versions(store)[0]["value"] == Decimal(42000)


def test_each_store_computes_with_its_own_book(tmp_path):
    bundled_income = params_for("changchun", day(2)).values["warning.income"]
    with open_store(tmp_path / "a") as a:
        add_version(a, "changchun", "warning.income", Decimal(42000), day(1), "统计公报", "王五")
        assert a.book.params_for("changchun", day(2)).values["warning.income"] == Decimal(42000)
        assert a.book.version.endswith("+local:1")
        assert params_for("changchun", day(2)).values["warning.income"] == bundled_income   # the files' book is untouched
        with open_store(tmp_path / "b") as b:
            assert b.book.local == ()
            assert b.book.params_for("changchun", day(2)).values["warning.income"] == bundled_income
            assert "+local" not in b.book.version
        assert a.book.params_for("changchun", day(2)).values["warning.income"] == Decimal(42000)
    with open_store(tmp_path / "a") as a:
        assert [v.value for v in a.book.local_versions("changchun")] == [Decimal(42000)]
        assert a.book.params_for("changchun", day(2)).values["warning.income"] == Decimal(42000)
        assert a.book.params_for("changchun", day(0)).values["warning.income"] == bundled_income


WEIHAI_2027 = {"region": "weihai", "date": "2027-03-01", "person": {"identities": ["subsistence"]},
               "visit": {"kind": "inpatient", "hospital_level": 2},
               "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"}}


def test_opening_a_store_with_a_local_version_changes_nothing_outside_it(tmp_path):
    """The leak of issue 11: a 威海 2027 case gives 医疗救助 8995.00 with the files; a store holding a local
    `assistance.rate` is opened and closed; the same call in the same process still gives 8995.00."""
    before = calculate(WEIHAI_2027)["payouts"]["assistance"]
    assert before == "8995.00"   # 威政办发〔2022〕15号: (50000 − 30000 − 7150 − 0 deductible…) worked in tests/engine/cases/weihai.yaml
    with clock.frozen("2026-12-01"), open_store(tmp_path / "d") as store:
        rates = store.book.params_for("weihai", dt.date(2027, 3, 1)).values["assistance.rate"]
        lower = {k: (v - Decimal("0.20") if isinstance(v, Decimal) and v > Decimal("0.20") else v) for k, v in rates.items()}
        add_version(store, "weihai", "assistance.rate", lower, "2027-01-01", "测试下调", "王五")
        assert calculate(WEIHAI_2027, store.book)["payouts"]["assistance"] != before
    assert calculate(WEIHAI_2027)["payouts"]["assistance"] == before
    assert bundled().local == ()


def test_calc_without_a_store_uses_the_bundled_files(tmp_path):
    with open_store(tmp_path / "d") as store:
        add_version(store, "changchun", NAME, parse_value_text(NEW_TEXT, OLD), day(1), "新办法", "王五")
        case = inpatient(day(5), 0, with_person=False)
        assert calculate(case, store.book)["payouts"] == NEW_PAYOUTS
    assert calculate(case)["payouts"] == OLD_PAYOUTS   # this process opened the store: nothing leaked
    (tmp_path / "case.json").write_text(json.dumps(case), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "engine", "calc", str(tmp_path / "case.json")], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60,
                          env={**os.environ, "SANCHONG_DATA_DIR": str(tmp_path / "d"), "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["payouts"] == OLD_PAYOUTS


def test_a_save_computed_without_a_newer_change_is_refused(tmp_path):
    """Each save reads the database's versions afresh (another window's change is seen at once); and should
    a result ever be computed with a book that lacks a newer version, the database refuses to store it."""
    from engine.store.cases import _save_one, parse_for_save
    store = open_store(tmp_path / "d")
    other = open_store(tmp_path / "d")   # another window, opened before the change
    add_version(store, "changchun", NAME, parse_value_text(NEW_TEXT, OLD), day(10), "新办法", "王五")
    [(case, raw)] = parse_for_save(inpatient(day(10), 1))
    with pytest.raises(StoreError, match="其他窗口"):
        with other.write() as db:
            _save_one(db, bundled(), case, raw, "李四", "城关镇医保站", None)
    assert counts(store)[2] == 0
    assert save(other, inpatient(day(9), 2))["payouts"] == OLD_PAYOUTS   # dated before: the old value is right
    assert save(other, inpatient(day(10), 1))["payouts"] == NEW_PAYOUTS  # the other window sees the change


def test_layering_follows_the_dates():
    """The latest start on or before the day wins, a file's entry and a local one alike."""
    income = load_books()["changchun"].parameters["warning.income"]
    assert [d.isoformat() for d, _ in income.values] == ["2023-01-01", "2024-01-01", "2025-01-01", "2026-01-01"]
    rows = [dict(id=1, region="changchun", name="warning.income", value=Decimal(30000), valid_from="2025-06-01",
                 reason="试", operator="王五", created_at="2025-05-30T10:00:00+08:00"),
            dict(id=2, region="changchun", name="warning.income", value=Decimal(33000), valid_from="2026-01-01",
                 reason="同日", operator="王五", created_at="2025-12-30T10:00:00+08:00")]
    book = bundled().with_local(rows)
    at = lambda d: book.params_for("changchun", dt.date.fromisoformat(d))  # noqa: E731
    assert at("2025-05-31").values["warning.income"] == income.values[2][1]
    assert at("2025-06-01").values["warning.income"] == Decimal(30000)
    assert at("2025-06-01").meta["warning.income"].citation == "本地调整（试，王五 2025-05-30）"
    assert at("2026-03-01").values["warning.income"] == Decimal(33000)   # the same day as the file's: local wins
    assert "warning.income" in at("2026-03-01").unverified
    entries = book.history("changchun", "warning.income")
    assert [(e["from"].isoformat(), e["local"] is not None, e["superseded"]) for e in entries] == [
        ("2023-01-01", False, False), ("2024-01-01", False, False), ("2025-01-01", False, False),
        ("2025-06-01", True, False), ("2026-01-01", False, True), ("2026-01-01", True, False)]
    assert entries[2]["until"] == dt.date(2025, 5, 31)
    # a verified parameter overridden is cited as the local change and counted unverified
    book = bundled().with_local([dict(id=3, region="wuhan", name="inpatient.rate", valid_from="2024-01-01", reason="试",
                             operator="王五", created_at="2024-01-01T00:00:00+08:00",
                             value={"一类": Decimal(1), "二类": Decimal("0.9"), "三类": Decimal("0.7"), "四类": Decimal("0.6")})])
    ps = book.params_for("wuhan", dt.date(2024, 3, 1))
    assert "inpatient.rate" in ps.unverified and ps.meta["inpatient.rate"].citation.startswith("本地调整")
    assert "inpatient.rate" not in book.params_for("wuhan", dt.date(2023, 12, 31)).unverified
    assert "inpatient.rate" not in params_for("wuhan", dt.date(2024, 3, 1)).unverified   # the files' book is unchanged
    assert params_for("changchun", dt.date(2025, 6, 1)).values["warning.income"] == income.values[2][1]


def test_every_current_value_fits_its_own_shape_and_round_trips():
    for region, book in load_books().items():
        for name, p in book.parameters.items():
            value = next(v for _, v in reversed(p.values) if v is not None)
            assert _Shape(region, name).conform(value, value, []) == value, (region, name)
            assert parse_value_text(encode(value), value) == value, (region, name)
            assert format_value(name, value)


def test_value_text_is_forgiving_about_how_it_is_typed():
    assert parse_value_text("80%") == Decimal("0.80")
    assert parse_value_text("０.８") == Decimal("0.8")
    assert parse_value_text("｛“一类”：1，“二类”：0.8｝") == {"一类": Decimal(1), "二类": Decimal("0.8")}
    assert parse_value_text("一类", "二类") == "一类"
    with pytest.raises(InputError) as exc:
        parse_value_text('{"一类": 1', {"一类": Decimal(1)})
    assert "格式有误" in exc.value.zh
    with pytest.raises(InputError):
        parse_value_text("NaN")
    assert format_value("basic.inpatient.rate", {"resident": {1: Decimal("0.85")}}) == "城乡居民医保：1级 85%"
    assert format_value("critical.brackets", {"resident": ({"from": Decimal(12000), "rate": Decimal("0.6")},)}) == \
        "城乡居民医保：12000起 60%"


def test_migration_2_upgrades_a_version_1_database(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    conn = connect(folder / "cases.sqlite3")
    conn.execute("PRAGMA journal_mode = WAL")
    for sql in statements(MIGRATIONS[0]):
        conn.execute(sql)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with open_store(folder) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert list_versions(store) == []
        assert save(store, inpatient(day(1), 1))["payouts"] == OLD_PAYOUTS
    assert any("before-migration-v1" in p.name for p in (folder / "backups").iterdir())


# ---- the command line ---------------------------------------------------------------------

def test_cli_policy_set_and_list(run):
    assert run("policy-list").stdout.startswith("没有本地调整")
    assert run("save", "-", "--operator", "李四", stdin=json.dumps(inpatient(day(4), 1))).returncode == 0
    refusals = [
        (["changchun", NAME, NEW_TEXT, "--from", day(4).isoformat(), "--reason", "新办法"], "最晚结算日期"),
        (["changchun", NAME, "800", "--from", day(5).isoformat(), "--reason", "新办法"], "应按项目填写"),
        (["changchun", NAME, '{"resident": {"1": 200', "--from", day(5).isoformat(), "--reason", "新办法"], "格式有误"),
        (["changchun", "basic.inpatient.deductable", NEW_TEXT, "--from", day(5).isoformat(), "--reason", "x"],
         "basic.inpatient.deductible"),
        (["changchun", NAME, NEW_TEXT, "--from", day(5).isoformat(), "--reason", ""], "调整原因"),
        (["changchun", NAME, NEW_TEXT, "--from", "2027-13-01", "--reason", "x"], "YYYY-MM-DD"),
        (["changchun", NAME, NEW_TEXT, "--reason", "x"], "--from"),
    ]
    for args, text in refusals:
        proc = run("policy-set", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert text in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
        assert json.loads(run("policy-list", "--json").stdout) == []

    proc = run("policy-set", "changchun", NAME, NEW_TEXT, "--from", day(5).isoformat(), "--reason", "新办法",
               "--operator", "王五")
    assert proc.returncode == 0, proc.stderr
    assert "已调整" in proc.stdout and "已保存的案件不受影响" in proc.stdout
    listed = json.loads(run("policy-list", "--region", "changchun", "--json").stdout)
    assert [(r["id"], r["name"], r["valid_from"], r["reason"], r["operator"], r["value"]) for r in listed] == [
        (1, NAME, day(5).isoformat(), "新办法", "王五",
         {"resident": {"1": 200, "2": 800, "3": 900}, "employee": {"1": 200, "2": 500, "3": 900}})]
    assert json.loads(run("policy-list", "--region", "wuhan", "--json").stdout) == []
    assert "城乡居民医保：1级 200、2级 800" in run("policy-list").stdout

    saved = run("save", "-", "--operator", "李四", stdin=json.dumps(inpatient(day(5), 2)))
    assert json.loads(saved.stdout)["result"]["payouts"] == NEW_PAYOUTS
    earlier = run("save", "-", "--operator", "李四", stdin=json.dumps(inpatient(day(4), 3)))
    assert json.loads(earlier.stdout)["result"]["payouts"] == OLD_PAYOUTS
    first = json.loads(run("show", "1", "--json").stdout)
    assert first["result"]["payouts"] == OLD_PAYOUTS and "+local" not in first["policy_version"]
    assert [a["action"] for a in first["audit"]] == ["save"]
