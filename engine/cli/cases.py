"""`python -m engine cases ...`: the case store's command line (store-cli.md)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from .. import clock, validate
from ..case import IDENTITIES, KINDS, check_id_number
from ..errors import InputError
from ..region_registry import REGIONS
from .common import CASE_ID, MONTH, YEAR, arg, output_file
from .common import who as _who



def _dump(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _open(args: argparse.Namespace, *, log_in: bool = False, daily_backup: bool = True):
    """The office of --data-dir; logged in as --operator when it has accounts and `log_in`
    (the commands that change things: engine/cli/accounts.py)."""
    from .accounts import _open as open_office

    return open_office(args, log_in=log_in, daily_backup=daily_backup)


def _save(args: argparse.Namespace) -> int:
    from .common import read_json

    doc = read_json(args.file)
    with _open(args, log_in=True) as door:
        operator, office = _who(door, args)
        _warn_late(door, doc)

        def emit(saved) -> None:
            sys.stdout.write(json.dumps(saved.to_json(), ensure_ascii=False) + "\n")
            sys.stdout.flush()

        door.save(doc, operator=operator, office=office, on_saved=emit)
    return 0


def _warn_late(door, doc: Any) -> None:
    """Before saving, on standard error: the stored cases a slip dated before them will change (补差)."""
    items = doc["cases"] if isinstance(doc, dict) and isinstance(doc.get("cases"), list) else [doc]
    for item in items:
        try:
            later = door.late_entry(item)
        except InputError:
            return   # the save itself names what is wrong
        if later:
            listed = "；".join(f"案件 {c['case_id']}（回执号 {c['receipt_no']}，{c['date']}）差额 {c['difference']['to_pay']}"
                              for c in later)
            sys.stderr.write(f"注意：结算日期 {item.get('date')} 早于该人员已保存的案件，保存后以下案件需补差"
                             f"（cases resettle --pending）：{listed}\n")


def _date_arg(text: str) -> dt.date:
    try:
        return validate.date(text, "date")
    except InputError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{validate.shown(text)}") from None


def _list(args: argparse.Namespace) -> int:
    with _open(args) as office:
        rows = office.cases(id_number=args.id_number, name=args.name, year=args.year, region=args.region,
                            operator=args.operator, date_from=args.date_from, date_to=args.date_to,
                            include_void=args.include_void, office=args.office)
    if args.json:
        keys = ("case_id", "receipt_no", "id_number", "name", "region", "date", "void", "payouts", "out_of_pocket")
        _dump([{k: r[k] for k in keys} for r in rows])
        return 0
    if not rows:
        print("没有符合条件的案件。")
        return 0
    print("案件  经办点代码 回执号        姓名      身份证号            地区    结算日期    医疗总费用  基本医保    大病保险   医疗救助   倾斜救助   个人自付")
    for r in rows:
        p = r["payouts"]
        print(f"{r['case_id']:<5} {r['office_code'] or '—':<10} {r['receipt_no']:<13} {r['name']:<8} {r['id_number']:<19} {REGIONS[r['region']]:<6} "
              f"{r['date']}  {r['total']:>10} {p['basic']:>10} {p['critical']:>10} {p['assistance']:>10} "
              f"{p['tilt']:>10} {r['out_of_pocket']:>10}" + ("  【已作废】" if r["void"] else ""))
    print(f"共 {len(rows)} 件。")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..breakdown import NAMES, breakdown
    from ..case import mask_id
    from ..money import fmt

    with _open(args) as office:
        case = office.case(args.case_id)
        resettled = office.resettlements(args.case_id)
    if args.json:
        _dump(case)
        return 0
    res = case["result"]
    b = breakdown(case["input"], res)
    print(f"案件 {case['case_id']}  回执号 {case['receipt_no']}" + ("  【已作废】" if case["void"] else ""))
    print(f"{case['name']}  {mask_id(case['id_number'])}  {REGIONS[case['region']]}  结算日期 {case['date']}  "
          f"{KINDS[case['input']['visit']['kind']]}")
    print(f"身份：{IDENTITIES.get(res['identity_used'] or '', '普通参保人员')}  {res['assistance_class'] or ''}")
    print(f"{NAMES['total']} {fmt(b.total)}  {NAMES['policy_scope']} {fmt(b.policy_scope)}")
    print("计算过程：")
    numbered = 0
    for row in b.rows:
        print(f"  {row.name}" + ("" if row.amount is None else f" {fmt(row.amount)}"))
        for step in row.steps:
            numbered += 1
            print(f"    {numbered}. {step.text}（{step.source}）")
    if b.caps:
        print("本年度额度（本次结算后）：")
    for c in b.caps:
        print(f"  {c.name}：已用 {fmt(c.used)}，限额 {fmt(c.limit)}，剩余 {fmt(c.left)}（{c.source}）")
    if b.warnings:
        print("提示与预警：")
    for w in b.warnings:
        print(f"  【{w.tag}】{w.text}")
    if case["void"]:
        print(f"作废：{case['voided_at']} 由 {case['voided_by']}，原因：{case['void_reason']}")
    for r in resettled:
        print(f"补差：回执号 {r['number']}，{r['created_at']} 由 {r['operator']}，补差合计 {r['to_pay']}，原因：{r['reason']}")
    for pr in case["prints"]:
        print(f"{'补打' if pr['reprint'] else '打印'}回执：{pr['printed_at']} {pr['operator']}")
    print("操作记录：")
    for a in case["audit"]:
        print(f"  {a['at']} {a['operator']} {a['detail']}")
    return 0


def _void(args: argparse.Namespace) -> int:
    from ..breakdown import NAMES

    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        done = office.void(args.case_id, args.reason, operator=operator).value
    print(f"案件 {done['case_id']}（回执号 {done['receipt_no']}）已作废，其金额已从该人员年度台账中扣除。")
    for ch in done["later_changed"]:
        print(f"注意：其后保存的案件 {ch['case_id']} 按作废后的台账重算，结果将不同"
              f"（{NAMES['assistance']} {ch['stored']['assistance']} → {ch['recomputed']['assistance']}，"
              f"{NAMES['tilt']} {ch['stored']['tilt']} → {ch['recomputed']['tilt']}）；请用 cases resettle {ch['case_id']} --reason 原因 办理补差。")
    return 0


def _resettle(args: argparse.Namespace) -> int:
    """补差: list the cases waiting (--pending) or settle one (CASE_ID --reason R)."""
    if args.pending == (args.case_id is not None):
        raise InputError("CASE_ID", "请给出 --pending（列出待补差的案件）或 案件编号 --reason 原因（办理一件补差），二者选一",
                         "give either --pending or CASE_ID --reason R")
    with _open(args, log_in=not args.pending) as office:   # settling is a change: with accounts, a 审核 logs in
        if args.pending:
            rows = office.pending_resettlements()
            if args.json:
                _dump([{k: r[k] for k in ("case_id", "receipt_no", "difference")} for r in rows])
                return 0
            if not rows:
                print("没有待补差的案件。")
                return 0
            print("案件  回执号        姓名      身份证号            结算日期    基本医保   大病保险   医疗救助   倾斜救助   补差合计")
            for r in rows:
                d = r["difference"]
                print(f"{r['case_id']:<5} {r['receipt_no']:<13} {r['name']:<8} {r['id_number']:<19} {r['date']}  "
                      f"{d['basic']:>9} {d['critical']:>9} {d['assistance']:>9} {d['tilt']:>9} {d['to_pay']:>9}")
            print(f"共 {len(rows)} 件待补差（正数为补付，负数为应退）。")
            return 0
        operator, _ = _who(office, args)
        done = office.resettle(args.case_id, args.reason, operator=operator).value
        if args.output:
            office.write_resettlement_receipt(done["resettlement_id"], Path(args.output))
    _dump(done)
    return 0


def _written(target: Path, write) -> None:
    """Write through a partial file moved into place, so a failed write leaves no half file."""
    import os

    partial = target.with_name(target.name + ".partial" + target.suffix)
    done = False
    try:
        write(partial)
        done = True
    except OSError as exc:
        raise InputError("-o", f"无法写入 {target}（{exc.strerror}），请换一个位置或关闭正在打开它的程序",
                         f"cannot write {target} ({exc.strerror})") from None
    finally:
        if not done:
            partial.unlink(missing_ok=True)
    os.replace(partial, target)


def _report_target(path: str) -> Path:
    target = Path(path)
    if target.suffix.lower() not in (".pdf", ".xlsx"):
        raise InputError("-o", f"报表应保存为 .pdf 或 .xlsx 文件：{path}", f"write the report as .pdf or .xlsx: {path}")
    return target


def _day_report(args: argparse.Namespace) -> int:
    from .. import clock

    target = _report_target(args.output)
    day = args.date or clock.today()
    with _open(args) as office:
        box = []
        _written(target, lambda p: box.append(office.write_day_report(day, p, args.office)))
    t = box[0].totals
    print(f"已生成 {box[0].title}：{target}（结算 {t.cases} 件，作废 {t.voids} 件，补打 {t.reprints} 件）")
    return 0


def _month_report(args: argparse.Namespace) -> int:
    target = _report_target(args.output)
    with _open(args) as office:
        box = []
        _written(target, lambda p: box.append(office.write_month_report(args.year, args.month, p, mask=args.mask_id)))
    r = box[0]
    print(f"已生成 {r.title}：{target}（服务 {r.persons} 人、{r.cases} 人次，作废 {len(r.voids)} 件，补差 {len(r.resettlements)} 件）")
    return 0


def _ledger(args: argparse.Namespace) -> int:
    from ..breakdown import NAMES

    with _open(args) as office:
        ledger = office.year_ledger(args.id_number, args.year, args.region)
    if args.json:
        _dump(ledger)
        return 0
    print(f"{ledger['name']}  {ledger['id_number']}  {ledger['year']} 年度台账")
    if not ledger["regions"]:
        print("该年度没有已保存（未作废）的案件，各项额度均未使用。")
    for reg in ledger["regions"]:
        print(f"【{reg['region_name']}】已保存案件 {reg['cases']} 件")
        for cap in reg["caps"]:
            limit = cap["limit"] or "不设上限"
            left = cap["left"] if cap["left"] is not None else "—"
            print(f"  {cap['name']}：已用 {cap['used']}，限额 {limit}，剩余 {left}（{cap['source']}）")
        for acc in reg["accumulated"]:
            print(f"  {acc['name']}：{acc['amount']}")
        pay = reg["payments"]
        print("  实际支付（原结算 + 补差）：" + "，".join(
            f"{NAMES[k]} {pay['paid'][k]}" for k in ("basic", "critical", "assistance", "tilt")))
        for c in pay["cases"]:
            extra = "".join(f"；补差 {r['receipt_no']} {r['to_pay']}" for r in c["resettlements"])
            wait = f"  【待补差 {c['pending']['to_pay']}】" if c["pending"] else ""
            print(f"    案件 {c['case_id']} 回执号 {c['receipt_no']} {c['date']}{extra}{wait}")
    return 0


def _persons(args: argparse.Namespace) -> int:
    from ..case import mask_id

    with _open(args) as office:
        if args.id_number:
            found = [office.person(args.id_number)]
        else:
            found = office.find_persons(args.name or "")
        day = clock.today()
        rows = [{"id_number": mask_id(p["id_number"]), "name": p["name"], "sex": p["sex"], "birth_date": p["birth_date"],
                 "identities": office.identities_on(p["id_number"], day)} for p in found]
    if args.json:
        _dump(rows)
        return 0
    for r in rows:
        names = "、".join(IDENTITIES[i] for i in r["identities"]) or "无"
        print(f"{r['name']}  {r['id_number']}  {r['sex']}  {r['birth_date']}  当前身份：{names}")
    print(f"共 {len(rows)} 人。")
    return 0


def _warnings(args: argparse.Namespace) -> int:
    with _open(args) as office:
        rows = office.warnings(args.year, args.region)
    if args.json:
        _dump(rows)
        return 0
    for r in rows:
        print(f"{r['kind']}  {r['name']}  {r['id_number']}  {REGIONS[r['region']]}  年度累计个人自付 {r['year_out_of_pocket']}"
              f"（截至 {r['date']}，案件 {r['case_id']}）")
    print(f"{args.year} 年度预警 {len(rows)} 人。")
    return 0


def _export(args: argparse.Namespace) -> int:
    output_file(args.output)
    with _open(args) as office:
        n = office.export(args.output, args.format, args.year, args.region, args.month,
                          args.include_void, args.mask_id)
    print(f"已导出 {n} 件案件到 {args.output}")
    return 0


def _import(args: argparse.Namespace) -> int:
    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        report = office.import_persons(args.file, operator=operator).value
    if args.json:
        _dump(report.to_json())
        return 0
    print(f"已接收 {report.taken} 行（新增人员 {report.new_persons}，新增身份记录 {report.new_grants}，"
          f"已登记过的 {report.duplicates} 行），拒绝 {len(report.rejected)} 行。")
    for row, reason in report.rejected:
        print(f"  第 {row} 行：{reason}")
    return 0


def _receipt(args: argparse.Namespace) -> int:
    """The receipt PDF of a stored case; a second print, or --reprint, is recorded and marked 补打."""
    import os

    target = Path(output_file(args.output))
    partial = target.with_name(target.name + ".partial")
    with _open(args, log_in=True) as office:
        operator, _ = _who(office, args)
        try:
            office_copy = args.office_copy or office.setting("office_copy") == "1"
            stored = office.write_receipt(args.case_id, partial, layout=args.layout, reprint=args.reprint,
                                          office_copy=office_copy)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise InputError("-o", f"无法写入 {target}（{exc.strerror}），请换一个位置或关闭正在打开它的程序",
                             f"cannot write {target} ({exc.strerror})") from None
        reprint = stored["reprint"]
        try:
            office.record_print(args.case_id, operator=operator, reprint=reprint)
        except BaseException:
            target.unlink(missing_ok=True)  # not recorded, so not printed: no receipt left behind
            raise
    print(f"已生成{'补打' if reprint else ''}回执 {stored['receipt_no']}：{target}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Exit 0 for a genuine receipt of a case that stands; 2 when the text cannot be read, does
    not match the database, or the case was voided (the message says which)."""
    from .common import read_text

    text = read_text("-") if args.text == "-" else args.text
    if len(text) > 4096:
        raise InputError("QR_TEXT", "二维码内容过长，不是本程序回执的二维码", "the QR text is too long to be this program's receipt")
    with _open(args) as office:
        outcome = office.verify(text)
        resettled = office.resettlements(outcome["case_id"]) if outcome["ok"] else []
    if args.json:
        _dump({**outcome, "resettlements": resettled} if resettled else outcome)
        return 0 if outcome["ok"] else 2
    if outcome["ok"]:
        print(f"回执 {outcome['receipt_no']}（案件 {outcome['case_id']}）真实有效，与数据库一致。")
        for r in resettled:   # store-cli.md: a note when a 补差 corrected it later
            print(f"注意：该案件已于 {r['created_at'][:10]} 补差（补差回执号 {r['number']}，补差合计 {r['to_pay']}，"
                  f"原因：{r['reason']}），实际支付以原回执加补差结算单为准。")
        return 0
    head = f"回执 {outcome['receipt_no']}" if outcome["receipt_no"] else "二维码内容"
    sys.stderr.write(f"{head}未通过核验（QR_TEXT）/ the receipt (QR_TEXT) did not verify：\n")
    for problem in outcome["problems"]:
        sys.stderr.write(f"  {problem}\n")
    return 2


