"""`main.py --self-test`: the bundled policy files load, one case per region computes, and
the cases save into a case store in a temporary data folder (app-cli.md).

`--self-test --database-url URL` also connects to that PostgreSQL server with the bundled psycopg
(its binary libpq) and names the system keyring backend found: read only, nothing is written to
the server (the sample cases still go to the temporary folder's own file)."""
from __future__ import annotations

import sys
import tempfile

from .calculate import calculate
from .policy import bundled
from .region_registry import MODULES, REGIONS

def samples() -> dict[str, dict]:
    """Each region's own sample case (engine/regions/<region>.py SAMPLE)."""
    return {code: MODULES[code].SAMPLE for code in MODULES}


def _save_samples(cases: list[dict]) -> tuple[int, int]:
    """Save the samples into a fresh store in a temporary folder and write the receipt of each;
    returns how many were saved and the size of the last receipt in bytes."""
    from pathlib import Path

    from .office import Office

    with tempfile.TemporaryDirectory(prefix="sanchong-selftest-") as folder, Office.open(folder, local=True) as office:
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


def check_server(url: str) -> str:
    """The server reached with the bundled psycopg (read only), and the keyring backend in use."""
    import keyring
    import psycopg

    from .store.backends import postgres

    said = postgres.test_connection(url)
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    usable = "" if backend.priority > 0 else "（本机没有可用的系统密钥环：服务器密码在启动时输入）"
    return (f"数据库服务器 {postgres.display(url)}：{said}（psycopg {psycopg.__version__}，libpq {psycopg.pq.version()}，"
            f"实现 {psycopg.pq.__impl__}）；密钥环 {name}{usable}")


def run(database_url: str | None = None) -> int:
    server = ""
    try:
        books = bundled().regions
        count = sum(len(b.parameters) for b in books.values())
        cases = []
        for region, sample in samples().items():
            case = {k: v for k, v in sample.items() if k != "expect"}
            got = calculate(case)["payouts"]["assistance"]
            if got != sample["expect"]:
                print(f"自检失败：{REGIONS[region]} 医疗救助 {got}，应为 {sample['expect']}")
                return 1
            cases.append(case)
        saved, size = _save_samples(cases)
        if database_url:
            server = "；" + check_server(database_url)
    except Exception as exc:  # report, never a traceback
        message = getattr(exc, "zh", None) or f"{type(exc).__name__}: {exc}"
        print(f"自检失败：{message}")
        return 1
    print(f"自检通过：{len(books)} 个地区、{count} 项政策参数已加载，{len(cases)} 个样例案件计算正确，{saved} 件已保存到临时数据库，回执 PDF 已生成（{size // 1024} KB，字体已内嵌）{server}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
