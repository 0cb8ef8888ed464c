"""The window's 预警名单 export: no cell is ever a formula, ID numbers stay text, and the file
is readable by its owner only (where the system allows)."""
from __future__ import annotations

import stat
import sys
import zipfile

from openpyxl import load_workbook

from engine.office import Office
from gui.session import Session
from gui.warnings_page import WarningsPage
from ids import valid_id


def test_warning_list_export_writes_text_never_formulas(tmp_path, qapp, qtbot):
    with Office.open(tmp_path / "d", daily_backup=False) as store:
        page = WarningsPage(Session(store))
        qtbot.addWidget(page)
        page.year = 2023
        # names stored by an older version, before names were checked
        page.rows = [
            {"kind": "因病返贫预警", "name": '=HYPERLINK("http://evil.example","点我")', "id_number": valid_id(seq=7),
             "region": "wuhan", "year_out_of_pocket": "134700.00", "date": "2023-06-01", "case_id": 3},
            {"kind": "因病致贫预警", "name": "@SUM(1)\x1b", "id_number": "420102********0028",
             "region": "wuhan", "year_out_of_pocket": "60000.00", "date": "2023-07-01", "case_id": 4},
        ]
        out = page.export_to(tmp_path / "预警名单.xlsx")
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    ws = load_workbook(out).active
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in rows] == ['=HYPERLINK("http://evil.example","点我")', "@SUM(1)\\u001b"]
    assert rows[0][2] == valid_id(seq=7) and isinstance(rows[0][2], str)
    assert f"{rows[0][4]:.2f}" == "134700.00"  # amounts stay numbers
    if sys.platform != "win32":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
