"""Re-settlement (补差): a void or a late-entered earlier case changes what later cases should have paid;
the differences are settled as records of their own, and nothing stored is rewritten.

The year (worked by hand): 武汉, 低保边缘家庭成员 = 三类 (武政规〔2023〕1号 二、(一)); 住院医疗救助 起付标准
三类 3000 元/年 on the year's 政策范围内个人自付 S = policy_scope − basic_paid − critical_paid, 70% above it
(二、(四) 住院医疗救助方式; policy-readings.md); year base 5300 < 12000 (大病保险起付线, wuhan-local) → 一般疾病,
年救助限额 10000, never reached. No tilt layer for this person (not rural, no 托底 application).

    case  date        total    scope    basic   S
    c1    2023-02-10  3000.00  2800.00  1800.00 1000.00
    c2    2023-04-15  3700.00  3500.00  2000.00 1500.00
    c3    2023-06-20  2600.00  2400.00  1400.00 1000.00
    c4    2023-08-05  2000.00  1900.00  1100.00  800.00
    c5    2023-10-12  3000.00  2800.00  1800.00 1000.00

All five saved: year S 1000, 2500, 3500, 4300, 5300
    c1: 1000 ≤ 3000 → 0.00;  c2: 2500 ≤ 3000 → 0.00
    c3: 3500 − 3000 = 500 × 70% = 350.00
    c4: all 800 above → 800 × 70% = 560.00
    c5: all 1000 above → 1000 × 70% = 700.00
c2 void: year S 1000, 2000, 2800, 3800
    c3: 2000 ≤ 3000 → 0.00      difference 0.00 − 350.00 = −350.00 (应退)
    c4: 2800 ≤ 3000 → 0.00      difference 0.00 − 560.00 = −560.00 (应退)
    c5: 3800 − 3000 = 800 × 70% = 560.00   difference 560.00 − 700.00 = −140.00 (应退)
    out_of_pocket rises by the same: +350.00, +560.00, +140.00.
"""
import json
import subprocess
from decimal import Decimal

import pytest

from engine.calculate import calculate
from engine.codec import result_hash
from engine.office import Office
from ids import valid_id

ZHANG = valid_id("1980-01-01", 1)
FIVE = [("2023-02-10", "3000.00", "2800.00", "1800.00"), ("2023-04-15", "3700.00", "3500.00", "2000.00"),
        ("2023-06-20", "2600.00", "2400.00", "1400.00"), ("2023-08-05", "2000.00", "1900.00", "1100.00"),
        ("2023-10-12", "3000.00", "2800.00", "1800.00")]
LAYERS = ("basic", "critical", "assistance", "tilt")


def case(date, total, scope, basic):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


def diff(assistance):
    return {"basic": "0.00", "critical": "0.00", "assistance": assistance, "tilt": "0.00", "to_pay": assistance}


@pytest.fixture
def office(tmp_path, backend):
    """An office on SQLite and on PostgreSQL (tests/pg.py)."""
    with Office.open(tmp_path / "data") as o:
        yield o


def stored_hashes(office):
    rows = office.store.query("SELECT id, result, input, basic, critical, assistance, tilt, out_of_pocket FROM cases")
    return {r["id"]: (result_hash(r["result"]), r["input"], r["basic"], r["critical"], r["assistance"], r["tilt"],
                      r["out_of_pocket"]) for r in rows}


def year_paid(office):
    """The year's ledger as paid, per case (the 人员台账's payments)."""
    region = office.year_ledger(ZHANG, 2023)["regions"][0]
    return region["payments"]