def _backup(args: argparse.Namespace) -> int:
    with _open(args) as office:
        target = None
        if args.output:
            target = Path(args.output)
            if target.exists():
                raise InputError("-o", f"{target} 已存在，请换一个文件名（不会覆盖已有文件）",
                                 f"{target} exists; choose another name (files are never overwritten)")
        made = office.backup(target).value
    print(f"已备份到 {made}")
    return 0


def _backup_file(path: str, magic: bytes) -> None:
    """The FILE of `restore` must be a database file at all (deeper checks are restore's own)."""
    where = validate.shown(path, 80)
    if Path(path).is_dir():
        raise InputError("FILE", f"{where} 是文件夹，请给出备份文件（.sqlite3），未做任何改动",
                         f"{where} is a folder, not a backup file; nothing changed")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(magic))
    except FileNotFoundError:
        raise InputError("FILE", f"找不到备份文件 {where}，未做任何改动", f"backup file {where} not found; nothing changed") from None
    except OSError as exc:
        raise InputError("FILE", f"无法读取 {where}（{exc.strerror}），未做任何改动", f"cannot read {where}; nothing changed") from None
    if head != magic:
        raise InputError("FILE", f"{where} 不是数据库备份文件（文件头无效），未做任何改动",
                         f"{where} is not a database backup (bad header); nothing changed")


