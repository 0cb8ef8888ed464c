"""`main.py --self-test`: the bundled policy files load and one case per region computes."""
from __future__ import annotations

import sys

from .calculate import calculate
from .policy import REGIONS, load_books

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


def run() -> int:
    try:
        books = load_books()
        count = sum(len(b.parameters) for b in books.values())
        for region, sample in SAMPLES.items():
            case = {k: v for k, v in sample.items() if k != "expect"}
            got = calculate(case)["payouts"]["assistance"]
            if got != sample["expect"]:
                print(f"自检失败：{REGIONS[region]} 医疗救助 {got}，应为 {sample['expect']}")
                return 1
    except Exception as exc:  # report, never a traceback
        print(f"自检失败：{type(exc).__name__}: {exc}")
        return 1
    print(f"自检通过：{len(books)} 个地区、{count} 项政策参数已加载，{len(SAMPLES)} 个样例案件计算正确")
    return 0


if __name__ == "__main__":
    sys.exit(run())
