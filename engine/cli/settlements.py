"""`python -m engine cases import-settlements FILE [--region R] [--dry-run] [--operator ACCOUNT] [-o OUTDIR]`:
the insurer's settlement list imported as cases (engine/settlements/, docs/settlement-import.md).

Prints the rejected rows and why, the skipped rows (not on the 民政名单), the rows computed on a
default, the files written; the last line is one JSON object
{"rows": N, "saved": S, "skipped": K, "rejected": R, "to_pay": "…"}. Exit 0 when it ran (rejected rows
included), 2 when the file cannot be read or has no usable column (nothing written)."""
from __future__ import annotations

import argparse
import json
from typing import Callable

from .. import validate
from ..region_registry import REGIONS
from .common import arg


def _run(args: argparse.Namespace, who: Callable) -> int:
    from .accounts import _open

    with _open(args, log_in=not args.dry_run, daily_backup=not args.dry_run) as office:
        operator, _ = who(office, args)
        report = office.import_settlements(args.file, region=args.region, operator=operator, dry_run=args.dry_run,
                                           outdir=args.output).value
    for number, setl_id, reason in sorted(report.rejected):
        print(f"拒绝 第 {number} 行{f'（结算ID {setl_id}）' if setl_id else ''}：{reason}")
    for number, setl_id, name, reason in sorted(report.skipped):
        print(f"跳过 第 {number} 行（结算ID {setl_id}，{name}）：{reason}")
    for p in report.planned:
        if p.slip.defaults:
            print(f"待核对 第 {p.slip.row} 行（结算ID {p.slip.setl_id}，{p.slip.name}）：{p.slip.marks}")
    if report.dry_run:
        print(f"试算（--dry-run）：{len(report.planned)} 行可保存，未写入任何内容。")
    if report.cancelled:
        print("已取消：已提交的部分保留；再次导入同一文件即从未导入的行继续。")
    if report.outputs:
        print(f"拟发放名单：{report.outputs['list']}（{report.outputs['count']} 件，本次应付合计 {report.outputs['to_pay']}）")
        if report.outputs.get("receipts"):
            print(f"回执：{report.outputs['receipts']}")
    summary = report.summary()
    if report.dry_run:
        summary["saved"] = 0
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def add_parser(cmds, who: Callable) -> None:
    """The subcommand on `cases`' parsers; `who(office, args)` gives (operator, office) as the other commands do."""
    p = cmds.add_parser("import-settlements",
                        help="the insurer's settlement list (医保信息平台 export, xlsx/csv) computed and saved as cases")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--region", choices=list(REGIONS), help="the region of the list (default: the settings)")
    p.add_argument("--dry-run", action="store_true", help="compute and report; write nothing")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.add_argument("-o", "--output", metavar="OUTDIR", help="folder for 拟发放名单 and the receipts (default: beside FILE)")
    p.set_defaults(run=lambda args: _run(args, who))