def test_void_second_of_five_then_settle_the_later_three(office):
    docs = [case(*c) for c in FIVE]
    saved = office.save({"cases": docs}, operator="李四", office="城关镇医保站").value
    assert [s.result["payouts"]["assistance"] for s in saved] == ["0.00", "0.00", "350.00", "560.00", "700.00"]
    assert office.pending_resettlements() == []
    before = stored_hashes(office)

    office.void(saved[1].case_id, "结算单录入错误", operator="李四")
    ids = [s.case_id for s in saved]
    pending = office.pending_resettlements()
    assert [(p["case_id"], p["receipt_no"], p["difference"]) for p in pending] == [
        (ids[2], "2023-000003", diff("-350.00")), (ids[3], "2023-000004", diff("-560.00")),
        (ids[4], "2023-000005", diff("-140.00"))]
    # the ledger marks the three as waiting
    assert [c["pending"] is not None for c in year_paid(office)["cases"]] == [False, True, True, True]

    done = [office.resettle(cid, "第2件作废后重算", operator="王审核") for cid in ids[2:]]
    assert all(d.changes.cases and d.changes.ledger for d in done)
    assert [d.value for d in done] == [
        {"case_id": ids[2], "receipt_no": "2023-000003", "resettlement_id": 1, "resettlement_receipt_no": "2023-000006",
         "difference": diff("-350.00")},
        {"case_id": ids[3], "receipt_no": "2023-000004", "resettlement_id": 2, "resettlement_receipt_no": "2023-000007",
         "difference": diff("-560.00")},
        {"case_id": ids[4], "receipt_no": "2023-000005", "resettlement_id": 3, "resettlement_receipt_no": "2023-000008",
         "difference": diff("-140.00")}]
    assert office.pending_resettlements() == []

    # what was paid (originals + 补差) equals calc on the year without the void case
    expected = calculate({"cases": [docs[0], docs[2], docs[3], docs[4]]})["results"]
    paid = year_paid(office)
    assert [c["paid"][k] for c in paid["cases"] for k in LAYERS] == [r["payouts"][k] for r in expected for k in LAYERS]
    assert [c["paid"]["out_of_pocket"] for c in paid["cases"]] == [r["out_of_pocket"] for r in expected]
    assert paid["paid"]["assistance"] == "560.00"   # 0 + 0 + 0 + 560
    assert all(c["pending"] is None for c in paid["cases"])
    # nothing stored was rewritten, and a case saved next takes the number after the 补差 records
    assert stored_hashes(office) == before
    nxt = office.save(case("2023-11-20", "1000.00", "900.00", "600.00"), operator="李四", office="城关镇医保站").value[0]
    assert nxt.receipt_no == "2023-000009"
    records = office.resettlements(ids[4])
    assert [(r["number"], r["reason"], r["out_of_pocket"], r["to_pay"]) for r in records] == [
        ("2023-000008", "第2件作废后重算", "140.00", "-140.00")]


def test_a_settled_case_is_not_settled_twice_and_a_void_case_never(office):
    saved = office.save({"cases": [case(*c) for c in FIVE]}, operator="李四", office="城关").value
    office.void(saved[1].case_id, "录错", operator="李四")
    office.resettle(saved[2].case_id, "重算", operator="王审核")
    from engine.errors import InputError
    with pytest.raises(InputError) as err:
        office.resettle(saved[2].case_id, "重算", operator="王审核")
    assert "无需补差" in err.value.zh
    with pytest.raises(InputError) as err:
        office.resettle(saved[1].case_id, "重算", operator="王审核")
    assert "已作废" in err.value.zh
    with pytest.raises(InputError) as err:
        office.resettle(saved[3].case_id, "  ", operator="王审核")
    assert err.value.field == "reason"
    assert len(office.resettlements(saved[3].case_id)) == 0


def test_resettlements_are_append_only(office):
    import sqlite3

    from engine.store.errors import StoreError
    refused = (sqlite3.DatabaseError, StoreError)   # (PostgreSQL: the trigger's message in a StoreError)
    saved = office.save({"cases": [case(*c) for c in FIVE]}, operator="李四", office="城关").value
    office.void(saved[1].case_id, "录错", operator="李四")
    office.resettle(saved[2].case_id, "重算", operator="王审核")
    conn = office.store.conn
    with pytest.raises(refused, match="never changed"):
        conn.execute("UPDATE resettlements SET to_pay = '0.00'")
    with pytest.raises(refused, match="never removed"):
        conn.execute("DELETE FROM resettlements")
    with pytest.raises(refused, match="taken by a case"):
        conn.execute("INSERT INTO resettlements (case_id, office, year, seq, number, reason, basic, critical, assistance, "
                     "tilt, hospital_borne, out_of_pocket, to_pay, result, policy_version, operator, created_at) "
                     "VALUES (4, '城关', 2023, 1, '2023-000001', 'x', '0', '0', '0', '0', '0', '0', '0', '{}', 'v', 'a', 'b')")


