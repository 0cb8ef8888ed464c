"""Settlement-list import speed (issue 16).

    python bench/settlement_bench.py [ROWS] [RECEIPTS]

Targets: 10,000 settlement rows validated, computed and saved (engine.office.Office.import_settlements,
the 拟发放名单 included, the receipts left out) in ≤ 30 s; the receipts of 1,000 of them as one PDF
document in ≤ 120 s. Persons are put on the 民政名单 first (not timed). 5,000 persons with two
settlements each, 住院, 门诊慢特病 and 普通门诊 mixed, a third with one-stop maf_pay.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from engine.office import Office  # noqa: E402
from engine.settlements import outputs  # noqa: E402
from engine.settlements.importer import import_settlements  # noqa: E402
from ids import valid_id  # noqa: E402
from settlement_files import slip, write_list, write_persons  # noqa: E402


def rows(n: int) -> tuple[list[dict], list[tuple[str, str, str, str]]]:
    persons, out = [], []
    for i in range((n + 1) // 2):
        id_number = valid_id(f"19{50 + i % 40:02d}-0{1 + i % 9}-1{i % 9}", i % 1000, f"5002{31 + i // 1000:02d}")
        name = "测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[(i // 10) % 10]
        persons.append((name, id_number, ("低保对象", "特困人员", "低保边缘家庭成员")[i % 3], "2022-01-01"))
        out.append(slip(f"B{i:06d}A", id_number, name, "21", f"2023-0{1 + i % 6}-1{i % 9}", "12000.00", "10000.00",
                        "6000.00", "0.00", "1000.00" if i % 3 == 0 else "0.00", level="二级乙等"))
        out.append(slip(f"B{i:06d}B", id_number, name, ("14", "11")[i % 2], f"2023-0{7 + i % 3}-2{i % 9}", "800.00",
                        "700.00", "400.00", "0.00", "50.00" if i % 3 == 1 else "0.00", disease="高血压"))
    return out[:n], persons


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    receipts = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        slips, persons = rows(n)
        listing = write_list(folder / "结算清单.xlsx", slips, encoding="xlsx")
        with Office.open(folder / "d", daily_backup=False) as office:
            office.set_settings({"office": "垫江县医保局", "default_region": "dianjiang"})
            office.import_persons(write_persons(folder / "民政名单.csv", persons), operator="李四")
            start = time.perf_counter()
            report = import_settlements(office.store, listing, region="dianjiang", operator="李四", office="垫江县医保局")
            rows_list = outputs.list_rows(office.store, report, report.setl_ids)
            outputs.write_list(rows_list, report, folder / "拟发放名单.xlsx")
            spent = time.perf_counter() - start
            s = report.summary()
            print(f"{n} rows read, checked, computed and saved (+ 拟发放名单): {spent:.1f} s "
                  f"(target ≤ 30 s) — {s}")
            start = time.perf_counter()
            count = outputs.write_receipts(office.store, rows_list[:receipts], folder / "回执.pdf")
            spent = time.perf_counter() - start
            size = (folder / "回执.pdf").stat().st_size / 2**20
            print(f"{count} receipts as one PDF: {spent:.1f} s (target ≤ 120 s), {size:.1f} MB")


if __name__ == "__main__":
    main()
