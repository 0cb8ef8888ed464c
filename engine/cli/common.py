"""What every command of `python -m engine` shares: its argument parser and reading JSON input."""
from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal

from ..errors import InputError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors are bad input too: exit 2
        self.print_usage(sys.stderr)
        sys.stderr.write(f"命令行参数有误：{message}\nInvalid arguments: {message}\n")
        sys.exit(2)


def read_json(path: str) -> object:
    """A JSON document from a file or standard input ('-'); numbers with decimals stay Decimal."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8-sig") as fh:
                text = fh.read()
    except FileNotFoundError:
        raise InputError("FILE", f"找不到文件 {path}", f"file not found: {path}") from None
    except UnicodeDecodeError:
        raise InputError("FILE", f"文件 {path} 不是 UTF-8 编码的 JSON", f"{path} is not UTF-8 JSON") from None
    except OSError as exc:
        raise InputError("FILE", f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError("JSON", f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
                         f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _reject_constant(name: str):
    raise InputError("JSON", f"JSON 中不允许 {name}", f"{name} is not allowed in JSON")
