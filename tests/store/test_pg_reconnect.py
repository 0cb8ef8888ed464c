"""The server drops while a window is open (a restart, a network cut, an administrator ending the
session): the next action connects again when no transaction was open; a save cut in the middle is
reported 「本次保存未完成，请重试」, nothing of it is kept, and the retry takes the next receipt number.

These stop and restart a throwaway server of their own (tests/pg.py `own_pg_server`).
"""
from __future__ import annotations

import time

import psycopg
import pytest

from engine.store import cases as store_cases
from engine.store.cases import save_cases
from engine.store.database import open_store
from engine.store.errors import StoreError
from engine.store.queries import list_cases
from ids import valid_id

SAVE_CUT = "与数据库服务器的连接中断，本次保存未完成，请重试"


def wuhan(id_number: str, date: str = "2023-03-01") -> dict:
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": "张三", "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def server(own_pg_server):
    yield own_pg_server
    if not own_pg_server.running:   # a test that failed while the server was down
        own_pg_server.resume()


def terminate(url: str, pid: int) -> None:
    """What an administrator's pg_terminate_backend (or a network cut) does to one window's session."""
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        deadline = time.monotonic() + 30
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the terminated backend did not go"
            time.sleep(0.05)


def counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "persons", "audit"))


def test_a_session_ended_between_two_actions_is_reopened_by_the_next_read_and_save(server, tmp_path):
    url = server.new_database()
    person = valid_id()
    with open_store(tmp_path, database_url=url) as store:
        first = save_cases(store, wuhan(person), operator="李四", office="城关")[0]
        terminate(url, store.conn.raw.info.backend_pid)
        assert [c["receipt_no"] for c in list_cases(store)] == [first.receipt_no]   # a read: connected again
        terminate(url, store.conn.raw.info.backend_pid)
        second = save_cases(store, wuhan(person, "2023-04-01"), operator="李四", office="城关")[0]
    assert (first.receipt_no, second.receipt_no) == ("2023-000001", "2023-000002")
    assert counts(url)[:2] == (2, 1)


def test_a_server_restarted_between_two_actions(server, tmp_path):
    url = server.new_database()
    with open_store(tmp_path, database_url=url) as store:
        assert save_cases(store, wuhan(valid_id()), operator="李四", office="城关")[0].receipt_no == "2023-000001"
        server.halt("fast")
        with pytest.raises(StoreError) as down:   # still down: said plainly, no traceback
            save_cases(store, wuhan(valid_id()), operator="李四", office="城关")
        assert SAVE_CUT in down.value.zh and "连接不上数据库服务器" in down.value.zh, down.value.zh
        with pytest.raises(StoreError) as reading:
            list_cases(store)
        assert "与数据库服务器的连接中断，本次操作未完成，请重试" in reading.value.zh, reading.value.zh
        server.resume()
        assert [c["receipt_no"] for c in list_cases(store)] == ["2023-000001"]
        assert save_cases(store, wuhan(valid_id()), operator="李四", office="城关")[0].receipt_no == "2023-000002"
    assert counts(url)[0] == 2


@pytest.mark.parametrize("cut", ["terminate", "restart"])
def test_a_save_cut_in_the_middle_keeps_nothing_and_the_retry_takes_the_next_number(server, tmp_path, monkeypatch, cut):
    url = server.new_database()
    person = valid_id()
    with open_store(tmp_path, database_url=url) as store:
        save_cases(store, wuhan(person), operator="李四", office="城关")
        before = counts(url)
        real = store_cases._save_one
        calls = []

        def cut_after_first(*args, **kwargs):   # the batch's second case meets a dropped connection
            if len(calls) == 1:
                if cut == "terminate":
                    terminate(url, store.conn.raw.info.backend_pid)
                else:
                    server.halt("fast")
                    server.resume()
            calls.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(store_cases, "_save_one", cut_after_first)
        batch = {"cases": [wuhan(valid_id(), "2023-04-01"), wuhan(person, "2023-05-01")]}
        with pytest.raises(StoreError) as caught:
            save_cases(store, batch, operator="李四", office="城关")
        assert caught.value.zh.startswith(SAVE_CUT), caught.value.zh
        assert counts(url) == before   # nothing half saved: neither case, no person, no audit row
        monkeypatch.setattr(store_cases, "_save_one", real)
        retried = save_cases(store, batch, operator="李四", office="城关")
        assert [s.receipt_no for s in retried] == ["2023-000002", "2023-000003"]   # no gap, no duplicate
        numbers = [c["receipt_no"] for c in list_cases(store)]
    assert sorted(numbers) == ["2023-000001", "2023-000002", "2023-000003"]
    with open_store(tmp_path, database_url=url) as again:   # the chain and the triggers hold after all this
        from engine.store import chain
        assert chain.verify(again.db).broken is None


def test_a_write_never_runs_twice(server, tmp_path, monkeypatch):
    """A statement that writes outside a transaction is not rerun on a new connection: it may have committed."""
    url = server.new_database()
    with open_store(tmp_path, database_url=url) as store:
        terminate(url, store.conn.raw.info.backend_pid)
        sent = []
        real = store.conn.raw.execute
        monkeypatch.setattr(store.conn.raw, "execute", lambda *a, **k: (sent.append(a[0]), real(*a, **k))[1])
        with pytest.raises(StoreError) as caught:
            store.conn.execute("UPDATE settings SET value = value WHERE key = 'nothing'")
        assert "连接中断" in caught.value.zh
        assert len([s for s in sent if s.startswith("UPDATE")]) == 1
        assert list_cases(store) == []   # and the next action connects again


def test_a_commit_whose_answer_never_came_is_not_called_unsaved(server, tmp_path, monkeypatch):
    """The connection drops as COMMIT is sent: the clerk is told it may have been saved, to check first."""
    url = server.new_database()
    with open_store(tmp_path, database_url=url) as store:
        raw = store.conn.raw
        real = raw.execute

        def cut_at_commit(sql, *args, **kwargs):
            if sql == "COMMIT":
                terminate(url, raw.info.backend_pid)
            return real(sql, *args, **kwargs)

        monkeypatch.setattr(raw, "execute", cut_at_commit)
        with pytest.raises(StoreError) as caught:
            save_cases(store, wuhan(valid_id()), operator="李四", office="城关")
        assert "连接在提交时中断" in caught.value.zh and "可能已完成也可能未完成" in caught.value.zh, caught.value.zh
        assert SAVE_CUT not in caught.value.zh and caught.value.maybe_saved
        # (here the COMMIT never reached the server: nothing is stored, and the next save is number 1)
        assert save_cases(store, wuhan(valid_id()), operator="李四", office="城关")[0].receipt_no == "2023-000001"
