"""The caches of the bulk path (issue 17) never change an answer.

- Every day between two of a region's change days (a document's first day and the day after its last,
  a dated value's start, a local version's start) shares one parameter set: each day's set holds what a
  set made for that day alone holds.

- What the calculation derives from one parameter set alone (known identities, the 大病保险 bands,
  the documents and unverified warnings a result cites) is kept on that set (ParamSet.once). A set
  belongs to one book, so a book with a changed parameter computes with its own values, before or
  after the other book has filled its sets.
- Input texts read once (dates, ID numbers, disease names) and the quick paths for the usual amount
  form and for JSON without surrogate escapes give what the full checks give, and refuse what they refuse.
"""
import datetime as dt
import gc
from decimal import Decimal

import pytest

from engine import InputError, calculate, collector
from engine.calculate import calculate_cases, parse_input
from engine.case import birth_from_id, check_id_number, parse_case
from engine.cli.common import parse_json
from engine.policy import ParamSet, PolicyBook, bundled
from engine.validate import amount
from hand_cases import CASES as HAND_CASES, _stringify as stringify
from ids import valid_id

DAY = dt.date(2023, 3, 1)

# An ordinary insured resident (no identity) in 武汉, 2nd-level hospital, basic insurance from the slip and
# 大病保险 computed: base = 30000.00 − 10000.00 = 20000.00; the first band starts at 12000
# (wuhan-local.yaml critical.brackets, resident: 12000 at 60%), so 20000.00 − 12000.00 = 8000.00 × 60% = 4800.00.
ORDINARY = {
    "region": "wuhan", "date": DAY.isoformat(),
    "person": {"insurance": "resident"},
    "visit": {"kind": "inpatient", "hospital_level": 2},
    "amounts": {"total": "30000.00", "policy_scope": "30000.00", "basic_paid": "10000.00"},
}


def _local(name: str, value, version_id: int = 1) -> dict:
    return dict(id=version_id, region="wuhan", name=name, value=value, valid_from=DAY, reason="测试",
                operator="测试员", created_at="2023-02-01T09:00:00")


def _brackets(first_rate: str) -> dict:
    return {"resident": ({"from": Decimal(12000), "rate": Decimal(first_rate)}, {"from": Decimal(50000), "rate": Decimal("0.65")},
                         {"from": Decimal(100000), "rate": Decimal("0.70")}),
            "employee": ({"from": Decimal(12000), "rate": Decimal("0.80")},)}


def test_a_changed_book_never_reads_the_bands_another_book_worked_out():
    book = bundled()
    changed = book.with_local([_local("critical.brackets", _brackets("0.70"))])
    assert book.params_for("wuhan", DAY) is book.params_for("wuhan", DAY)        # one set per book and day
    assert book.params_for("wuhan", DAY) is not changed.params_for("wuhan", DAY)

    assert calculate(ORDINARY, book)["payouts"]["critical"] == "4800.00"          # fills the bundled set's memo
    assert ("critical.brackets", "resident") in book.params_for("wuhan", DAY).memo
    # the same base under the changed first band: 8000.00 × 70% = 5600.00
    assert calculate(ORDINARY, changed)["payouts"]["critical"] == "5600.00"
    assert calculate(ORDINARY, book)["payouts"]["critical"] == "4800.00"          # and back: nothing shared


