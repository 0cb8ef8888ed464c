"""`python -m engine ...`: the engine's command line (case-format.md).

Never prints a traceback: bad input exits 2 with a Chinese and English message
naming the field; anything else exits 1 with a message.
"""
from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
from pathlib import Path

from ..errors import InputError, PolicyDataError
from ..store.errors import StoreError
from .common import Parser, read_json, write_bytes


def _calc(args: argparse.Namespace) -> int:
    import orjson

    from .. import collector
    from ..calculate import each_result, is_list, parse_input

    with collector.paused():   # a year of cases is bulk work, from reading to writing
        doc = read_json(args.file)
        listed = is_list(doc)
        cases = parse_input(doc)
        del doc   # the cases hold what they need: the document's memory is reused for the results
        # Each result is encoded as soon as it is made and let go, so a year's results never pile up in
        # memory (a fresh process pays for every new page it touches: most of the time a case took).
        # The output is made whole before any of it is written: a case refused halfway writes nothing.
        # orjson writes the result (dicts, lists, strings, numbers, None: every amount already a string)
        # as UTF-8 bytes in one C call; case-format.md fixes the JSON value, not the whitespace. The
        # stored text, whose hash a receipt carries, keeps its own encoder (engine/codec.py).
        out = io.BytesIO()
        out.write(b'{"results":[' if listed else b"")
        for i, result in enumerate(each_result(cases, indexed=listed)):
            out.write(b"," if i else b"")
            out.write(orjson.dumps(result.to_json()))
        out.write(b"]}\n" if listed else b"\n")
        data = out.getbuffer()
        if args.pretty:   # the same value, indented for people
            data = orjson.dumps(orjson.loads(data), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        write_bytes(data)
    return 0


def _receipt(args: argparse.Namespace) -> int:
    """A trial receipt (试算) of a case file: never a receipt number, never recorded. A saved case's
    receipt is printed only from the store, by its number (`cases receipt CASE_ID`); given a case
    as `cases show --json` prints it, only its input is taken, and computed afresh as a trial."""
    from ..receipt.make import from_case, write
    from .. import validate
    from .common import output_file

    target = Path(output_file(args.output))
    doc = read_json(args.file)
    if isinstance(doc, dict) and "receipt_no" in doc:
        if not isinstance(doc.get("input"), dict):
            raise InputError("FILE", "这是保存命令输出的一行，缺少录入的费用信息；请用 python -m engine cases receipt 案件编号 -o 文件.pdf",
                             "this is a save output line without the case input; use: python -m engine cases receipt CASE_ID -o FILE.pdf")
        doc = doc["input"]
    office = validate.office_name(args.office, "--office", required=False)
    window = validate.office_name(args.window, "--window", "窗口", required=False)
    operator = validate.account_name(args.operator, "--operator") if args.operator else ""
    data = from_case(doc, office=office, window=window, operator=operator)
    partial = target.with_name(target.name + ".partial")
    try:
        write(data, partial, args.layout)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError("-o", f"无法写入 {args.output}（{exc.strerror}）", f"cannot write {args.output} ({exc.strerror})") from None
    print(f"已生成试算回执（未保存，不作结算凭证）：{args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m engine", description="三重保障计算器 engine")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    calc = sub.add_parser("calc", help="compute one case or a year of cases (case-format.md)")
    calc.add_argument("file", metavar="CASE.json", help="the case file, or - for standard input")
    calc.add_argument("--pretty", action="store_true", help="indent the JSON output")
    calc.set_defaults(run=_calc)
    receipt = sub.add_parser("receipt", help="a trial receipt PDF (试算) of a case; saved cases: `cases receipt CASE_ID`")
    receipt.add_argument("file", metavar="CASE.json", help="a CASE (or a case from `cases show --json`, computed afresh as a trial); - for standard input")
    receipt.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    receipt.add_argument("--layout", choices=["A4", "A5"], default="A4")
    receipt.add_argument("--office", help="经办机构 printed on a trial receipt")
    receipt.add_argument("--window", help="窗口")
    receipt.add_argument("--operator", help="经办人 printed on a trial receipt")
    receipt.set_defaults(run=_receipt)
    from .cases import add_parser

    add_parser(sub, Parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # whatever the console's code page; stdin is read as bytes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (exit 2, already explained) or --help (0)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.run(args)
    except InputError as exc:
        sys.stderr.write(exc.message() + "\n")
        return 2
    except StoreError as exc:
        sys.stderr.write(exc.message() + "\n")
        return 1
    except sqlite3.Error as exc:
        sys.stderr.write(f"数据库出错：{exc}。本次操作未完成；可用 python -m engine cases check 检查数据库\nDatabase error: {exc}\n")
        return 1
    except PolicyDataError as exc:
        sys.stderr.write(f"政策参数文件有误，请联系管理员：{exc}\nPolicy data error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say
        return 1
    except Exception as exc:  # never a traceback in front of a clerk
        sys.stderr.write(f"内部错误，请联系管理员：{type(exc).__name__}: {exc}\nInternal error: {type(exc).__name__}: {exc}\n")
        return 1
