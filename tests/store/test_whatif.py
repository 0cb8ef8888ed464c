"""模拟测算 (issue 17): a year of stored cases re-run under changed parameters, nothing saved."""
from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from engine.errors import InputError
from engine.office import Office
from engine.whatif import Cancelled
from ids import valid_id

SUN, ZHOU = valid_id("1970-01-01", 7), valid_id("1960-05-05", 3)
RATES = '{"一类": 1.00, "二类": 0.80, "三类": 0.80, "四类": 0.60}'   # 武汉 住院救助: 三类 70% → 80%
DIANJIANG = '{"第一类": 1.0, "第二类": 0.8, "第三类": 0.8, "第四类": 0.7, "第五类": 0.6, "第六类": 0.7}'   # 垫江 住院, +10 points


def inpatient(id_number: str, name: str, identity: str, date: str) -> dict:
    """武汉 住院, 政策范围内 5500.00 of which the slip's 基本医保 paid 3500.00: a burden of 2000.00."""
    return {"region": "wuhan", "date": date, "person": {"id_number": id_number, "name": name, "identities": [identity]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def office(tmp_path, backend):  # on SQLite and on PostgreSQL (tests/pg.py)
    with Office.open(tmp_path / "d", daily_backup=False) as o:
        yield o


def save(office, doc):
    return office.save(doc, operator="李四", office="城关镇").value


def small_year(office) -> None:
    """Two persons of 武汉, 2023, two cases each; a voided case and a 2024 case stay out."""
    for doc in (inpatient(SUN, "孙七", "subsistence_edge", "2023-03-01"), inpatient(ZHOU, "周八", "subsistence", "2023-03-05"),
                inpatient(SUN, "孙七", "subsistence_edge", "2023-04-01"), inpatient(ZHOU, "周八", "subsistence", "2023-06-01")):
        save(office, doc)
    voided = save(office, inpatient(SUN, "孙七", "subsistence_edge", "2023-05-01"))[0]
    office.void(voided.case_id, "录入错误", operator="李四")
    save(office, inpatient(SUN, "孙七", "subsistence_edge", "2024-02-01"))


def test_a_rate_ten_points_higher_changes_what_is_worked_by_hand(office):
    small_year(office)
    before = office.cases(year=2023)
    report = office.what_if(2023, [("wuhan", "inpatient.rate", RATES)])
    # 孙七, 低保边缘 (三类): 住院救助 = 70% of the year's burden above the 3000.00 起付标准 (武政规〔2023〕1号 二、(四)).
    #   stored:  case 1: year 0 → 2000.00, nothing above 3000.00: 0.00; case 2: 2000.00 → 4000.00, 1000.00 × 70% = 700.00
    #   what-if: case 1: 0.00; case 2: 1000.00 × 80% = 800.00 → one case changes, +100.00
    # 周八, 低保 (二类, 80%, no 起付标准): 2000.00 × 80% = 1600.00 twice, stored and what-if alike.
    # 基本医保 from the slips: 4 × 3500.00 = 14000.00; 大病保险 and tilt 0.00.
    assert report.summary() == {
        "cases": 4, "changed_cases": 1, "changed_persons": 1,
        "stored": {"basic": "14000.00", "critical": "0.00", "assistance": "3900.00", "tilt": "0.00"},
        "what_if": {"basic": "14000.00", "critical": "0.00", "assistance": "4000.00", "tilt": "0.00"}}
    [sun] = report.largest()
    assert (sun.name, sun.cases, sun.changed_cases, sun.stored["assistance"], sun.what_if["assistance"], sun.difference) == \
        ("孙七", 2, 1, Decimal("700.00"), Decimal("800.00"), Decimal("100.00"))
    assert office.cases(year=2023) == before     # nothing saved
    assert office.policy_versions() == []


def test_from_a_date_after_the_first_case_only_later_cases_change(office):
    small_year(office)
    # From 2023-04-01 孙七's second case is computed at 80% (800.00); nothing else is after the date but
    # 周八's 2023-06-01 case, whose 二类 rate is unchanged.
    report = office.what_if(2023, [("wuhan", "inpatient.rate", RATES)], valid_from=dt.date(2023, 4, 1))
    assert (report.changed_cases, report.what_if["assistance"]) == (1, Decimal("4000.00"))
    later = office.what_if(2023, [("wuhan", "inpatient.rate", RATES)], valid_from=dt.date(2023, 4, 2))
    assert (later.changed_cases, later.what_if["assistance"]) == (0, Decimal("3900.00"))


def _random_year(office, seed: int = 17) -> int:
    """Persons of every region with several cases each, saved as a clerk would; the count saved."""
    rng = random.Random(seed)
    identities = {"wuhan": ["subsistence", "subsistence_edge", "extreme_poverty", "monitored_rural"],
                  "dianjiang": ["subsistence", "orphan", "relapsed_poverty", "severe_disability"],
                  "weihai": ["subsistence", "subsistence_edge", "illness_impoverished"],
                  "changchun": ["subsistence", "extreme_poverty", "monitored_rural"]}
    kinds = ["inpatient", "inpatient", "outpatient_chronic", "outpatient_special", "outpatient_general"]
    saved = 0
    for n in range(8):
        region = sorted(identities)[n % 4]
        person = {"id_number": valid_id(f"19{50 + n}-02-03", n + 1), "name": f"测试{chr(0x4E00 + n)}",
                  "identities": rng.sample(identities[region], rng.randint(1, 2)), "rural": rng.random() < 0.5}
        for month in sorted(rng.sample(range(1, 13), 5)):
            scope = Decimal(rng.randint(0, 8_000_000)) / 100
            amounts = {"total": f"{scope + Decimal(rng.randint(0, 300_000)) / 100:.2f}", "policy_scope": f"{scope:.2f}"}
            if rng.random() < 0.5:
                amounts["basic_paid"] = f"{scope * Decimal('0.5'):.2f}"
            flags = {f: True for f in ("tilt_applied", "poverty_risk") if rng.random() < 0.3}
            save(office, {"region": region, "date": f"2023-{month:02d}-{rng.randint(1, 28):02d}", "person": person,
                          "visit": {"kind": rng.choice(kinds), "hospital_level": rng.randint(1, 3),
                                    "referral": rng.random() < 0.7, "in_province": True, "in_district": rng.random() < 0.6},
                          "amounts": amounts, "flags": flags})
            saved += 1
    return saved


def test_no_change_reproduces_every_stored_result(office):
    saved = _random_year(office)
    live = [c for c in office.cases(year=2023) if not c["void"]]
    stored = {k: sum(Decimal(c["payouts"][k]) for c in live) for k in ("basic", "critical", "assistance", "tilt")}
    report = office.what_if(2023, [])
    assert report.cases == saved and report.changed_cases == 0 and report.changed_persons == 0
    assert report.stored == report.what_if == stored
    assert sum(stored.values()) > 0
    assert all(p.stored == p.what_if for p in report.persons)


def test_progress_is_told_and_a_stop_cancels(office):
    small_year(office)
    told = []
    office.what_if(2023, [], progress=lambda done, total: told.append((done, total)))
    assert told == [(2, 4), (4, 4)]   # after each person
    with pytest.raises(Cancelled):
        office.what_if(2023, [], stop=lambda: True)


@pytest.mark.parametrize("setting, field", [
    (("wuhan", "inpatient.rates", RATES), "--set[0].PARAM"),
    (("wuhan", "inpatient.rate", '{"一类": 1.00}'), "--set[0].VALUE"),
    (("wuhan", "inpatient.rate", '{"一类": 1.00, "二类": 0.80, "三类": 8, "四类": 0.60}'), "--set[0].VALUE.三类"),
    (("nowhere", "inpatient.rate", "0.5"), "--set[0].REGION"),
])
def test_a_bad_setting_names_its_field(office, setting, field):
    with pytest.raises(InputError) as caught:
        office.what_if(2023, [setting])
    assert caught.value.field == field


def test_the_command_prints_the_report_writes_the_xlsx_and_ends_with_one_json_line(run, tmp_path):
    from openpyxl import load_workbook

    for doc in (inpatient(SUN, "孙七", "subsistence_edge", "2023-03-01"), inpatient(SUN, "孙七", "subsistence_edge", "2023-04-01")):
        assert run("save", "-", "--operator", "李四", stdin=json.dumps(doc, ensure_ascii=False)).returncode == 0
    out = tmp_path / "diff.xlsx"
    p = run("what-if", "--year", "2023", "--set", "wuhan", "inpatient.rate", RATES, "-o", str(out))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert "医疗救助：已支付 700.00，模拟测算 800.00，差额 +100.00" in p.stdout
    assert json.loads(lines[-1]) == {
        "cases": 2, "changed_cases": 1, "changed_persons": 1,
        "stored": {"basic": "7000.00", "critical": "0.00", "assistance": "700.00", "tilt": "0.00"},
        "what_if": {"basic": "7000.00", "critical": "0.00", "assistance": "800.00", "tilt": "0.00"}}
    sheet = load_workbook(out)["人员对比"]
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    person = dict(zip(header, row))
    assert person["姓名"] == "孙七" and person["身份证号"] == SUN[:6] + "********" + SUN[-4:]
    assert (person["医疗救助（已支付）"], person["医疗救助（模拟）"], person["差额"]) == (700, 800, 100)

    bad = run("what-if", "--year", "2023", "--set", "wuhan", "inpatient.rate", "abc")
    assert bad.returncode == 2 and "--set[0].VALUE" in bad.stderr


def test_a_start_date_outside_the_documents_names_from(office):
    with pytest.raises(InputError) as caught:
        office.what_if(2023, [("wuhan", "inpatient.rate", RATES)], valid_from=dt.date(2001, 1, 1))
    assert caught.value.field == "--from" and "施行期" in caught.value.zh


def test_progress_of_a_large_year_is_told_about_a_thousand_times():
    """A window repaints its bar each time it is told: a year of 2,500 persons tells it at most
    about 1,000 times (engine/whatif.py PROGRESS_STEPS), in order, and always at the end."""
    from engine.case import parse_case
    from engine.policy import bundled
    from engine.whatif import LAYERS, StoredCase, run

    n = 2500
    cases = [StoredCase(i, i, valid_id("1970-01-01", i), "孙七", parse_case(inpatient(valid_id("1970-01-01", i), "孙七",
                                                                                      "subsistence", "2023-03-01")),
                        dict.fromkeys(LAYERS, Decimal("0.00"))) for i in range(1, n + 1)]
    told = []
    report = run(iter(cases), 2023, (), bundled(), total=n, progress=lambda done, total: told.append((done, total)))
    assert report.cases == n
    assert len(told) <= 1001
    assert told[-1] == (n, n)
    assert [done for done, _ in told] == sorted({done for done, _ in told})


# ---- on several processes (engine/office/whatif_pool.py) -------------------------------------


def test_two_workers_give_the_report_of_one(office):
    """The persons split between two processes: the same figures, the same persons in the same order,
    the same lines; with no change still nothing changes (on both backends)."""
    saved = _random_year(office)
    for settings in ([], [("wuhan", "inpatient.rate", RATES), ("dianjiang", "inpatient.rate.general", DIANJIANG)]):
        one = office.what_if(2023, settings, workers=1)
        two = office.what_if(2023, settings, workers=2)
        assert two.cases == saved
        assert (two.summary(), two.lines(), two.persons) == (one.summary(), one.lines(), one.persons)
    assert one.changed_cases > 0          # the second round did change something
    assert office.what_if(2023, [], workers=2).changed_cases == 0


def test_the_year_is_cut_between_persons_into_shares_of_about_as_many_cases(office):
    from engine.store.queries import year_cases, year_person_bounds

    saved = _random_year(office)
    shares = year_person_bounds(office.store, 2023, 2)
    assert len(shares) == 2 and shares[0].stop == shares[1].start
    counts = [year_cases(office.store, 2023, share)[0] for share in shares]
    assert sum(counts) == saved and all(c > 0 for c in counts)
    persons = [{s.person_id for s in year_cases(office.store, 2023, share)[1]} for share in shares]
    assert not persons[0] & persons[1] and max(persons[0]) < min(persons[1])
    # eight persons of five cases: the cut falls at the fifth person's first case (offset 20)
    assert counts == [20, 20]
    assert len(year_person_bounds(office.store, 2023, 1)) == 1
    assert len(year_person_bounds(office.store, 2023, 50)) == 8   # never more shares than persons
    assert len(year_person_bounds(office.store, 2030, 2)) == 1    # a year without cases


def test_two_workers_tell_progress_to_the_end_and_a_stop_ends_them(office):
    import multiprocessing

    saved = _random_year(office)
    told = []
    office.what_if(2023, [], workers=2, progress=lambda done, total: told.append((done, total)))
    assert told[-1] == (saved, saved)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    # while the workers start (a spawned process imports the engine: far longer than a poll) the caller is
    # still told, so the window repaints and 取消 can be clicked
    assert told[0] == (0, saved)
    with pytest.raises(Cancelled):
        office.what_if(2023, [], workers=2, stop=lambda: True)
    assert multiprocessing.active_children() == []


def test_workers_are_one_per_core_for_a_large_year_and_one_for_a_small_one(monkeypatch):
    from engine.office import whatif_pool

    monkeypatch.setattr(whatif_pool, "cores", lambda: 2)
    assert whatif_pool.worker_count(1_000_000) == 2
    assert whatif_pool.worker_count(whatif_pool.CASES_PER_WORKER * 2 - 1) == 1
    assert whatif_pool.worker_count(30) == 1
    assert whatif_pool.worker_count(30, requested=2) == 2
    monkeypatch.setattr(whatif_pool, "cores", lambda: 1)
    assert whatif_pool.worker_count(1_000_000) == 1


def test_a_worker_error_reaches_the_parent_with_its_message():
    from engine.office.whatif_pool import _portable
    from engine.store.errors import StoreError

    lost = StoreError("数据库服务器连接中断，请检查网络后重试", "the server went away")
    assert _portable(lost) == ("数据库服务器连接中断，请检查网络后重试", "StoreError: the server went away")
    plain = ValueError("bad")
    assert _portable(plain) is plain
    assert _portable(KeyError("x")) is not None


def test_a_person_travels_between_processes_unchanged():
    import pickle

    from engine.whatif import PersonDiff

    person = PersonDiff(SUN, "孙七", "wuhan", 3, 1)
    person.stored.update(basic=Decimal("7000.00"), assistance=Decimal("-0.00"), tilt=Decimal("1E+2"))
    person.what_if.update(basic=Decimal("7000.00"), critical=Decimal("0.005"), assistance=Decimal("800.00"))
    back = pickle.loads(pickle.dumps(person))
    assert back == person and back.difference == person.difference
    assert [str(v) for v in back.stored.values()] == ["7000.00", "0.00", "-0.00", "1E+2"]
    assert [str(v) for v in back.what_if.values()] == ["7000.00", "0.005", "800.00", "0.00"]


def test_a_worker_that_cannot_open_the_database_fails_the_run_with_a_store_error(tmp_path):
    """The error is raised in the worker process and reaches the caller as a StoreError saying what is
    wrong (a StoreError does not survive pickling as itself: its texts travel)."""
    from types import SimpleNamespace

    from engine.office import whatif_pool
    from engine.store.errors import StoreError

    with Office.open(tmp_path / "d", daily_backup=False) as office:
        small_year(office)
        gone = SimpleNamespace(conn=office.store.conn, folder=tmp_path / "elsewhere", url=None, backend="sqlite")
        (tmp_path / "elsewhere").mkdir()
        with pytest.raises(StoreError) as caught:
            whatif_pool.run(gone, 2023, (), 2, total=4)
    assert str(tmp_path / "elsewhere") in caught.value.zh


def test_only_a_database_the_workers_can_open_again_is_shared():
    from types import SimpleNamespace

    from engine.office.whatif_pool import shareable

    assert shareable(SimpleNamespace(backend="sqlite", url=None))
    assert shareable(SimpleNamespace(backend="postgresql", url="postgresql://localhost/sanchong"))
    assert not shareable(SimpleNamespace(backend="postgresql", url=None))