def test_a_late_entry_is_told_before_saving_and_settles_to_calc_in_date_order(office):
    """c1, c3, c4 stored; c2 (April) brought in late: dated before c3 and c4.
    Stored: year S 1000, 2000, 2800 → c3 0.00, c4 0.00 (below 3000).
    With c2 in its place: S 1000, 2500, 3500, 4300 → c2 0.00 (2500 ≤ 3000), c3 350.00, c4 560.00:
    differences c3 +350.00, c4 +560.00 (补付)."""
    docs = [case(*c) for c in FIVE[:4]]
    saved = office.save({"cases": [docs[0], docs[2], docs[3]]}, operator="李四", office="城关").value
    assert [s.result["payouts"]["assistance"] for s in saved] == ["0.00", "0.00", "0.00"]
    before = stored_hashes(office)

    warned = office.late_entry(docs[1])
    assert [(w["case_id"], w["receipt_no"], w["difference"]) for w in warned] == [
        (saved[1].case_id, "2023-000002", diff("350.00")), (saved[2].case_id, "2023-000003", diff("560.00"))]
    assert office.late_entry(case("2023-12-01", "1000.00", "900.00", "600.00")) == []  # dated after all: no change
    assert stored_hashes(office) == before   # telling wrote nothing

    late = office.save(docs[1], operator="李四", office="城关").value[0]
    assert late.result["payouts"]["assistance"] == "0.00"     # computed on c1 only: 2500 ≤ 3000
    assert [p["case_id"] for p in office.pending_resettlements()] == [saved[1].case_id, saved[2].case_id]
    for s in saved[1:]:
        office.resettle(s.case_id, "补录4月结算单", operator="王审核")
    expected = calculate({"cases": docs})["results"]     # the year in date order
    paid = year_paid(office)
    assert [c["case_id"] for c in paid["cases"]] == [saved[0].case_id, late.case_id, saved[1].case_id, saved[2].case_id]
    assert [c["paid"][k] for c in paid["cases"] for k in LAYERS] == [r["payouts"][k] for r in expected for k in LAYERS]
    assert {k: v for k, v in stored_hashes(office).items() if k in before} == before


def test_resettlement_receipt_names_the_original_and_the_reason(office, tmp_path):
    saved = office.save({"cases": [case(*c) for c in FIVE]}, operator="李四", office="城关").value
    office.void(saved[1].case_id, "录错", operator="李四")
    done = office.resettle(saved[4].case_id, "第2件作废后重算", operator="王审核").value
    pdf = tmp_path / "r.pdf"
    office.write_resettlement_receipt(done["resettlement_id"], pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("补差结算单", "补差回执号：2023-000006", "原结算回执号：2023-000005", "补差原因：第2件作废后重算",
                     "本次应退 140.00 元", "-140.00", "应退 壹佰肆拾元整", "700.00", "560.00", "审核人"):
        assert expected in text, expected
    assert ZHANG not in text and ZHANG[:6] + "********" + ZHANG[-4:] in text


def test_cli_resettle_pending_and_settle(run):
    docs = [case(*c) for c in FIVE]
    assert run("save", "-", "--operator", "李四", "--office", "城关", stdin=json.dumps({"cases": docs})).returncode == 0
    assert run("void", "2", "--reason", "录错").returncode == 0
    pending = run("resettle", "--pending", "--json")
    assert pending.returncode == 0, pending.stderr
    assert json.loads(pending.stdout) == [{"case_id": 3, "receipt_no": "2023-000003", "difference": diff("-350.00")},
                                          {"case_id": 4, "receipt_no": "2023-000004", "difference": diff("-560.00")},
                                          {"case_id": 5, "receipt_no": "2023-000005", "difference": diff("-140.00")}]
    text = run("resettle", "--pending")
    assert "共 3 件待补差" in text.stdout
    proc = run("resettle", "4", "--reason", "第2件作废后重算", "--operator", "王审核")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"case_id": 4, "receipt_no": "2023-000004", "resettlement_id": 1,
                                       "resettlement_receipt_no": "2023-000006", "difference": diff("-560.00")}
    missing = run("resettle", "4")
    assert missing.returncode == 2 and "reason" in missing.stderr
    again = run("resettle", "4", "--reason", "再来")
    assert again.returncode == 2 and "无需补差" in again.stderr and "Traceback" not in again.stderr
    ledger = run("ledger", ZHANG, "--year", "2023")
    assert "补差 2023-000006 -560.00" in ledger.stdout and ledger.stdout.count("【待补差") == 2


