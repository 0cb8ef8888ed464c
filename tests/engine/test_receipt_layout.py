"""The receipt as the resident meets it: one page for an ordinary case on A4 and on A5, pages
counted ("第 1 页 共 2 页") when more is needed with the signatures, QR and totals on the last,
amounts no smaller than 9 pt, one plain sentence at the top, no internal notes on the resident's
copy (the office copy, 存根, has them), and a QR text a phone shows readably."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from engine.receipt import payload
from engine.receipt.make import from_stored, write
from engine.store import open_store
from engine.store.cases import save_cases, show_case
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SANCHONG_SHARED", ROOT.parent / "shared"))
EXAMPLES = sorted((SHARED / "spec" / "examples").glob("*.json"))
# A 600-yuan 垫江 outpatient case (it spilled onto a second sheet on A4 and A5).
DIANJIANG_600 = {"region": "dianjiang", "date": "2023-05-01",
                 "person": {"id_number": valid_id(seq=9, area="500231"), "name": "张小红", "identities": ["subsistence"]},
                 "visit": {"kind": "outpatient_general", "hospital_level": 1},
                 "amounts": {"total": "600.00", "policy_scope": "550.00"}}
AMOUNT = re.compile(r"^\d+\.\d\d$")


def ordinary_cases() -> dict[str, dict]:
    assert len(EXAMPLES) == 4, f"the four public examples in {SHARED / 'spec' / 'examples'} (set SANCHONG_SHARED)"
    out = {}
    for i, path in enumerate(EXAMPLES):
        doc = json.loads(path.read_text(encoding="utf-8"))["input"]
        doc["person"] = {**doc["person"], "id_number": valid_id(seq=i + 1), "name": "王秀英"}
        out[path.stem] = doc
    out["dianjiang-600-outpatient"] = DIANJIANG_600
    return out


CASES = ordinary_cases()


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def text_of(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """Text without whitespace (pdftotext drops the spaces between CJK and digits)."""
    return "".join(text.split())


def words(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float]]:
    """(text, xMin, yMax, height) of each word on a page, from pdftotext -bbox (height ≈ font size)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    return [(w, float(x0), float(y1), float(y1) - float(y0)) for x0, y0, _, y1, w in found]


def qr_texts(pdf: Path, tmp_path: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "qr")], check=True)
    return [code.text for png in sorted(tmp_path.glob("qr*.png"))
            for code in zxingcpp.read_barcodes(Image.open(png).convert("L"))]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    with open_store(tmp_path_factory.mktemp("d"), daily_backup=False) as store:
        ids = {name: save_cases(store, doc, operator="李四", office="城关镇医保站")[0].case_id for name, doc in CASES.items()}
        yield {name: show_case(store, case_id) for name, case_id in ids.items()}


@pytest.mark.parametrize("layout", ["A4", "A5"])
@pytest.mark.parametrize("name", list(CASES))
def test_an_ordinary_case_fits_one_page(stored, tmp_path, name, layout):
    pdf = tmp_path / "r.pdf"
    write(from_stored(stored[name]), pdf, layout)
    assert pages(pdf) == 1
    text = flat(text_of(pdf))
    for needed in ("第1页共1页", "经办人", "申请人/代领人", "扫码可见回执要点；真伪由经办机构核验",
                   stored[name]["receipt_no"], stored[name]["result"]["out_of_pocket"]):
        assert needed in text, needed


@pytest.mark.parametrize("layout", ["A4", "A5"])
def test_amounts_are_at_least_9_pt(stored, tmp_path, layout):
    pdf = tmp_path / "r.pdf"
    write(from_stored(stored["dianjiang-600-outpatient"]), pdf, layout)
    seen = words(pdf)
    left = next(x for w, x, _, _ in seen if w == "项目")  # the amount table's first column
    labels = ("医疗总费用", "政策范围内费用", "基本医保", "大病保险", "医疗救助", "个人自付")
    checked = []
    for label in labels:
        rows = [y for w, x, y, _ in seen if w == label and abs(x - left) < 1]
        cells = [(w, h) for w, _, y, h in seen if AMOUNT.match(w) and any(abs(y - row) < 1.5 for row in rows)]
        assert cells, label   # the label's row in the amount table, with its amount
        checked += cells
    assert {w for w, _ in checked} >= {"600.00", "550.00", "275.00", "0.00", "165.00", "160.00"}
    assert min(h for _, h in checked) >= 8.95, checked


