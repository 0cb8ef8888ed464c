"""Printing a saved case's receipt through Qt, with a preview, on a PC without any PDF reader.

The receipt is the engine's PDF (engine.receipt); QtPdf renders each of its pages to an
image (on white: QPdfDocument renders onto a transparent background), and the image is
painted onto the printer. One function, `paint_document`, does that for the preview, for
the printer the clerk chose, and for the PDF file the tests print to.

A case printed before is printed again as 补打 (reprint), whatever the caller asks, as
`python -m engine cases receipt` does. Each print is recorded (record_print), and the
printer used is remembered in the settings.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QKeySequence, QPageLayout, QPageSize, QPainter, \
    QPaintEngine, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog, QGraphicsView, QHBoxLayout, QLabel, QPushButton, QToolBar, QVBoxLayout, QWidget

from engine.errors import InputError

from .errors import show_error
from .session import Session

PAPERS = {"A4": QPageSize.PageSizeId.A4, "A5": QPageSize.PageSizeId.A5}
MIN_DPI = 200        # never print a receipt coarser than this (QR code, small print)
MAX_DPI = 300        # an A4 page at 300 dpi is a 35 MB image; more only costs memory and time
PREVIEW_DPI = 200    # the preview shows the same image, at the lowest print resolution


class PrintError(InputError):
    """The printer could not be used: nothing was printed and nothing recorded."""

    def __init__(self, zh: str, en: str):
        super().__init__("printer", zh, en)


def paper_of(session: Session) -> str:
    paper = session.setting("paper")
    return paper if paper in PAPERS else "A4"


def already_printed(session: Session, case_id: int) -> bool:
    return bool(session.office.case(case_id)["prints"])


def receipt_pdf(session: Session, case_id: int, *, reprint: bool) -> Path:
    """The receipt PDF of a saved case in a temporary file (the caller deletes it): the resident's
    copy, then the office's copy (存根) when the settings ask for it."""
    fd, name = tempfile.mkstemp(prefix="receipt-", suffix=".pdf")
    os.close(fd)
    path = Path(name)
    try:
        session.office.write_receipt(case_id, path, layout=paper_of(session), reprint=reprint,
                                     office_copy=session.office_copy)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def load_pdf(path: Path, parent=None, *, delete: bool = True) -> QPdfDocument:
    """A QPdfDocument of the file, read into memory (so the file can go at once, even on Windows)."""
    data = Path(path).read_bytes()
    if delete:
        Path(path).unlink(missing_ok=True)
    document = QPdfDocument(parent)
    buffer = QBuffer(document)           # lives as long as the document
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise PrintError(f"回执无法显示（{document.error().name}），请重试；如仍出错，请联系管理员",
                         f"the receipt cannot be rendered ({document.error().name})")
    return document