def test_differences_add_up_to_the_replay(office):
    """Paid after settling = the replay's amounts, also when a case is settled twice (two voids)."""
    docs = [case(*c) for c in FIVE]
    saved = office.save({"cases": docs}, operator="李四", office="城关").value
    office.void(saved[1].case_id, "录错", operator="李四")
    office.resettle(saved[4].case_id, "第一次", operator="王审核")           # 700 → 560: −140
    office.void(saved[2].case_id, "又录错", operator="李四")
    # S now c1 1000, c4 800, c5 1000: year 1000, 1800, 2800 ≤ 3000 → c4 0.00 (paid 560.00: −560.00),
    # c5 0.00 (paid 700.00 − 140.00 = 560.00: −560.00)
    pending = office.pending_resettlements()
    assert [(p["case_id"], p["difference"]["to_pay"]) for p in pending] == [(saved[3].case_id, "-560.00"),
                                                                            (saved[4].case_id, "-560.00")]
    office.resettle(saved[4].case_id, "第二次", operator="王审核")
    office.void(saved[3].case_id, "再录错", operator="李四")   # c5 alone: 1000 + 1000 = 2000 → still 0.00
    assert office.pending_resettlements() == []
    assert [r["to_pay"] for r in office.resettlements(saved[4].case_id)] == ["-140.00", "-560.00"]
    total = sum(Decimal(r["to_pay"]) for r in office.resettlements(saved[4].case_id))
    assert total == Decimal("-700.00")     # all of c5's 700.00 recovered


def test_voiding_a_late_entry_after_its_resettlement_recovers_it(office):
    """c4 (August) saved before c3 (June) was entered late. c1, c2 first: S 1000 + 1500 = 2500.
    c4 saved after them: 3300 → 300 × 70% = 210.00.
    c3 late: 2500 + 1000 = 3500 → 500 × 70% = 350.00; c4 replayed after c3: 800 × 70% = 560.00 → 补差 +350.00.
    Void c3: c4 replays to 210.00 again; paid 210.00 + 350.00 = 560.00 → 补差 −350.00 (应退)."""
    docs = [case(*c) for c in FIVE]
    saved = office.save({"cases": [docs[0], docs[1], docs[3]]}, operator="李四", office="城关").value
    assert saved[2].result["payouts"]["assistance"] == "210.00"
    late = office.save(docs[2], operator="李四", office="城关").value[0]
    assert late.result["payouts"]["assistance"] == "350.00"
    assert [(p["case_id"], p["difference"]["to_pay"]) for p in office.pending_resettlements()] == [
        (saved[2].case_id, "350.00")]
    office.resettle(saved[2].case_id, "补录6月结算单", operator="王审核")
    office.void(late.case_id, "重复录入", operator="李四")
    assert [(p["case_id"], p["difference"]["to_pay"]) for p in office.pending_resettlements()] == [
        (saved[2].case_id, "-350.00")]
    office.resettle(saved[2].case_id, "6月结算单作废", operator="王审核")
    assert year_paid(office)["paid"]["assistance"] == "210.00"    # 0 + 0 + 210: as if c3 never was


