"""A wizard page's form: each field with its label and, next to it, the reason it is wrong."""
from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

ERROR_STYLE = "color: #C00000;"
FIELD_ERROR_STYLE = "border: 1px solid #C00000;"


class FormPage(QWidget):
    """Rows of (label, field, error). `fields` maps the engine's field names (amounts.total, …)
    to widgets so an engine InputError lands next to the right field."""

    title = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(8)
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self._row = 0

    def add_row(self, key: str, label: str, widget: QWidget, hint: str = "") -> QWidget:
        text = QLabel(label)
        text.setBuddy(widget)
        error = QLabel(hint)
        error.setObjectName(f"error-{key}")
        error.setWordWrap(True)
        error.setProperty("hint", hint)
        error.setStyleSheet("color: #666666;")
        self.grid.addWidget(text, self._row, 0)
        self.grid.addWidget(widget, self._row, 1)
        self.grid.addWidget(error, self._row, 2)
        self.errors[key] = error
        self.fields[key] = widget
        self._row += 1
        return widget

    def add_wide(self, widget: QWidget) -> None:
        self.grid.addWidget(widget, self._row, 0, 1, 3)
        self._row += 1

    def clear_errors(self) -> None:
        for key, label in self.errors.items():
            label.setText(label.property("hint") or "")
            label.setStyleSheet("color: #666666;")
            self.fields[key].setStyleSheet("")

    def show_error(self, key: str, reason: str, *, focus: bool = True) -> None:
        label = self.errors[key]
        label.setText(reason)
        label.setStyleSheet(ERROR_STYLE)
        self.fields[key].setStyleSheet(FIELD_ERROR_STYLE)
        if focus:
            self.fields[key].setFocus()

    def clear_on_edit(self, key: str, edit: QLineEdit) -> None:
        """Editing the field takes its old error away at once."""
        edit.textEdited.connect(lambda _text: self.clear_error(key))

    def clear_error(self, key: str) -> None:
        """The field was edited: its old reason goes (the hint comes back)."""
        label = self.errors[key]
        label.setText(label.property("hint") or "")
        label.setStyleSheet("color: #666666;")
        self.fields[key].setStyleSheet("")

    def error_text(self, key: str) -> str:
        return self.errors[key].text()

    def owner_of(self, field: str) -> str | None:
        """The key of this page's field an engine field name (e.g. amounts.policy_scope) belongs to."""
        for key in sorted(self.fields, key=len, reverse=True):
            if field == key or field.startswith(key + ".") or field.startswith(key + "["):
                return key
        return None
