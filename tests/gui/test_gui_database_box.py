"""设置 › 数据库: the local file or a PostgreSQL server; 「测试连接」 names what is wrong in Chinese, the
choice is kept for this PC without the password, and the next start asks for the password."""
from __future__ import annotations

import json
import socket

import pytest

from engine.office import Office
from gui.database_box import DatabaseBox
from gui.session import Session
from ids import valid_id


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


def _case(date, total, scope, basic):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": valid_id("1980-01-01", 1), "name": "张三", "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2, "referral": True, "in_province": True,
                      "in_district": True, "diseases": []},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


def _server_fields(url: str) -> tuple[str, str, str, str]:
    user_host, dbname = url.split("://", 1)[1].rsplit("/", 1)
    user, host_port = user_host.split("@")
    host, port = host_port.split(":")
    return host, port, dbname, user


def test_the_local_data_moves_into_an_empty_server_and_the_server_becomes_the_choice(box, pg_server, tmp_path,
                                                                                    monkeypatch, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    office = box.session.office
    office.save({"cases": [_case("2023-02-10", "3000.00", "2800.00", "1800.00"),
                           _case("2023-04-15", "3700.00", "3500.00", "2000.00")]}, operator="李四", office="城关镇")
    before = [(r["receipt_no"], r["payouts"]) for r in office.cases()]
    db_file = tmp_path / "data" / "cases.sqlite3"
    file_bytes = db_file.read_bytes()
    assert not box.move_button.isEnabled()   # the local file chosen: nothing to move to
    url = pg_server.new_database()
    host, port, dbname, user = _server_fields(url)
    fill(box, host, port, dbname, user)
    assert box.move_button.isEnabled()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(box.move_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and f"{host}:{port}/{dbname}" in asked[0]
    status = box.status.text()
    assert "已迁入服务器" in status and "案件 2 件、人员 1 人" in status and "下次启动时使用该服务器" in status, status
    assert db_file.read_bytes() == file_bytes    # the local file is only read
    assert json.loads((tmp_path / "data" / "database.json").read_text(encoding="utf-8"))["url"] == url
    with Office.open(tmp_path / "data", daily_backup=False) as moved:   # the next start: on the server
        assert moved.on_server and [(r["receipt_no"], r["payouts"]) for r in moved.cases()] == before
    # a second move into the same (no longer empty) database is refused, said in the status line
    assert not box.move_now()
    assert "已有 2 件案件" in box.status.text() and "没有做任何改动" in box.status.text()


def test_a_refused_move_keeps_the_local_choice(box, pg_server, tmp_path):
    host, port, dbname, user = _server_fields(pg_server.new_database())
    fill(box, host, port, dbname, user)
    box.session.office.add_account("管理员甲", ["管理员"], "admin-pass-1")
    box.session.office.login("管理员甲", "admin-pass-1")
    box.session.office.add_account("经办乙", ["经办"], "clerk-pass-1")
    box.session.office.login("经办乙", "clerk-pass-1")
    assert not box.move_now()
    assert "迁移到服务器需要管理员角色" in box.status.text(), box.status.text()
    assert not (tmp_path / "data" / "database.json").exists()


def test_moving_is_offered_only_from_the_local_file(pg_url, tmp_path, monkeypatch, qtbot):
    monkeypatch.setenv("SANCHONG_DATABASE_URL", pg_url)
    with Office.open(tmp_path / "on-server", daily_backup=False) as office:
        assert office.on_server
        b = DatabaseBox(Session(office))
        qtbot.addWidget(b)
        b.server_radio.setChecked(True)
        assert b.test_button.isEnabled() and not b.move_button.isEnabled()
