"""`python -m engine cases ...` (store-cli.md): output, exit status, messages."""
import json
from pathlib import Path

from engine.calculate import calculate
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
ID = valid_id("1975-08-08", 4)


def case(date, total="5500.00", scope="5000.00", basic="3500.00"):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": ID, "name": "赵六", "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


def test_save_prints_one_line_per_case_and_equals_calc(run):
    year = [case("2023-02-01"), case("2023-05-01", "12000.00", "11000.00", "7000.00"), case("2023-11-01")]
    proc = run("save", "-", "--operator", "李四", "--office", "城关镇", stdin=json.dumps({"cases": year}))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["receipt_no"] for line in lines] == ["2023-000001", "2023-000002", "2023-000003"]
    assert [line["case_id"] for line in lines] == [1, 2, 3]
    assert [line["result"] for line in lines] == calculate({"cases": year})["results"]
    listed = json.loads(run("list", "--json").stdout)
    assert [set(r) for r in listed] == [{"case_id", "receipt_no", "id_number", "name", "region", "date", "void",
                                         "payouts", "out_of_pocket"}] * 3
    assert [r["payouts"] for r in listed] == [line["result"]["payouts"] for line in lines]
    assert listed[0]["id_number"] == ID[:6] + "********" + ID[-4:]


def test_save_bad_input_exits_2_and_saves_nothing(run, tmp_path):
    bad = case("2023-05-01")
    bad["person"]["id_number"] = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    proc = run("save", "-", stdin=json.dumps({"cases": [case("2023-02-01"), bad]}))
    assert proc.returncode == 2
    assert "cases[1].person.id_number" in proc.stderr and "校验位" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert json.loads(run("list", "--json", "--include-void").stdout) == []


def test_void_show_and_refusals(run):
    run("save", "-", stdin=json.dumps(case("2023-02-01")))
    assert run("void", "1").returncode == 2  # --reason is required
    proc = run("void", "1", "--reason", "录入错误", "--operator", "王五")
    assert proc.returncode == 0 and "已作废" in proc.stdout
    again = run("void", "1", "--reason", "再次")
    assert again.returncode == 2 and "不能重复作废" in again.stderr
    missing = run("void", "42", "--reason", "x")
    assert missing.returncode == 2 and "没有编号为 42 的案件" in missing.stderr
    shown = json.loads(run("show", "1", "--json").stdout)
    assert shown["void"] is True and shown["void_reason"] == "录入错误" and shown["receipt_no"] == "2023-000001"
    assert [a["action"] for a in shown["audit"]] == ["save", "void"]
    text = run("show", "1").stdout
    assert "【已作废】" in text and "计算过程" in text and ID not in text
    assert json.loads(run("list", "--json").stdout) == []
    assert len(json.loads(run("list", "--json", "--include-void").stdout)) == 1


def test_ledger_json(run):
    run("save", "-", stdin=json.dumps({"cases": [case("2023-02-01"), case("2023-05-01")]}))
    ledger = json.loads(run("ledger", ID, "--year", "2023", "--json").stdout)
    caps = {c["key"]: c for c in ledger["regions"][0]["caps"]}
    assert caps["assist.cap"]["used"] == "2400.00"
    assert caps["assist.cap"]["source"].startswith("武政规〔2023〕1号")
    text = run("ledger", ID, "--year", "2023").stdout
    assert "已用 2400.00" in text
    nobody = run("ledger", valid_id("1999-09-09", 9), "--year", "2023")
    assert nobody.returncode == 2 and "没有身份证号" in nobody.stderr
    bad = run("ledger", "123", "--year", "2023")
    assert bad.returncode == 2 and "18位" in bad.stderr


def test_check_backup_and_unknown_command(run, tmp_path):
    assert run("check").returncode == 0
    proc = run("backup")
    assert proc.returncode == 0 and "已备份到" in proc.stdout
    assert run("frobnicate").returncode == 2
    target = tmp_path / "b.sqlite3"
    assert run("backup", "-o", str(target)).returncode == 0
    again = run("backup", "-o", str(target))
    assert again.returncode == 2 and "不会覆盖" in again.stderr


def test_readme_lists_every_cases_subcommand():
    from engine.cli import build_parser

    parser = build_parser()
    cases = parser._subparsers._group_actions[0].choices["cases"]
    names = cases._subparsers._group_actions[0].choices
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in names if f"cases {n}" not in readme and f"cases [--data-dir DIR] {n}" not in readme]
    assert not missing, f"README.md does not show: {missing}"