def test_a_local_version_is_cited_only_by_the_book_that_has_it():
    """武政规〔2023〕1号 gives inpatient.rate; a local version of it makes it unverified, with its warning,
    in the changed book's results only, whichever book computed first."""
    case = {**ORDINARY, "person": {"identities": ["subsistence"], "insurance": "resident"},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    book = bundled()
    rates = {"一类": Decimal(1), "二类": Decimal("0.90"), "三类": Decimal("0.70"), "四类": Decimal("0.60")}
    changed = book.with_local([_local("inpatient.rate", rates)])
    for _ in range(2):   # the second round reads each set's memo
        plain, local = calculate(case, book), calculate(case, changed)
        assert "inpatient.rate" not in plain["unverified_parameters"]
        assert "inpatient.rate" in local["unverified_parameters"]
        assert any("本地调整" in w for w in local["warnings"])
        assert not any("本地调整" in w for w in plain["warnings"])
        # 低保 = 二类, no 起付标准 (武政规〔2023〕1号 二、(四)): S = 5000.00 − 3500.00 − 0.00 = 1500.00;
        # 1500.00 × 80% = 1200.00 as the document says, 1500.00 × 90% = 1350.00 with the local version
        assert plain["payouts"]["assistance"] == "1200.00"
        assert local["payouts"]["assistance"] == "1350.00"


def test_known_identities_follow_the_book():
    """An identity the documents do not name is ignored with a warning; naming it in a changed book's
    classes (a local version) makes it count there, and only there."""
    case = {**ORDINARY, "person": {"identities": ["veteran_priority"], "insurance": "resident"}}
    book = bundled()
    classes = dict(book.params_for("wuhan", DAY).values["classes"])
    assert "veteran_priority" not in classes
    changed = book.with_local([_local("classes", {**classes, "veteran_priority": "四类"})])
    for _ in range(2):
        plain, local = calculate(case, book), calculate(case, changed)
        assert plain["identity_used"] is None
        assert any("在乡重点优抚对象" in w and "未使用" in w for w in plain["warnings"])
        assert local["identity_used"] == "veteran_priority" and local["assistance_class"] == "四类"



def test_identities_read_once_per_set_still_differ_by_what_the_case_holds():
    """The identities a region names, the order they are tried in and the warnings for the others are
    kept per parameter set and set of identities: one set, four cases, four answers."""
    book = bundled()

    def run(*identities):
        return calculate({**ORDINARY, "person": {"identities": list(identities), "insurance": "resident"}}, book)

    for _ in range(2):   # the second round reads the set's memo
        alone, with_other = run("veteran_priority"), run("veteran_priority", "subsistence")
        assert alone["identity_used"] is None and any("按普通参保人员计算" in w for w in alone["warnings"])
        assert with_other["identity_used"] == "subsistence"
        assert any("按其他身份就高计算" in w for w in with_other["warnings"])
        # 低保 (二类) and 特困 (一类) held together: both tried (就高不重复), whichever order they are given in
        assert run("subsistence", "extreme_poverty")["identity_used"] == run("extreme_poverty", "subsistence")["identity_used"]
        assert not any("未使用" in w for w in run("subsistence")["warnings"])

def test_an_id_number_read_once_still_refuses_a_wrong_one():
    good = valid_id("1980-01-01", 7)
    assert check_id_number(good, "id") == good
    assert check_id_number(good, "id") == good                      # read from the cache
    assert birth_from_id(good) == dt.date(1980, 1, 1)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InputError, match="checksum"):
        check_id_number(wrong, "person.id_number")
    with pytest.raises(InputError, match="checksum"):                  # a refusal is never cached as valid
        check_id_number(wrong, "person.id_number")
    bad_day = valid_id("1980-02-30", 1)
    with pytest.raises(InputError, match="invalid birth date"):
        check_id_number(bad_day, "person.id_number")


def test_a_date_read_once_is_the_same_day_and_a_bad_one_is_refused_each_time():
    a = parse_case({**ORDINARY, "date": "2023-03-01"})
    b = parse_case({**ORDINARY, "date": "2023-03-01"})
    assert a.date == b.date == DAY
    for _ in range(2):
        with pytest.raises(InputError) as info:
            parse_case({**ORDINARY, "date": "2023-02-30"})
        assert info.value.field == "date"


@pytest.mark.parametrize("text, expected", [
    ("1234.50", Decimal("1234.50")), ("01234.50", Decimal("1234.50")), ("0.00", Decimal("0.00")),
    ("99999999.99", Decimal("99999999.99")), ("12,345.6", Decimal("12345.60")), ("5500", Decimal("5500.00")),
])
def test_the_usual_amount_form_reads_as_the_full_check(text, expected):
    got = amount(text, "amounts.total")
    assert got == expected and str(got) == str(expected)   # the same value and the same two decimals


@pytest.mark.parametrize("text", ["123456789.00", "-1.00", "1.005", " 1.00x", "１.00"])
def test_amounts_outside_the_usual_form_are_still_refused(text):
    with pytest.raises(InputError) as info:
        amount(text, "amounts.total")
    assert info.value.field == "amounts.total"


def test_json_strings_are_checked_one_by_one_only_when_the_text_may_hold_a_lone_surrogate():
    assert parse_json('{"a": "\\ud83d\\ude00"}') == {"a": "😀"}      # a pair: checked, and good
    with pytest.raises(InputError) as info:
        parse_json('{"a": {"b": "\\udc00"}}')
    assert info.value.field == "a.b"
    with pytest.raises(InputError) as info:
        parse_json('{"a": ' + "[" * 40 + "]" * 40 + "}")
    assert info.value.field.startswith("a")


def test_the_collector_is_left_as_it_was_found():
    was_on = gc.isenabled()
    try:
        gc.enable()
        with collector.paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(InputError):
            with collector.paused():
                calculate({**ORDINARY, "date": "2023-02-30"})
        assert gc.isenabled()
        gc.disable()
        with collector.paused():
            pass
        assert not gc.isenabled()            # a caller that had it off keeps it off
    finally:
        (gc.enable if was_on else gc.disable)()