def test_cli_save_warns_of_a_late_entry_before_saving(run):
    """c1, c3, c4 stored; c2 (April) late: c3 +350.00, c4 +560.00 (worked in the late-entry test above)."""
    docs = [case(*c) for c in FIVE]
    assert run("save", "-", "--operator", "李四", stdin=json.dumps({"cases": [docs[0], docs[2], docs[3]]})).returncode == 0
    proc = run("save", "-", "--operator", "李四", stdin=json.dumps(docs[1]))
    assert proc.returncode == 0, proc.stderr
    assert "保存后以下案件需补差" in proc.stderr
    assert "案件 2（回执号 2023-000002，2023-06-20）差额 350.00" in proc.stderr
    assert "案件 3（回执号 2023-000003，2023-08-05）差额 560.00" in proc.stderr
    assert json.loads(proc.stdout)["receipt_no"] == "2023-000004"
    quiet = run("save", "-", "--operator", "李四", stdin=json.dumps(case("2023-12-01", "1000.00", "900.00", "600.00")))
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_cli_verify_notes_a_later_resettlement(run, tmp_path):
    from engine.case import mask_id
    from engine.receipt import payload
    docs = [case(*c) for c in FIVE]
    assert run("save", "-", "--operator", "李四", "--office", "城关", stdin=json.dumps({"cases": docs})).returncode == 0
    shown = json.loads(run("show", "5", "--json").stdout)
    code = payload.build(shown["receipt_no"], "城关", 5, payload.amounts(shown["input"], shown["result"]),
                         shown["result_hash"], id_masked=mask_id(shown["id_number"]), name=shown["name"])
    before = run("verify", code)
    assert before.returncode == 0 and "补差" not in before.stdout
    assert run("void", "2", "--reason", "录错").returncode == 0
    assert run("resettle", "5", "--reason", "第2件作废后重算").returncode == 0
    after = run("verify", code)
    assert after.returncode == 0 and "与数据库一致" in after.stdout
    assert "补差回执号 2023-000006，补差合计 -140.00" in after.stdout


def test_what_if_with_no_change_counts_the_resettlements_as_paid(office):
    """模拟测算 compares with what was paid: the stored results plus their 补差. After the second of
    the five is voided and the later three are settled (350 − 350, 560 − 560, 700 − 140: 560.00 of 医疗救助
    paid in the year), a run with no change reproduces that year exactly: nothing changes."""
    docs = [case(*c) for c in FIVE]
    saved = office.save({"cases": docs}, operator="李四", office="城关镇医保站").value
    office.void(saved[1].case_id, "结算单录入错误", operator="李四")
    for s in saved[2:]:
        office.resettle(s.case_id, "第2件作废后重算", operator="王审核")
    report = office.what_if(2023, [])
    assert (report.cases, report.changed_cases, report.changed_persons) == (4, 0, 0)
    assert report.stored["assistance"] == report.what_if["assistance"] == Decimal("560.00")


