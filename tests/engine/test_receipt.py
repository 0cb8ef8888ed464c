"""The receipt PDF: exact amounts, masked ID, embedded font, a QR code that checks out
against the database, 补打 / 作废 / 试算 marks, A4 and A5, long tables over pages."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from engine.receipt import payload
from engine.receipt.make import from_case, from_stored, write
from engine.store import open_store
from engine.store.cases import save_cases, show_case, void_case
from engine.store.verify import verify
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
ID = valid_id("2010-01-01", 123, "220102")
CASE = {"region": "changchun", "date": "2023-05-10",
        "person": {"id_number": ID, "name": "张三", "identities": ["subsistence"]},
        "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
        "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                    "critical_paid": "1200.00"}}


def text_of(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def qr_text(pdf: Path, tmp_path: Path, dpi: int = 150) -> str:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(tmp_path / "page")], check=True)
    for png in sorted(tmp_path.glob("page*.png")):
        found = zxingcpp.read_barcodes(Image.open(png).convert("L"))
        if found:
            return found[0].text
    raise AssertionError("no QR code found")


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "d", daily_backup=False) as s:
        save_cases(s, CASE, operator="李四", office="城关镇医保站")
        yield s


def test_receipt_shows_the_exact_amounts_and_only_the_masked_id(store, tmp_path):
    pdf = tmp_path / "r.pdf"
    write(from_stored(show_case(store, 1), window="3号窗口"), pdf)
    text = text_of(pdf)
    # 长春 二类 尿毒症 住院 (the case-format.md example): 医疗救助 16800.00, 个人自付 4000.00
    for needed in ("医疗保障待遇结算单", "2023-000001", "城关镇医保站", "3号窗口", "李四", "张三",
                   "52000.00", "48000.00", "30000.00", "1200.00", "16800.00", "4000.00",
                   "伍万贰仟元整", "壹万陆仟捌佰元整", "肆仟元整", "低保对象（二类）", "尿毒症",
                   "第十一条", "本年度剩余额度", "13200.00", "经办人", "审核人", "申请人/代领人",
                   ID[:6] + "********" + ID[-4:]):
        assert needed in text, needed
    assert ID not in text
    assert "补打" not in text and "作废" not in text


def test_font_is_embedded_and_nothing_else_is_used(store, tmp_path):
    pdf = tmp_path / "r.pdf"
    write(from_stored(show_case(store, 1)), pdf)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "a font is used"
    for line in fonts:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", line
        assert "WenQuanYi" in name


def test_qr_code_holds_the_stored_values_and_verifies(store, tmp_path):
    pdf = tmp_path / "r.pdf"
    stored = show_case(store, 1)
    write(from_stored(stored), pdf)
    code = payload.parse(qr_text(pdf, tmp_path))
    assert code["no"] == "2023-000001" and code["office"] == "城关镇医保站" and code["case"] == "1"
    assert (code["total"], code["basic"], code["critical"], code["assistance"], code["tilt"], code["oop"]) == \
        ("52000.00", "30000.00", "1200.00", "16800.00", "0.00", "4000.00")
    assert code["format"] == "SCJ/2" and code["hash"] == stored["result_hash"].removeprefix("sha256:")[:12]
    assert (code["id"], code["name"]) == (ID[:6] + "********" + ID[-4:], "张三")
    raw = qr_text(pdf, tmp_path)
    assert verify(store, raw)["ok"]
    tampered = raw.replace("个人自付：4000.00", "个人自付：400.00")
    outcome = verify(store, tampered)
    assert not outcome["ok"] and any("个人自付" in p for p in outcome["problems"])


def test_qr_decodes_at_low_resolution_in_a5(store, tmp_path):
    pdf = tmp_path / "a5.pdf"
    write(from_stored(show_case(store, 1)), pdf, "A5")
    assert payload.parse(qr_text(pdf, tmp_path, dpi=100))["no"] == "2023-000001"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "419.528 x 595.276 pts" in info  # A5


def test_void_and_reprint_marks(store, tmp_path):
    pdf = tmp_path / "r.pdf"
    write(from_stored(show_case(store, 1), reprint=True), pdf)
    assert "补打" in text_of(pdf)
    void_case(store, 1, "结算单金额录入错误", operator="李四")
    write(from_stored(show_case(store, 1)), pdf)
    text = text_of(pdf)
    assert "作废" in text and "结算单金额录入错误" in text


def test_trial_receipt_is_marked_and_has_no_number(tmp_path):
    pdf = tmp_path / "t.pdf"
    write(from_case(CASE, office="城关镇医保站"), pdf)
    text = text_of(pdf)
    assert "试算" in text and "16800.00" in text and "2023-0000" not in text


def test_long_step_lists_continue_on_the_next_page_with_the_header(store, tmp_path):
    stored = show_case(store, 1)
    long_text = "很长的计算说明，" * 30
    stored["result"]["steps"] = [{"layer": "assistance", "text": f"第 {i} 步：{long_text}", "amount": None,
                                  "source": "第十一条"} for i in range(60)] + stored["result"]["steps"]
    pdf = tmp_path / "long.pdf"
    write(from_stored(stored), pdf, "A5")
    pages = page_count(pdf)
    assert pages >= 4
    for page in (2, 3):
        assert "项目" in text_of(pdf, page) and "金额（元）" in text_of(pdf, page)  # the header repeats
    assert "第 59 步" in text_of(pdf) and "16800.00" in text_of(pdf)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_receipt_commands(tmp_path):
    data = tmp_path / "d"
    case_file = tmp_path / "c.json"
    case_file.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    assert _cli("cases", "--data-dir", str(data), "save", str(case_file)).returncode == 0
    first = _cli("cases", "--data-dir", str(data), "receipt", "1", "-o", str(tmp_path / "1.pdf"))
    assert first.returncode == 0, first.stderr
    assert "补打" not in text_of(tmp_path / "1.pdf")
    again = _cli("cases", "--data-dir", str(data), "receipt", "1", "-o", str(tmp_path / "2.pdf"), "--reprint")
    assert again.returncode == 0 and "补打" in text_of(tmp_path / "2.pdf")
    shown = json.loads(_cli("cases", "--data-dir", str(data), "show", "1", "--json").stdout)
    assert [p["reprint"] for p in shown["prints"]] == [False, True]
    code = qr_text(tmp_path / "2.pdf", tmp_path)
    ok = _cli("cases", "--data-dir", str(data), "verify", code)
    assert ok.returncode == 0 and "真实有效" in ok.stdout
    missing = _cli("cases", "--data-dir", str(data), "receipt", "9", "-o", str(tmp_path / "9.pdf"))
    assert missing.returncode == 2 and not (tmp_path / "9.pdf").exists()
    trial = _cli("receipt", str(case_file), "-o", str(tmp_path / "t.pdf"), "--layout", "A5")
    assert trial.returncode == 0 and "试算" in text_of(tmp_path / "t.pdf")
    (tmp_path / "show.json").write_text(json.dumps(shown, ensure_ascii=False), encoding="utf-8")
    from_show = _cli("receipt", str(tmp_path / "show.json"), "-o", str(tmp_path / "s.pdf"))
    # a case as `show --json` prints it (editable by anyone) is only ever a trial: no receipt number, no record
    assert from_show.returncode == 0 and "试算" in text_of(tmp_path / "s.pdf")
    assert "2023-000001" not in text_of(tmp_path / "s.pdf")
    assert json.loads(_cli("cases", "--data-dir", str(data), "show", "1", "--json").stdout)["prints"] == shown["prints"]
    bad = _cli("receipt", str(case_file), "-o", str(tmp_path / "no" / "such" / "x.pdf"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