def _in_oldest_generation(obj) -> bool:
    return any(o is obj for o in gc.get_objects(generation=2))


def test_what_a_bulk_run_still_holds_goes_to_the_oldest_generation():
    """The results a paused block made and the caller keeps are not scanned by the young generations'
    collections when the collector resumes (engine/collector.py): they are in the oldest generation at once.
    (Collected first, so that no full collection is due: else a young one would move them only one generation.)"""
    was_on = gc.isenabled()
    try:
        gc.enable()
        gc.collect()
        with collector.paused():
            results = calculate_cases(parse_input({"cases": [ORDINARY, ORDINARY]}), explain=False)
            kept = [[] for _ in range(2000)]
        assert gc.isenabled()
        assert _in_oldest_generation(results[0]) and _in_oldest_generation(kept[-1])
    finally:
        (gc.enable if was_on else gc.disable)()


def test_objects_another_caller_froze_stay_frozen():
    was_on = gc.isenabled()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        gc.enable()
        with collector.paused():
            kept = [[] for _ in range(10)]
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        assert not _in_oldest_generation(kept[0])      # only resumed: what the block made stays young
    finally:
        gc.unfreeze()
        (gc.enable if was_on else gc.disable)()


@pytest.mark.parametrize("entry", HAND_CASES)
def test_a_calculation_makes_no_reference_cycle(entry):
    """What lets a bulk run pause the cyclic collector (engine/collector.py): everything the calculation
    makes, a refused input's error included, is freed by reference counting alone."""
    doc = stringify(entry["input"])
    gc.collect()
    with collector.paused():
        for explain in (True, False):
            try:
                calculate_cases(parse_input(doc), explain=explain)
            except InputError:
                pass
        try:
            calculate({**ORDINARY, "amounts": {"total": "1e400", "policy_scope": "1.00"}})
        except InputError:
            pass
        assert gc.collect() == 0


def _made_for(book: PolicyBook, region: str, day: dt.date) -> ParamSet:
    """A set made for `day` alone, as params_for made one before sets were shared by period."""
    rb = book.region(region)
    ps = ParamSet(rb, day)
    overrides = book._overrides.get(region)
    if overrides:
        book._layer(ps, rb, overrides, day)
    return ps


def _same_set(shared: ParamSet, alone: ParamSet) -> None:
    assert shared.values == alone.values
    assert shared.meta == alone.meta
    assert shared.documents == alone.documents
    assert shared.unverified == alone.unverified
    assert {n: shared.ended(n) for n in shared._book.definitions} == {n: alone.ended(n) for n in alone._book.definitions}


@pytest.mark.parametrize("region", ["wuhan", "changchun", "dianjiang", "weihai"])
def test_every_day_of_a_period_gets_what_a_set_of_its_own_gives(region):
    """Every day the region's files cover (to the end of 2028 when open-ended), in a book with two local
    versions as well: the shared set's values, metadata, documents, unverified names and ended
    definitions are those of a set made for that day alone; a change day starts a new set."""
    book = bundled()
    first, last = book.region(region).covered()
    last = min(last or dt.date(2028, 12, 31), dt.date(2028, 12, 31))
    mid = first + (last - first) / 2
    name = "warning.income" if "warning.income" in book.params_for(region, mid).values else "classes"
    value = book.params_for(region, mid).values[name]
    local = book.with_local([{**_local(name, value), "region": region, "valid_from": mid},
                             {**_local(name, value, 2), "region": region, "valid_from": mid + dt.timedelta(days=40)}])
    assert {mid, mid + dt.timedelta(days=40)} <= set(local._changes[region])
    for b in (book, local):
        changes = set(b._changes[region])
        day, previous = first, None
        while day <= last:
            shared = b.params_for(region, day)
            _same_set(shared, _made_for(b, region, day))
            if previous is not None:
                assert (shared is previous) == (day not in changes)
            previous, day = shared, day + dt.timedelta(days=1)
    # the local versions' starts are change days: the day before each has the files' set
    assert local.params_for(region, mid - dt.timedelta(days=1)).meta[name] is book.params_for(region, mid - dt.timedelta(days=1)).meta[name]
    assert local.params_for(region, mid).meta[name].reference.startswith("本地调整")


def test_a_year_of_cases_shares_a_set_between_change_days():
    """A case every day of 2023 in 武汉: one set for each period between change days, not one a day."""
    book = bundled()
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    sets = {id(book.params_for("wuhan", d)) for d in days}
    inside = [c for c in book._changes["wuhan"] if days[0] < c <= days[-1]]
    assert len(sets) == len(inside) + 1