def test_one_stop_payments_count_only_what_the_office_paid(office, tmp_path):
    """The same year, but the hospital already paid 医疗救助 at discharge (一站式, case-format.md "Already paid"):
    c4 in full (560.00 of 560.00: the office paid it nothing) and c5 650.00 of 700.00 (the office paid 50.00).
    After c2 is void, c4 should get 0.00 and c5 560.00 of 医疗救助: the layer differences are as before
    (−560.00, −140.00), but what the office recovers is only what it paid: c4 to_pay max(0, 0 − 560) − 0 = 0.00;
    c5 max(0, 560 − 650) − 50.00 = −50.00. c3 (no one-stop payment) −350.00 as before."""
    docs = [case(*c) for c in FIVE]
    docs[3]["amounts"]["assistance_paid"] = "560.00"
    docs[4]["amounts"]["assistance_paid"] = "650.00"
    saved = office.save({"cases": docs}, operator="李四", office="城关镇医保站").value
    assert [s.result["to_pay"] for s in saved] == ["0.00", "0.00", "350.00", "0.00", "50.00"]
    office.void(saved[1].case_id, "结算单录入错误", operator="李四")
    ids = [s.case_id for s in saved]
    pending = {p["case_id"]: p["difference"] for p in office.pending_resettlements()}
    assert pending == {ids[2]: diff("-350.00"), ids[3]: {**diff("-560.00"), "to_pay": "0.00"},
                       ids[4]: {**diff("-140.00"), "to_pay": "-50.00"}}
    c4 = office.resettle(ids[3], "第2件作废后重算", operator="王审核").value
    c5 = office.resettle(ids[4], "第2件作废后重算", operator="王审核").value
    texts = []
    for done in (c4, c5):
        pdf = tmp_path / f"r{done['resettlement_id']}.pdf"
        office.write_resettlement_receipt(done["resettlement_id"], pdf)
        texts.append(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                    check=True).stdout)
    assert "本经办点不补付也不追回" in texts[0] and "应退 560.00" not in texts[0]
    assert "本次应退 50.00 元" in texts[1] and "应退 伍拾元整" in texts[1]
    assert [r["to_pay"] for r in office.resettlements(ids[3]) + office.resettlements(ids[4])] == ["0.00", "-50.00"]
    said = [r["detail"] for r in office.store.query("SELECT detail FROM audit WHERE action = 'resettle' ORDER BY id")]
    assert "本经办点不补付也不追回" in said[0] and "应退 50.00" in said[1]
    assert {p["case_id"] for p in office.pending_resettlements()} == {ids[2]}


def test_a_record_made_when_to_pay_held_the_four_layers_sum_does_not_reopen_its_case(office):
    """Before to_pay meant only the office's part, a 补差 of a one-stop case recorded the layers' sum:
    c4 (the hospital paid its 560.00 of 医疗救助) got assistance −560.00 and to_pay −560.00, though the
    office had paid it nothing. What the office paid after that record is the replay's to_pay (0.00),
    so c4 is not waiting for another 补差 (of +560.00) after the upgrade."""
    from engine.codec import to_json_text
    from engine.store.resettle import paid, year_differences

    docs = [case(*c) for c in FIVE]
    docs[3]["amounts"]["assistance_paid"] = "560.00"
    saved = office.save({"cases": docs}, operator="李四", office="城关镇医保站").value
    office.void(saved[1].case_id, "结算单录入错误", operator="李四")
    c4 = saved[3].case_id
    (row,) = office.store.query("SELECT person_id, office, office_code FROM cases WHERE id = ?", (c4,))
    (result,) = [r for cid, r, _ in year_differences(office.store, row["person_id"], "wuhan", 2023) if cid == c4]
    assert result["to_pay"] == "0.00" and result["payouts"]["assistance"] == "0.00"
    with office.store.write() as db:   # the record as the earlier version wrote it
        db.execute("INSERT INTO resettlements (case_id, office, office_code, year, seq, number, reason, basic, critical, "
                   "assistance, tilt, hospital_borne, out_of_pocket, to_pay, result, policy_version, operator, "
                   "created_at) VALUES (?, ?, ?, 2023, 6, '2023-000006', '重算', '0.00', '0.00', '-560.00', '0.00', "
                   "'0.00', '560.00', '-560.00', ?, ?, '王审核', '2026-11-30T10:00:00')",
                   (c4, row["office_code"] or row["office"], row["office_code"], to_json_text(result),
                    office.store.book.version))
    assert c4 not in {p["case_id"] for p in office.pending_resettlements()}
    # what the office has paid for c4, the base of any later 补差 of it: nothing (not −560.00)
    assert paid(office.store.db, [c4])[c4]["to_pay"] == Decimal("0.00")
    assert paid(office.store.db, [c4])[c4]["assistance"] == Decimal("0.00")
