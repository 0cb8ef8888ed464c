"""One case, four views — the receipt (pdftotext), the result page, the case detail and
`cases show` — all show the same layer names and amounts: those of engine/breakdown.py."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from ids import valid_id
from PySide6.QtGui import QTextDocument

from engine.breakdown import breakdown
from engine.money import fmt
from engine.receipt.make import from_stored, write
from engine.store import open_store
from engine.store.cases import save_cases, show_case
from gui.cases_page import detail_html
from gui.fonts import install_font
from gui.wizard.result import ResultPage

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = Path(os.environ.get("SANCHONG_SHARED", ROOT.parent / "shared")) / "spec/examples/wuhan-rural-hospital-borne.json"


@pytest.fixture
def saved(tmp_path, qapp):
    """The 武汉 rural example (医疗机构承担 7000.00, a note and unverified parameters), saved."""
    install_font(qapp)
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))["input"]
    doc["person"].update(id_number=valid_id("1960-03-03", 7, "420102"), name="赵六")
    with open_store(tmp_path / "d", daily_backup=False) as store:
        [case] = save_cases(store, doc, operator="李四", office="城关镇医保站")
        return doc, show_case(store, case.case_id)


def plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def test_the_four_views_show_the_same_layer_names_and_amounts(saved, qtbot, tmp_path, run):
    doc, stored = saved
    pdf = tmp_path / "r.pdf"
    write(from_stored(stored), pdf, office_copy=True)   # the resident's copy, then the office's (存根, with the notes)
    page = ResultPage()
    qtbot.addWidget(page)
    page.show_result(doc, stored["result"])
    shown = run("show", str(stored["case_id"]))
    assert shown.returncode == 0, shown.stderr
    views = {
        "receipt": subprocess.run(["pdftotext", "-layout", "-f", "2", str(pdf), "-"], capture_output=True,
                                  text=True, check=True).stdout,
        "result page": page.breakdown.toPlainText(),
        "case detail": plain(detail_html(stored)),
        "cases show": shown.stdout,
    }
    b = breakdown(doc, stored["result"])
    lines = [(row.name, fmt(row.amount)) for row in b.rows if row.amount is not None]
    assert lines == [("基本医保", "50000.00"), ("大病保险", "15000.00"), ("医疗救助", "16000.00"),
                     ("倾斜救助/再救助/托底", "0.00"), ("医疗机构承担", "7000.00"), ("个人自付", "12000.00")]
    assert {w.tag for w in b.warnings} == {"提示", "待核实"}
    for view, text in views.items():
        for name, amount in [("医疗总费用", "100000.00"), *lines]:
            assert name in text and amount in text, (view, name, amount)
        for w in b.warnings:
            assert f"【{w.tag}】" in text, (view, w)
    # where a view sets a layer's amount beside its name, it is that layer's amount
    for view in ("receipt", "result page", "cases show"):
        for name, amount in lines:
            assert re.search(rf"{re.escape(name)}\s+{re.escape(amount)}", views[view]), (view, name)
