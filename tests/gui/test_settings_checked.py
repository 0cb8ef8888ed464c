"""Settings are input too: the office, window and operator are checked like every other value,
the reason shown beside the field and nothing saved."""
from __future__ import annotations

import pytest

from engine.office import Office
from gui.session import Session
from gui.settings_page import SettingsPage


@pytest.fixture
def page(tmp_path, qtbot):
    store = Office.open(tmp_path / "data", daily_backup=False)
    session = Session(store)
    session.set_settings({"office": "城关镇医保站", "operator": "王五"})
    p = SettingsPage(session, None)
    qtbot.addWidget(p)
    p.refresh()
    yield p
    store.close()


@pytest.mark.parametrize("key,value,reason", [
    ("office", "=HYPERLINK(\"x\")", "经办机构只能包含"),
    ("office", "站" * 41, "最长 40"),
    ("operator", "王", "2–20"),
    ("operator", "王五!", "2–20"),
    ("window", "3号\u202e窗口", "窗口只能包含"),
])
def test_a_bad_setting_is_refused_beside_its_field(page, key, value, reason):
    getattr(page, f"{key}_edit").setText(value)
    assert not page.save()
    assert reason in page.error_text(key)
    store = page.session.office.store
    assert (store.setting("office"), store.setting("operator"), store.setting("window")) == ("城关镇医保站", "王五", None)


def test_good_settings_are_saved_trimmed(page):
    page.office_edit.setText(" 城关镇医保站（东区）-2 ")
    page.window_edit.setText("3号窗口")
    page.operator_edit.setText("Wang5")
    assert page.save()
    store = page.session.office.store
    assert (store.setting("office"), store.setting("window"), store.setting("operator")) == \
        ("城关镇医保站（东区）-2", "3号窗口", "Wang5")
