"""`main.py --self-test`: the bundled policy files load, one case per region computes, and
the cases save into a case store in a temporary data folder (app-cli.md)."""
from __future__ import annotations

import sys
import tempfile

from .calculate import calculate
from .policy import REGIONS, load_books

PERSONS = {  # valid GB 11643 numbers for the samples
    "wuhan": ("42010219800101001X", "自检甲"),
    "dianjiang": ("500231197506150010", "自检乙"),
    "weihai": ("37100219680320001X", "自检丙"),
    "changchun": ("220102201001010017", "自检丁"),
}

SAMPLES = {
    "wuhan": {"region": "wuhan", "date": "2023-03-01", "person": {"identities": ["subsistence"]},
              "visit": {"kind": "inpatient", "hospital_level": 2},
              "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
              "expect": "1200.00"},
    "dianjiang": {"region": "dianjiang", "date": "2023-06-01", "person": {"identities": ["extreme_poverty"]},
                  "visit": {"kind": "outpatient_general"},
                  "amounts": {"total": "600.00", "policy_scope": "500.00", "basic_paid": "250.00", "critical_paid": "0.00"},
                  "expect": "250.00"},
    "weihai": {"region": "weihai", "date": "2023-04-01", "person": {"identities": ["subsistence"]},
               "visit": {"kind": "inpatient", "hospital_level": 2},
               "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"},
               "expect": "8995.00"},
    "changchun": {"region": "changchun", "date": "2023-05-10", "person": {"identities": ["subsistence"]},
                  "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
                  "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00",
                              "critical_paid": "1200.00"},
                  "expect": "16800.00"},
}


def _save_samples(cases: list[dict]) -> tuple[int, int]:
    """Save the samples into a fresh store in a temporary folder and write the receipt of each;
    returns how many were saved and the size of the last receipt in bytes."""
    from pathlib import Path

    from .office import Office

    with tempfile.TemporaryDirectory(prefix="sanchong-selftest-") as folder, Office.open(folder) as office:
        saved = office.save({"cases": cases}, operator="自检", office="自检").value
        size = 0
        for one, case in zip(saved, cases):
            stored = office.case(one.case_id)
            if stored["result"] != calculate(case):
                raise RuntimeError(f"{REGIONS[case['region']]} 保存后的结果与计算结果不一致")
            pdf = Path(folder) / f"{one.receipt_no}.pdf"
            office.write_receipt(one.case_id, pdf)
            data = pdf.read_bytes()
            if not data.startswith(b"%PDF") or b"WenQuanYi" not in data:
                raise RuntimeError(f"回执 {pdf.name} 生成不完整（缺少内嵌中文字体）")
            size = len(data)
        return len(saved), size


def run() -> int:
    try:
        books = load_books()
        count = sum(len(b.parameters) for b in books.values())
        cases = []
        for region, sample in SAMPLES.items():
            case = {k: v for k, v in sample.items() if k != "expect"}
            got = calculate(case)["payouts"]["assistance"]
            if got != sample["expect"]:
                print(f"自检失败：{REGIONS[region]} 医疗救助 {got}，应为 {sample['expect']}")
                return 1
            id_number, name = PERSONS[region]
            cases.append({**case, "person": {**case["person"], "id_number": id_number, "name": name}})
        saved, size = _save_samples(cases)
    except Exception as exc:  # report, never a traceback
        message = exc.message() if hasattr(exc, "message") else f"{type(exc).__name__}: {exc}"
        print(f"自检失败：{message}")
        return 1
    print(f"自检通过：{len(books)} 个地区、{count} 项政策参数已加载，{len(SAMPLES)} 个样例案件计算正确，{saved} 件已保存到临时数据库，回执 PDF 已生成（{size // 1024} KB，字体已内嵌）")
    return 0


if __name__ == "__main__":
    sys.exit(run())
