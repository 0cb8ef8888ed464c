"""`python -m engine cases office set|list`, `export-bundle`, `import-bundle`, `merged-differences`:
office codes and the township -> district bundles (store-cli.md, docs/offices-and-bundles.md)."""
from __future__ import annotations

import argparse
import json
import sys

from .. import validate
from ..region_registry import REGIONS
from .common import MONTH, YEAR, arg, output_file


def _office_set(args: argparse.Namespace) -> int:
    from .accounts import _open
    from .common import who as _who

    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        done = office.set_office(args.code, args.name, operator=operator).value
    if done["former_name"]:
        print(f"经办点代码 {done['code']} 已改名为“{done['name']}”（原名“{done['former_name']}”）；代码不变，回执号接续编号。")
    else:
        print(f"已登记经办点代码 {done['code']}：{done['name']}。")
    if done["bound_cases"]:
        print(f"此前以“{done['name']}”保存的 {done['bound_cases']} 件案件已归入代码 {done['code']}，其回执号不变。")
    if done["own"]:
        print(f"本数据文件夹的经办点为 {done['code']}（{done['name']}）：此后的回执号按该代码和年度编号。")
    if done["same_name_codes"]:
        print(f"注意：名称“{done['name']}”也属于代码 {'、'.join(done['same_name_codes'])}，保存案件时请用 --office 指定代码。")
    return 0


def _office_list(args: argparse.Namespace) -> int:
    from .accounts import _open

    with _open(args, log_in=False) as office:
        rows = office.offices()
        unbound = office.unbound_office_names()
    if args.json:
        json.dump({"offices": rows, "unbound_names": unbound}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("尚未登记经办点代码（回执号按经办点名称编号）。设置：python -m engine cases office set 代码 名称")
    for r in rows:
        former = f"（曾用名：{'、'.join(r['former_names'])}）" if r["former_names"] else ""
        print(f"{r['code']}  {r['name']}{former}  案件 {r['cases']} 件" + ("  【本经办点】" if r["own"] else ""))
    for u in unbound:
        print(f"未对应代码的名称：“{u['name']}”，案件 {u['cases']} 件（{u['first']} 至 {u['last']}）："
              f"请执行 python -m engine cases office set 代码 {u['name']} 确认其代码")
    return 0


def _export_bundle(args: argparse.Namespace) -> int:
    from .accounts import _open
    from .common import who as _who

    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        done = office.export_bundle(args.output, args.year, args.month, operator=operator, code=args.office).value
    print(f"已生成数据包 {done['path']}（经办点 {done['office_code']}）：案件 {done['cases']} 件，补差 {done['resettlements']} 件，"
          f"作废 {done['voids']} 件，人员 {done['persons']} 人，操作记录 {done['audit']} 条。")
    print("下一个数据包从本次之后新增的内容开始。")
    return 0


def _import_bundle(args: argparse.Namespace) -> int:
    from .accounts import _open
    from .common import who as _who

    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        report = office.import_bundle(args.file, operator=operator).value
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if report["already_imported"]:
        print(f"该数据包已于 {report['already_imported']} 导入，本次未添加任何内容。")
        return 0
    print(f"已导入{report['office_name']}（{report['office_code']}）的数据包：新增案件 {report['cases_added']} 件"
          f"（已有 {report['cases_skipped']} 件），补差 {report['resettlements_added']} 件，作废 {report['voids_added']} 件，"
          f"审核、发放、补打等变更 {report['changes_applied']} 项，新增人员 {report['persons_added']} 人。")
    for w in report["waiting"]:
        print(f"待生效：{w['zh']}")
    for c in report["conflicts"]:
        print(f"冲突：{c['zh']}")
    if report["conflicts"]:
        print(f"共 {len(report['conflicts'])} 处冲突，均未覆盖本库的记录，请与该经办点核对。")
    return 0


def _merged_differences(args: argparse.Namespace) -> int:
    from .accounts import _open

    with _open(args, log_in=False) as office:
        rows = office.merged_differences(args.year)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not rows:
        print(f"{args.year} 年没有跨经办点合并后与已支付金额不一致的人员。")
        return 0
    for r in rows:
        cases = "；".join(f"{d['office_code']} {d['receipt_no']} 差额 {d['to_pay']}" for d in r["differing"])
        print(f"{r['name']} {r['id_number']} {REGIONS.get(r['region'], r['region'])}  经办点 {'、'.join(r['offices'])}  "
              f"合计差额 {r['difference']['to_pay']}（{cases}）")
    print(f"共 {len(rows)} 人：按合并后的年度台账重算与已支付金额不一致，由区县核定处理（区县不做补差）。")
    return 0


def add_parsers(cmds: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    p = cmds.add_parser("office", help="office codes: set CODE NAME, list")
    sub = p.add_subparsers(dest="office_command", required=True, parser_class=parser_class)
    s = sub.add_parser("set", help="register an office code (8 digits) with its name, or rename it (a 管理员 with accounts)")
    s.add_argument("code", metavar="CODE", help="6-digit 行政区划代码 + 2-digit site number")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    s.set_defaults(run=_office_set)
    s = sub.add_parser("list", help="the office codes, and office names in the history without one")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=_office_list)

    p = cmds.add_parser("export-bundle", help="township -> district: what the office added since its last bundle")
    p.add_argument("--year", type=YEAR, required=True)
    p.add_argument("--month", type=MONTH)
    p.add_argument("-o", "--output", required=True, type=arg(output_file, "-o"), metavar="FILE.zip")
    p.add_argument("--office", metavar="CODE", help="the office code (default: this folder's)")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.set_defaults(run=_export_bundle)

    p = cmds.add_parser("import-bundle", help="at the district: add a township's bundle (checked; idempotent)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_import_bundle)

    p = cmds.add_parser("merged-differences", help="persons whose year merged across offices differs from what was paid")
    p.add_argument("--year", type=YEAR, required=True)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_merged_differences)
