"""Step 4 结果: one row per layer with its amount (and 大写), under each the steps with their
arithmetic and clause — click a clause to read the document's own sentence — the year's caps
after this case, and every warning or unverified parameter highlighted."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from engine.breakdown import NAMES, StepLine, breakdown
from engine.case import IDENTITIES, age_on, birth_from_id, mask_id
from engine.explain import clause_texts
from engine.money import fmt
from engine.region_registry import REGIONS
from engine.receipt.capitals import capitals
from engine.summary import plain_sentence

LAYER_COLOR = "#EEF2F7"
WARN_BG = "#FFF4CE"


def _row(label: str, amount: Decimal, strong: bool = False) -> str:
    weight = "font-weight:bold;" if strong else ""
    return (f"<tr style='background:{LAYER_COLOR};{weight}'><td>{escape(label)}</td>"
            f"<td align='right'>{fmt(amount)}</td><td>{capitals(amount)}</td></tr>")


class ResultPage(QWidget):
    title = "结果"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.sentence = QLabel()   # what the clerk reads aloud to the resident, before the table
        self.sentence.setObjectName("result_sentence")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence.setStyleSheet(f"font-size: 15px; padding: 6px; background: {LAYER_COLOR};")
        layout.addWidget(self.sentence)
        self.banner = QLabel()
        self.banner.setObjectName("result_banner")
        self.banner.setWordWrap(True)
        layout.addWidget(self.banner)
        split = QSplitter()
        self.breakdown = QTextBrowser()
        self.breakdown.setObjectName("breakdown")
        self.breakdown.setOpenLinks(False)
        self.breakdown.anchorClicked.connect(self._clicked)
        self.clause = QTextBrowser()
        self.clause.setObjectName("clause")
        self.clause.setHtml("<p style='color:#666'>点击计算步骤后的〔条款〕，在此查看文件原文。</p>")
        split.addWidget(self.breakdown)
        split.addWidget(self.clause)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.doc: dict = {}
        self.result: dict = {}
        self.sources: list[str] = []

    def show_result(self, doc: dict, result: dict, office: str = "") -> None:
        self.doc, self.result, self.sources = doc, result, []
        self.sentence.setText(plain_sentence(doc, result, office=office))
        person = doc["person"]
        day = dt.date.fromisoformat(doc["date"])
        age = f"　{age_on(birth_from_id(person['id_number']), day)} 岁（结算日期时）" if person.get("id_number") else ""
        used = IDENTITIES.get(result["identity_used"] or "", "普通参保人员")
        klass = f"（{result['assistance_class']}）" if result.get("assistance_class") else ""
        why = "　持有多个身份，按支付最多的一个计算（就高不重复）" if len(person.get("identities", [])) > 1 else ""
        self.banner.setText(f"<b>{escape(person['name'])}</b>　{mask_id(person['id_number'])}{age}　"
                            f"{REGIONS[doc['region']]}　结算日期 {doc['date']}　按<b>{used}{klass}</b>计算{why}")
        self.breakdown.setHtml(self._html())
        self.clause.setHtml("<p style='color:#666'>点击计算步骤后的〔条款〕，在此查看文件原文。</p>")

    def _step_rows(self, steps: tuple[StepLine, ...]) -> str:
        out = []
        for step in steps:
            self.sources.append(step.source)
            link = f"<a href='clause:{len(self.sources) - 1}'>〔{escape(step.source)}〕</a>"
            out.append(f"<tr><td colspan='3' style='color:#333;padding-left:16px'>· {escape(step.text)} {link}</td></tr>")
        return "".join(out)

    def _html(self) -> str:
        b = breakdown(self.doc, self.result)
        parts = ["<table width='100%' cellspacing='0' cellpadding='4' border='1' style='border-color:#999'>",
                 "<tr><th align='left'>项目</th><th align='right'>金额（元）</th><th align='left'>大写</th></tr>",
                 _row(NAMES["total"], b.total), _row(NAMES["policy_scope"], b.policy_scope)]
        for row in b.rows:
            if row.amount is not None:
                parts.append(_row(row.name, row.amount, strong=row.amount > 0 or row.key == "out_of_pocket"))
            parts.append(self._step_rows(row.steps))
        parts.append("</table>")
        if b.caps:
            parts.append("<h4>本年度额度（本次结算后）</h4><table width='100%' cellspacing='0' cellpadding='3' border='1'>"
                         "<tr><th align='left'>额度</th><th align='right'>年度限额</th><th align='right'>已用</th>"
                         "<th align='right'>剩余</th><th align='left'>依据</th></tr>")
            parts += [f"<tr><td>{escape(c.name)}</td><td align='right'>{fmt(c.limit)}</td><td align='right'>{fmt(c.used)}</td>"
                      f"<td align='right'>{fmt(c.left)}</td><td>{escape(c.source)}</td></tr>" for c in b.caps]
            parts.append("</table>")
        if b.warnings:
            parts.append(f"<h4>提示与预警</h4><table width='100%' cellpadding='4' style='background:{WARN_BG}'>")
            parts += [f"<tr><td style='color:#C00000'><b>【{w.tag}】</b>{escape(w.text)}</td></tr>" for w in b.warnings]
            parts.append("</table>")
        return "".join(parts)

    def _clicked(self, url: QUrl) -> None:
        if url.scheme() == "clause":
            self.show_clause(int(url.path()))

    def show_clause(self, index: int) -> None:
        source = self.sources[index]
        day = dt.date.fromisoformat(self.doc["date"])
        texts = clause_texts(self.doc["region"], day, source)
        html = [f"<h4>{escape(source)}</h4>"]
        if not texts:
            html.append("<p>该依据为结算单金额或本系统的汇总，文件中没有对应的原文。</p>")
        for t in texts:
            html.append(f"<p><b>{escape(t['citation'])}</b>（{t['kind']}）<br>{escape(t['text'])}</p>")
        self.clause.setHtml("".join(html))