def _restore(args: argparse.Namespace) -> int:
    from ..office import Office, StoreError
    from ..store.database import SQLITE_MAGIC
    from ..store.location import refuse_restore
    from ..store.restore import skip_notice

    refuse_restore(Office.resolve_folder(args.data_dir))   # (on a server: its administrator's pg_restore)
    _backup_file(args.file, SQLITE_MAGIC)
    try:   # no daily backup now: a refused FILE leaves the data folder exactly as it was
        office = _open(args, log_in=True, daily_backup=False)
    except StoreError:   # too damaged to open: restore it as before
        office = None
    if office is not None and office.has_accounts():
        with office:
            done = office.restore(args.file).value
    else:
        if office is not None:
            office.close()
        done = Office.restore_folder(args.data_dir, args.file)
    if done["previous_saved_as"]:
        print(f"恢复前的数据库已备份到 {done['previous_saved_as']}")
    if done["damaged_moved_to"]:
        print(f"损坏的数据库已移到 {done['damaged_moved_to']}（未删除）")
    print(f"已从 {done['restored_from']} 恢复，共 {done['cases']} 件案件。")
    for skip in done["skipped"]:
        print(skip_notice(skip))
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..office import Office

    info = Office.check_folder(args.data_dir)
    print(f"数据库完好：{info['path']}（数据结构版本 {info['schema_version']}，人员 {info['persons']}，"
          f"案件 {info['cases']}，回执 {info['receipts']}，操作记录 {info['audit']}）")
    return 0