def make_printer(session: Session, *, output: str | Path | None = None) -> QPrinter:
    """A printer set up for the receipt: the remembered printer if it is installed (else the
    system's default), the paper of the settings, portrait, the whole sheet as the page (the
    receipt PDF has its own margins). With `output`, a PDF file instead of a printer."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if output is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output))
    else:
        name = session.setting("printer")
        if name and name in QPrinterInfo.availablePrinterNames():
            printer.setPrinterName(name)
    printer.setDocName("医疗保障待遇结算单")
    printer.setPageSize(QPageSize(PAPERS[paper_of(session)]))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    return printer


def render_dpi(painter: QPainter, printer: QPrinter) -> int:
    if painter.paintEngine() is not None and painter.paintEngine().type() == QPaintEngine.Type.Picture:
        return PREVIEW_DPI   # QPrintPreviewWidget records the pages as pictures
    return max(MIN_DPI, min(printer.resolution(), MAX_DPI))


def page_image(document: QPdfDocument, page: int, dpi: int) -> QImage:
    """One page of the PDF as an opaque image at `dpi`, painted on white."""
    points = document.pagePointSize(page)
    size = QSize(max(1, round(points.width() / 72 * dpi)), max(1, round(points.height() / 72 * dpi)))
    rendered = document.render(page, size)
    if rendered.isNull():
        raise PrintError(f"回执第 {page + 1} 页无法生成图像（内存不足？），请关闭其他程序后重试",
                         f"page {page + 1} of the receipt could not be rendered")
    image = QImage(size, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def paint_pages(document: QPdfDocument, printer: QPrinter, painter: QPainter) -> None:
    """Every page of the PDF onto the printer's pages, each scaled to fit the page, centred."""
    dpi = render_dpi(painter, printer)
    for page in range(document.pageCount()):
        if page:
            printer.newPage()
        image = page_image(document, page, dpi)
        target = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
        target.moveTo(0, 0)  # painter coordinates start at the page's corner
        scale = min(target.width() / image.width(), target.height() / image.height())
        size = QSizeF(image.width() * scale, image.height() * scale)
        rect = QRectF(target.x() + (target.width() - size.width()) / 2, target.y(), size.width(), size.height())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(rect, image)


def paint_document(document: QPdfDocument, printer: QPrinter) -> None:
    """Print the whole document on `printer` (a real printer, a PDF file or the preview)."""
    painter = QPainter()
    if not painter.begin(printer):
        name = printer.printerName() or printer.outputFileName() or "默认打印机"
        raise PrintError(f"无法使用打印机 {name}：请检查打印机已开机、已连接，或在打印对话框中换一台打印机",
                         f"cannot print on {name}")
    try:
        paint_pages(document, printer, painter)
    finally:
        painter.end()


def finish_print(session: Session, case_id: int, *, reprint: bool, printer_name: str = "") -> None:
    """Record the print (补打 when `reprint`) and remember the printer (the pages hear it from the office)."""
    session.office.record_print(case_id, operator=session.operator, reprint=reprint)
    if printer_name and printer_name != session.setting("printer"):
        session.set_settings({"printer": printer_name})


def print_to_pdf(session: Session, case_id: int, out_path: str | Path, *, reprint: bool = False) -> bool:
    """Print the receipt, as the preview's 打印 does, to a PDF file instead of a printer (no
    dialog). Recorded like any print; returns whether it was a reprint (补打)."""
    reprint = reprint or already_printed(session, case_id)
    document = load_pdf(receipt_pdf(session, case_id, reprint=reprint))
    try:
        paint_document(document, make_printer(session, output=out_path))
    finally:
        document.close()
        document.deleteLater()
    finish_print(session, case_id, reprint=reprint)
    return reprint


def printer_label(printer: QPrinter) -> str:
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return f"PDF 文件 {printer.outputFileName()}" if printer.outputFileName() else "未找到打印机（可在打印对话框中选择）"
    return printer.printerName() or "系统默认打印机"


