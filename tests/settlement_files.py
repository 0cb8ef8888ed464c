"""Settlement lists as the national platform exports them, made by the tests (no real export ships):
columns by the national field names or by their usual Chinese headers, xlsx or csv in UTF-8, UTF-8
with BOM or GB18030; and the 民政名单 that puts persons on the office's list."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from engine.settlements.mapping import mapping

FIELDS = ("setl_id", "psn_no", "certno", "psn_name", "insutype", "med_type", "setl_time", "medfee_sumamt",
          "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "fund_pay_sumamt", "psn_pay",
          "fixmedins_name", "hosp_lv_name", "dise_name")


def header(field: str, style: str) -> str:
    return field if style == "national" else mapping().columns[field][1]


def write_list(path: Path, rows: list[dict], *, style: str = "national", encoding: str = "utf-8",
               fields: tuple[str, ...] = FIELDS) -> Path:
    """`rows`: dicts by national field name (missing keys are empty cells). encoding "xlsx" writes a workbook."""
    heads = [header(f, style) for f in fields]
    values = [[r.get(f, "") for f in fields] for r in rows]
    if encoding == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(heads)
        for row in values:
            sheet.append(row)
        book.save(path)
        return path
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(heads)
    writer.writerows(values)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_persons(path: Path, persons: list[tuple[str, str, str, str]]) -> Path:
    """The 民政名单 as import-persons reads it: (name, ID number, identity, granted on)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["姓名", "身份证号", "身份类别", "认定日期"])
    writer.writerows(persons)
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def slip(setl_id: str, certno: str, name: str, med_type: str, day: str, total: str, scope: str, basic: str,
         critical: str, maf: str, *, level: str = "", disease: str = "", insutype: str = "390", **extra) -> dict:
    """One row; fund_pay_sumamt and psn_pay are made to add up (total = funds + psn_pay)."""
    from decimal import Decimal

    funds = Decimal(basic) + Decimal(critical) + Decimal(maf)
    row = {"setl_id": setl_id, "psn_no": "P" + setl_id, "certno": certno, "psn_name": name, "insutype": insutype,
           "med_type": med_type, "setl_time": day + " 10:20:00", "medfee_sumamt": total, "inscp_scp_amt": scope,
           "hifp_pay": basic, "hifmi_pay": critical, "hifob_pay": "0.00", "maf_pay": maf,
           "fund_pay_sumamt": f"{funds:.2f}", "psn_pay": f"{Decimal(total) - funds:.2f}",
           "fixmedins_name": "垫江县人民医院", "hosp_lv_name": level, "dise_name": disease}
    row.update(extra)
    return row
