"""The window goes through the one door (engine.office.Office): no SQL, no connection, no store
module (only its error type) and no `.store`/`.conn`/`.db` anywhere in gui/. Checked on the syntax
tree of every gui/*.py."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

GUI = Path(__file__).resolve().parents[2] / "gui"
FORBIDDEN_MODULES = ("sqlite3", "sqlite_utils")
FORBIDDEN_ATTRIBUTES = ("conn", "db", "store")
SQL = re.compile(r"\b(select\b.*\bfrom|insert\s+into|update\b.*\bset|delete\s+from)\b", re.IGNORECASE | re.DOTALL)


def problems(source: str, where: str = "<text>") -> list[str]:
    """What in this module reaches past the office into the store."""
    found = []
    tree = ast.parse(source, where)
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{line}: imports {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
            found += [f"{line}: imports {a.name}" for a in node.names if a.name.startswith("engine.store")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{line}: imports from {node.module}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine.store") \
                and any(a.name != "StoreError" for a in node.names):   # the error type is all the window needs
            found.append(f"{line}: imports from {node.module} (go through engine.office)")
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_ATTRIBUTES:
                found.append(f"{line}: uses .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "query":
            found.append(f"{line}: calls .query(…)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{line}: SQL in a string: {node.value[:60]!r}")
    return found


def test_the_check_finds_each_kind_of_reach():
    text = ("import sqlite3\nfrom sqlite_utils import Database\n"
            "def f(session):\n"
            "    session.office.store.conn.execute('SELECT 1 FROM cases')\n"
            "    rows = session.office.store.query('select id from persons where 1')\n"
            "    session.office.store.db['x']\n"
            "    q = 'Update cases SET void = 1'\n"
            "    r = 'insert into audit values (1)'\n"
            "    s = 'DELETE FROM x'\n")
    kinds = [p.split(": ", 1)[1].split(" ")[0] + " " + p.split(": ", 1)[1].split(" ")[1] for p in problems(text)]
    assert "imports sqlite3" in kinds and "imports from" in kinds
    assert problems("from engine.store.cases import save_cases\n")[0].endswith("(go through engine.office)")
    assert problems("from engine.store import StoreError\nfrom engine.office import Office\n") == []
    assert sum(p.endswith("uses .store") for p in problems(text)) == 3
    assert any(p.endswith("uses .conn") for p in problems(text)) and any(p.endswith("uses .db") for p in problems(text))
    assert any("calls .query" in p for p in problems(text))
    assert sum("SQL in a string" in p for p in problems(text)) == 5
    # ordinary Chinese and English text is not SQL
    assert problems("x = '请选择上方一行查看案件详情'\ny = 'select a row to update the list'\n") == []


@pytest.mark.parametrize("path", sorted(GUI.rglob("*.py")), ids=lambda p: str(p.relative_to(GUI)))
def test_gui_module_reaches_no_store_internals(path):
    assert problems(path.read_text(encoding="utf-8"), str(path.relative_to(GUI.parent))) == []