class ReceiptPreview(QDialog):
    """打印预览: the receipt as it will print, zoom and pages, 打印… and 关闭.

    `printed` tells afterwards whether it was printed; the dialog is accepted then."""

    def __init__(self, session: Session, case_id: int, *, reprint: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        stored = session.office.case(case_id)
        self.receipt_no = stored["receipt_no"]
        self.reprint = reprint or bool(stored["prints"])
        self.paper = paper_of(session)
        self.printed = False
        self.document = load_pdf(receipt_pdf(session, case_id, reprint=self.reprint), self)
        self.printer = make_printer(session)
        self.setObjectName("receiptPreview")
        self.setWindowTitle(f"打印预览 — 回执 {self.receipt_no}" + ("（补打）" if self.reprint else ""))
        self.resize(900, 820)

        self.preview = QPrintPreviewWidget(self.printer, self)
        self.preview.setObjectName("previewWidget")
        self.preview.paintRequested.connect(self._paint_preview)
        self.preview.previewChanged.connect(self._update_page_label)

        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addAction("适合页面", self.preview.fitInView)
        bar.addAction("适合宽度", self.preview.fitToWidth)
        bar.addAction("放大", self.preview.zoomIn)
        bar.addAction("缩小", self.preview.zoomOut)
        bar.addSeparator()
        bar.addAction("上一页", lambda: self.go_to_page(self.preview.currentPage() - 1))
        bar.addAction("下一页", lambda: self.go_to_page(self.preview.currentPage() + 1))
        self.page_label = QLabel()
        self.page_label.setContentsMargins(8, 0, 8, 0)
        bar.addWidget(self.page_label)

        info = QLabel(f"回执号 {self.receipt_no}　纸张 {self.paper}　打印机：{printer_label(self.printer)}")
        info.setObjectName("previewInfo")
        info.setWordWrap(True)
        self.info = info
        mark = QLabel("补打：本案件的回执已打印过，本次打印标注“补打”并记录" if self.reprint else "")
        mark.setStyleSheet("color: #C00000;")
        mark.setVisible(self.reprint)
        self.print_button = QPushButton("打印…")
        self.print_button.setDefault(True)
        self.print_button.setToolTip("选择打印机并打印（Ctrl+P）")
        self.print_button.clicked.connect(self.choose_printer_and_print)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.choose_printer_and_print)

        bottom = QHBoxLayout()
        text = QVBoxLayout()
        text.addWidget(info)
        text.addWidget(mark)
        bottom.addLayout(text, 1)
        bottom.addWidget(self.print_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addWidget(self.preview, 1)
        layout.addLayout(bottom)
        view = self.preview.findChild(QGraphicsView)   # scrolling changes the current page too
        if view is not None:
            view.verticalScrollBar().valueChanged.connect(self._update_page_label)
        self.preview.fitToWidth()
        self.preview.updatePreview()   # the pages exist from now on (pageCount), shown or not

    def _paint_preview(self, printer: QPrinter) -> None:
        try:
            paint_document(self.document, printer)
        except Exception as exc:  # a slot must not raise; the preview stays empty
            self.page_label.setText(f"预览失败：{exc}")

    def go_to_page(self, page: int) -> None:
        self.preview.setCurrentPage(max(1, min(page, self.preview.pageCount())))
        self._update_page_label()

    def _update_page_label(self) -> None:
        self.page_label.setText(f"第 {self.preview.currentPage()} / {self.preview.pageCount()} 页")

    def choose_printer_and_print(self) -> None:
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle("打印回执")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_now()

    def print_now(self) -> bool:
        """Print on the dialog's printer as it is set now (no dialog), record it, close."""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            paint_document(self.document, self.printer)
        except Exception as exc:
            QGuiApplication.restoreOverrideCursor()
            show_error(self, exc, "打印未完成")
            return False
        QGuiApplication.restoreOverrideCursor()
        self.printed = True  # on paper even if recording it fails below
        name = self.printer.printerName() if self.printer.outputFormat() == QPrinter.OutputFormat.NativeFormat else ""
        try:
            finish_print(self.session, self.case_id, reprint=self.reprint, printer_name=name)
        except Exception as exc:
            show_error(self, exc, "回执已打印，但打印记录未保存")
        self.accept()
        return True


def print_receipt(parent: QWidget | None, session: Session, case_id: int, *, reprint: bool = False) -> bool:
    """Open the preview of the case's receipt; True if the clerk printed it. A case printed
    before is printed as 补打 whatever `reprint` says."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        dialog = ReceiptPreview(session, case_id, reprint=reprint, parent=parent)
    except Exception as exc:
        QGuiApplication.restoreOverrideCursor()
        show_error(parent, exc, "无法生成回执")
        return False
    QGuiApplication.restoreOverrideCursor()
    try:
        dialog.exec()
        return dialog.printed
    finally:
        dialog.deleteLater()