def _policy_list(args: argparse.Namespace) -> int:
    with _open(args) as office:
        rows = office.policy_versions(args.region)
    if args.json:
        keys = ("id", "region", "name", "description", "valid_from", "reason", "operator", "created_at", "in_force")
        _dump([{**{k: r[k] for k in keys}, "value": json.loads(r["value_json"])} for r in rows])
        return 0
    if not rows:
        print("没有本地调整的政策参数，均按随程序发布的政策文件计算。")
        return 0
    for r in rows:
        state = "已生效" if r["in_force"] else "待生效"
        print(f"{r['id']}  {r['region_name']}  {r['name']}（{r['description']}）自 {r['valid_from']} 起（{state}）："
              f"{r['value_text']}")
        print(f"    原因：{r['reason']}；{r['operator']} {r['created_at']}")
    print(f"共 {len(rows)} 项本地调整。")
    return 0


def _policy_set(args: argparse.Namespace) -> int:
    from ..office import parse_value_text

    with _open(args, log_in=True) as office:
        template = office.parameter_template(args.region, args.name) if args.region in REGIONS else None
        value = parse_value_text(args.value, template)
        operator, _ = _who(office, args)
        done = office.add_policy_version(args.region, args.name, value, args.valid_from, args.reason, operator).value
    if done.get("state") == "待审批":
        print(f"已提出参数调整 {done['id']}：{REGIONS[done['region']]} {done['name']} 自 {done['valid_from']} 起；"
              f"须由另一账户（审核或管理员）执行 python -m engine cases policy-approve {done['id']} 后生效。")
        return 0
    print(f"已调整：{done['region_name']} {done['name']}（{done['description']}）自 {done['valid_from']} 起为 "
          f"{done['value_text']}；原因：{done['reason']}（{done['operator']}）。")
    print("已保存的案件不受影响；结算日期在此之后的案件按新值计算，并提示使用了本地调整的取值。"
          "其他已打开的程序窗口在下一次计算时即使用新值。")
    return 0