def test_resident_copy_has_no_internal_notes_and_the_office_copy_follows_with_them(stored, tmp_path):
    case = stored["dianjiang-600-outpatient"]
    assert any(w.startswith("未核实参数") for w in case["result"]["warnings"])  # the office's notes exist
    resident = tmp_path / "r.pdf"
    write(from_stored(case), resident, "A5")
    text = text_of(resident)
    assert "待核实" not in text and "未核实" not in text and "本地取值" not in text and "存根" not in text
    assert "如负担较重" in text  # a note for the resident stays
    both = tmp_path / "both.pdf"
    write(from_stored(case), both, "A5", office_copy=True)
    n = pages(both)
    assert n >= 2 and "待核实" not in text_of(both, 1) and "存根" not in text_of(both, 1)
    office = "".join(text_of(both, page) for page in range(2, n + 1))
    assert "存根" in office and "【待核实】未核实参数" in office and "本地取值" in office
    assert case["receipt_no"] in office and f"存根回执号{case['receipt_no']}第1页共{n - 1}页" in flat(office)


def test_a_plain_sentence_at_the_top_of_the_receipt(stored, tmp_path):
    pdf = tmp_path / "r.pdf"
    write(from_stored(stored["dianjiang-600-outpatient"]), pdf, "A4")
    flat = "".join(text_of(pdf).split())
    sentence = ("医疗总费用600.00元，其中基本医保报销275.00元、医疗救助165.00元，您个人负担160.00元；"
                "城关镇医保站本次应支付您165.00元（医疗救助），审核后发放。")
    assert sentence in flat
    assert flat.index(sentence) < flat.index("费用与各项支付")


def test_a_long_case_counts_its_pages_and_ends_with_totals_signatures_and_qr(stored, tmp_path):
    case = json.loads(json.dumps(stored["changchun-special-disease"]))
    case["result"]["steps"] = [{"layer": "assistance", "text": f"第 {i} 步：" + "很长的计算说明，" * 20, "amount": None,
                                "source": "第十一条"} for i in range(25)] + case["result"]["steps"]
    pdf = tmp_path / "long.pdf"
    write(from_stored(case), pdf, "A5")
    n = pages(pdf)
    assert n >= 2
    for page in range(1, n + 1):
        text = flat(text_of(pdf, page))
        assert f"第{page}页共{n}页" in text and case["receipt_no"] in text
    last = flat(text_of(pdf, n))
    p = case["result"]["payouts"]
    assert "申请人/代领人" in last and "审核人" in last
    assert f"个人自付{case['result']['out_of_pocket']}" in last and f"医疗救助{p['assistance']}" in last
    assert all("申请人/代领人" not in text_of(pdf, page) for page in range(1, n))
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(n), "-l", str(n), str(pdf), str(tmp_path / "last")],
                   check=True)
    found = [c.text for png in tmp_path.glob("last*.png") for c in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
    assert found and payload.parse(found[0])["no"] == case["receipt_no"]


def test_the_qr_text_reads_in_chinese_on_a_phone(stored, tmp_path):
    case = stored["wuhan-general-class2"]
    pdf = tmp_path / "r.pdf"
    write(from_stored(case), pdf, "A5")
    [text] = qr_texts(pdf, tmp_path)
    lines = text.splitlines()
    assert lines[0] == "医疗保障待遇结算单 SCJ/2"
    assert f"回执号：{case['receipt_no']}" in lines and "经办机构：城关镇医保站" in lines
    assert f"案件编号：{case['case_id']}" in lines and "姓名：王秀英" in lines
    assert f"身份证号：{case['id_number'][:6]}********{case['id_number'][-4:]}" in lines
    assert case["id_number"] not in text
    assert {"医疗总费用：5500.00", "基本医保：3500.00", "医疗救助：1200.00", "倾斜救助：0.00", "个人自付：800.00"} <= set(lines)
    assert f"校验码：{case['result_hash'].removeprefix('sha256:')[:12]}" in lines
