"""设置 › 数据库: the local file or a PostgreSQL server; 「测试连接」 names what is wrong in Chinese, the
choice is kept for this PC without the password, and the next start asks for the password."""
from __future__ import annotations

import json
import socket

import pytest

from engine.office import Office
from gui.database_box import DatabaseBox
from gui.session import Session


@pytest.fixture
def box(tmp_path, qtbot, monkeypatch):
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("SANCHONG_DATA_DIR", str(tmp_path / "data"))
    office = Office.open(tmp_path / "data", daily_backup=False)
    b = DatabaseBox(Session(office))
    qtbot.addWidget(b)
    yield b
    office.close()


def fill(box, host, port, dbname, user, password=""):
    box.server_radio.setChecked(True)
    for edit, text in ((box.host_edit, host), (box.port_edit, str(port)), (box.dbname_edit, dbname),
                       (box.user_edit, user), (box.password_edit, password)):
        edit.setText(text)


def test_the_local_file_is_the_default_and_needs_nothing(box, tmp_path):
    assert box.local_radio.isChecked() and not box.fields.isEnabled() and not box.test_button.isEnabled()
    assert box.save_now()
    assert not (tmp_path / "data" / "database.json").exists()


def test_a_server_that_is_down_or_a_bad_port_is_told_plainly(box):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fill(box, "127.0.0.1", port, "cases", "clerk")
    assert not box.test_now()
    assert "连接不上数据库服务器" in box.status.text() and "服务器未启动" in box.status.text()
    fill(box, "127.0.0.1", "70000", "cases", "clerk")
    assert not box.test_now() and "端口应为 1–65535" in box.status.text()
    fill(box, "", "5432", "cases", "clerk")
    assert not box.save_now() and "请填写服务器地址" in box.status.text()


def test_wrong_password_then_right_one_is_kept_without_the_password(box, pg_server, tmp_path):
    url = pg_server.password_role("窗口密码1")
    host_port, dbname = url.split("@", 1)[1].rsplit("/", 1)
    host, port = host_port.split(":")
    fill(box, host, port, dbname, "sanchong_pw", "错了")
    assert not box.test_now() and "用户名或密码不正确" in box.status.text()
    assert not box.save_now()
    assert not (tmp_path / "data" / "database.json").exists()   # a choice that cannot connect is not kept
    box.password_edit.setText("窗口密码1")
    assert box.test_now() and "连接成功" in box.status.text()
    assert box.save_now() and "下次启动时使用服务器" in box.status.text()
    kept = (tmp_path / "data" / "database.json").read_text(encoding="utf-8")
    assert "窗口密码1" not in kept and json.loads(kept)["url"] == url
    # the next start uses the server, with the password typed in this run
    with Office.open(tmp_path / "data", daily_backup=False) as office:
        office.set_settings({"office": "城关镇医保站"})
    import psycopg

    with psycopg.connect(pg_server.url.rsplit("/", 1)[0] + "/" + dbname) as conn:
        assert conn.execute("SELECT value FROM settings WHERE key = 'office'").fetchone() == ("城关镇医保站",)
    box.local_radio.setChecked(True)
    assert box.save_now() and not (tmp_path / "data" / "database.json").exists()


def test_the_window_asks_for_the_server_password_at_start(pg_server, tmp_path, monkeypatch, qtbot):
    from PySide6.QtWidgets import QInputDialog

    from engine.office import server
    from gui.app import open_session

    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("SANCHONG_DATA_DIR", str(tmp_path / "start"))
    url = pg_server.password_role("开机密码")
    host_port, dbname = url.split("@", 1)[1].rsplit("/", 1)
    host, port = host_port.split(":")
    server.choose(tmp_path / "start", server.Server.checked(host, port, dbname, "sanchong_pw"))
    asked = []

    def typed(parent, title, label, echo):
        asked.append(label)
        return ("错误" if len(asked) == 1 else "开机密码"), True
    monkeypatch.setattr(QInputDialog, "getText", typed)
    session = open_session(None)
    try:
        assert session is not None and len(asked) == 2   # a wrong one is asked again, with the reason
        assert "用户名或密码不正确" in asked[1] and f"sanchong_pw@{host}:{port}/{dbname}" in asked[0]
    finally:
        session.office.close()