def _what_if(args: argparse.Namespace) -> int:
    with _open(args) as office:
        report = office.what_if(args.year, [tuple(s) for s in args.set], args.valid_from)
    for line in report.lines():
        print(line)
    if args.output:
        try:
            report.write_xlsx(args.output)
        except OSError as exc:
            raise InputError("-o", f"无法写入 {args.output}（{exc.strerror}）", f"cannot write {args.output} ({exc.strerror})") from None
        print(f"已写出人员对比表：{args.output}")
    print(json.dumps(report.summary(), ensure_ascii=False))
    return 0


class _DatabaseUrl(argparse.Action):
    """--database-url: the store on a PostgreSQL server, for this run (it stands for SANCHONG_DATABASE_URL)."""

    def __call__(self, parser, namespace, value, option_string=None):
        from ..store import location

        if not location.is_url(value):
            parser.error("--database-url: 数据库地址应以 postgresql:// 开头，例如 postgresql://用户@服务器:5432/数据库名 "
                         "/ a database URL starts with postgresql://")
        os.environ[location.ENV_VAR] = value
        setattr(namespace, self.dest, value)


def add_parser(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    cases = sub.add_parser("cases", help="the case store: save, list, show, void, ledger, export, import, backup")
    cases.add_argument("--data-dir", help="data folder (else SANCHONG_DATA_DIR, else the user data folder)")
    cases.add_argument("--database-url", action=_DatabaseUrl, metavar="URL",
                       help="a PostgreSQL server: postgresql://user@host:port/dbname (as SANCHONG_DATABASE_URL; "
                            "else the data folder's database.json, else SQLite in the data folder)")
    cmds = cases.add_subparsers(dest="cases_command", required=True, parser_class=parser_class)

    p = cmds.add_parser("save", help="save one case or {\"cases\": [...]}")
    p.add_argument("file", metavar="FILE", help="case JSON, or - for standard input")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"), help="经办人 (default: the settings)")
    p.add_argument("--office", type=arg(validate.office_name, "--office"), metavar="CODE",
                   help="经办点代码 (a registered office name is accepted too; default: this folder's office)")
    p.set_defaults(run=_save)

    p = cmds.add_parser("list", help="list saved cases, oldest first")
    p.add_argument("--id-number", type=arg(check_id_number, "--id-number"))
    p.add_argument("--name", type=arg(validate.free_text, "--name", "姓名", 30), help="part of a name")
    p.add_argument("--year", type=YEAR)
    p.add_argument("--region", choices=list(REGIONS))
    p.add_argument("--operator", type=arg(validate.free_text, "--operator", "经办人", 20))
    p.add_argument("--from", dest="date_from", type=_date_arg, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=_date_arg, metavar="YYYY-MM-DD")
    p.add_argument("--office", type=arg(validate.office_name, "--office"), metavar="CODE",
                   help="one office: its code (or its name)")
    p.add_argument("--include-void", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_list)

    p = cmds.add_parser("show", help="one case: input, result with steps, receipt, void state, audit")
    p.add_argument("case_id", metavar="CASE_ID", type=CASE_ID)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_show)

    p = cmds.add_parser("void", help="作废 a case, with a reason")
    p.add_argument("case_id", metavar="CASE_ID", type=CASE_ID)
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.set_defaults(run=_void)

    p = cmds.add_parser("resettle", help="补差: cases whose replayed result differs from what was paid")
    p.add_argument("case_id", metavar="CASE_ID", type=int, nargs="?", help="the case to settle")
    p.add_argument("--pending", action="store_true", help="list the cases waiting for 补差")
    p.add_argument("--reason", help="why (required to settle)")
    p.add_argument("--json", action="store_true", help="with --pending: a JSON list")
    p.add_argument("-o", "--output", metavar="FILE.pdf", help="also write the 补差结算单")
    p.add_argument("--operator")
    p.set_defaults(run=_resettle)

    p = cmds.add_parser("day-report", help="日结: what was done on a day (by recorded time), PDF or xlsx")
    p.add_argument("--date", type=_date_arg, metavar="YYYY-MM-DD", help="default: today")
    p.add_argument("--office", metavar="CODE", help="one office (default: all)")
    p.add_argument("-o", "--output", required=True, metavar="F.pdf|F.xlsx")
    p.set_defaults(run=_day_report)

    p = cmds.add_parser("month-report", help="the month report to the district (cases by the time of saving), with "
                        "the 统计 charts, xlsx or PDF")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--month", type=int, required=True)
    p.add_argument("-o", "--output", required=True, metavar="F.xlsx|F.pdf")
    p.add_argument("--mask-id", action="store_true", help="mask ID numbers in the xlsx (the PDF always masks them)")
    p.set_defaults(run=_month_report)

    p = cmds.add_parser("ledger", help="a person's year ledger: caps and deductibles used and left")
    p.add_argument("id_number", metavar="ID_NUMBER", type=arg(check_id_number, "ID_NUMBER"))
    p.add_argument("--year", type=YEAR, required=True)
    p.add_argument("--region", choices=list(REGIONS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_ledger)

    p = cmds.add_parser("receipt", help="the receipt PDF of a saved case")
    p.add_argument("case_id", metavar="CASE_ID", type=CASE_ID)
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--reprint", action="store_true", help="补打 (a second print is a reprint anyway)")
    p.add_argument("--layout", choices=["A4", "A5"], default="A4")
    p.add_argument("--office-copy", action="store_true",
                   help="the office's copy (存根, with the internal notes) after the resident's (also the setting office_copy=1)")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.set_defaults(run=_receipt)

    p = cmds.add_parser("verify", help="check a receipt's QR code text against the database")
    p.add_argument("text", metavar="TEXT", help="the decoded QR text, or - for standard input")
    p.add_argument("--json", action="store_true", help='{"ok", "case_id", "receipt_no", "void", "problems"}')
    p.set_defaults(run=_verify)

    p = cmds.add_parser("persons", help="find persons by ID number or (fuzzily) by name")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--id-number", type=arg(check_id_number, "--id-number"))
    who.add_argument("--name", type=arg(validate.free_text, "--name", "姓名", 30))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_persons)

    p = cmds.add_parser("warnings", help="the early-warning list of a year")
    p.add_argument("--year", type=YEAR, required=True)
    p.add_argument("--region", choices=list(REGIONS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_warnings)

    p = cmds.add_parser("export", help="a year's cases as xlsx or csv for the district's report")
    p.add_argument("--year", type=YEAR, required=True)
    p.add_argument("--month", type=MONTH)
    p.add_argument("--region", choices=list(REGIONS))
    p.add_argument("--format", choices=["xlsx", "csv"], required=True)
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--include-void", action="store_true")
    p.add_argument("--mask-id", action="store_true", help="mask ID numbers")
    p.set_defaults(run=_export)

    p = cmds.add_parser("import-persons", help="persons and identities from the civil-affairs list (xlsx/csv)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_import)

    p = cmds.add_parser("backup", help="back up the database")
    p.add_argument("-o", "--output", metavar="FILE")
    p.set_defaults(run=_backup)

    p = cmds.add_parser("restore", help="restore the database from a backup (the current one is backed up first)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--operator", help="账户名 when the office has accounts (a 管理员)")
    p.set_defaults(run=_restore)

    p = cmds.add_parser("check", help="integrity check")
    p.set_defaults(run=_check)

    p = cmds.add_parser("policy-list", help="local (dated) changes of policy parameters stored in the database")
    p.add_argument("--region", choices=list(REGIONS))
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_policy_list)

    p = cmds.add_parser("policy-set", help="a new dated value of one parameter of one region (past cases never change)")
    p.add_argument("region", metavar="REGION", help=", ".join(REGIONS))
    p.add_argument("name", metavar="NAME", help="parameter name, e.g. basic.inpatient.deductible")
    p.add_argument("value", metavar="VALUE", help="JSON: 30000, 0.80, '{\"一类\": 1.0, ...}', '[...]'")
    p.add_argument("--from", dest="valid_from", required=True, type=_date_arg, metavar="YYYY-MM-DD",
                   help="first settlement date the value applies to: today or later, after every saved case")
    p.add_argument("--reason", required=True, type=arg(validate.free_text, "--reason", "调整原因", 200))
    p.add_argument("--operator", type=arg(validate.account_name, "--operator"))
    p.set_defaults(run=_policy_set)

    from .accounts import add_parsers
    from .move import add_parser as add_move
    from .offices import add_parsers as add_office_parsers
    from .settlements import add_parser as add_settlements

    add_parsers(cmds, parser_class)
    add_office_parsers(cmds, parser_class)
    add_settlements(cmds, _who)
    add_move(cmds)
    p = cmds.add_parser("what-if", help="模拟测算: the year's stored cases re-run with changed parameters; nothing is saved")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--set", nargs=3, action="append", required=True, metavar=("REGION", "PARAM", "VALUE"),
                   help="a changed parameter, VALUE as policy-set takes it (repeat for several)")
    p.add_argument("--from", dest="valid_from", type=_date_arg, metavar="YYYY-MM-DD",
                   help="the first settlement date the changes apply to (default: 1 January of the year)")
    p.add_argument("-o", "--output", metavar="DIFF.xlsx", help="each person with both figures")
    p.set_defaults(run=_what_if)
