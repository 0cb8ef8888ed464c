"""What every command of `python -m engine` shares: its argument parser and reading input."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from decimal import Decimal

from ..errors import InputError
from ..validate import MAX_INPUT_BYTES, MAX_INT_DIGITS, check_tree, shown


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors are bad input too: exit 2
        self.print_usage(sys.stderr)
        sys.stderr.write(f"命令行参数有误：{message}\nInvalid arguments: {message}\n")
        sys.exit(2)


def read_bytes(path: str) -> bytes:
    """The raw input of a file or of standard input ('-'), at most MAX_INPUT_BYTES."""
    limit = MAX_INPUT_BYTES
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1)
            if isinstance(data, str):  # a text stream without bytes underneath (tests, embedding)
                data = data.encode("utf-8", "surrogatepass")
        else:
            if os.path.isdir(path):
                raise InputError("FILE", f"{shown(path, 80)} 是文件夹，请给出文件", f"{shown(path, 80)} is a folder, not a file")
            if os.path.getsize(path) > limit:
                raise _too_big(path)
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError("FILE", f"找不到文件 {shown(path, 80)}", f"file not found: {shown(path, 80)}") from None
    except OSError as exc:
        raise InputError("FILE", f"无法读取 {shown(path, 80)}：{exc.strerror}", f"cannot read {shown(path, 80)}: {exc.strerror}") from None
    if len(data) > limit:
        raise _too_big(path)
    return data


def write_bytes(data: bytes | memoryview) -> None:
    """UTF-8 output on standard output as it is, after any text already written there."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text stream without bytes underneath (embedding)
        sys.stdout.write(str(data, "utf-8"))
        return
    sys.stdout.flush()
    stream.write(data)
    stream.flush()


def _too_big(path: str) -> InputError:
    mib = MAX_INPUT_BYTES // (1024 * 1024)
    return InputError("FILE", f"输入超过 {mib} MB，请分批处理", f"the input {shown(path, 80)} exceeds {mib} MiB; split it")


def read_text(path: str) -> str:
    """Text from a file or standard input, decoded as UTF-8 (a BOM allowed) whatever the console's encoding."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        where = "标准输入" if path == "-" else shown(path, 80)
        raise InputError("FILE", f"{where} 不是 UTF-8 编码的文字，请另存为 UTF-8 后重试",
                         f"{'standard input' if path == '-' else shown(path, 80)} is not UTF-8 text") from None


def read_json(path: str) -> object:
    """A JSON document from a file or standard input ('-'): numbers with decimals stay Decimal;
    duplicate keys, NaN/Infinity, huge integers, nesting deeper than 32 and lone surrogates are refused."""
    return parse_json(read_text(path))


def parse_json(text: str) -> object:
    try:
        doc = json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=_reject_constant,
                         object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError("JSON", f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
                         f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError("JSON", "JSON 嵌套过深", "JSON nested too deeply") from None
    check_tree(doc, check_strings=_may_hold_lone_surrogate(text))
    return doc


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _may_hold_lone_surrogate(text: str) -> bool:
    """A lone surrogate in the document can only come from the text itself (never in text decoded from
    UTF-8) or from a \\uD800–\\uDFFF escape in it: without either, no string of the document needs
    checking one by one (a pair of escapes, or an escaped backslash before "ud8", costs the full check)."""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return True
    if text.isascii():   # CPython knows it without reading the text: no surrogate in it
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InputError("JSON", f"JSON 中的整数过长（{len(text)} 位）", f"an integer in the JSON is too long ({len(text)} digits)")
    return int(text)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    out = {}
    for key, value in pairs:
        if key in out:
            raise InputError(shown(key), f"JSON 中字段“{shown(key)}”重复出现，请只保留一个",
                             f"duplicate key {shown(key)!r} in the JSON; keep one")
        out[key] = value
    return out


def _reject_constant(name: str):
    raise InputError("JSON", f"JSON 中不允许 {name}", f"{name} is not allowed in JSON")


def arg(check, *extra):
    """An argparse `type` from a validate check: its InputError becomes a usage error (exit 2)."""
    def convert(text: str):
        try:
            return check(text, *extra)
        except InputError as exc:
            raise argparse.ArgumentTypeError(exc.zh) from None
    convert.__name__ = getattr(check, "__name__", "value")
    return convert


def whole_number(low: int, high: int, zh: str):
    """An argparse `type`: ASCII digits only, within [low, high] (checked on the text, before int())."""
    def convert(text: str) -> int:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(high)) or not low <= int(digits) <= high:
            raise argparse.ArgumentTypeError(f"{zh}应为 {low} 到 {high} 的整数，不是“{shown(text)}”")
        return int(digits)
    convert.__name__ = zh
    return convert


CASE_ID = whole_number(1, 2**63 - 1, "案件编号")
YEAR = whole_number(1900, 2200, "年度")
MONTH = whole_number(1, 12, "月份")


def output_file(path: str, field: str = "-o") -> str:
    """An output file argument: not an existing folder."""
    if os.path.isdir(path):
        raise InputError(field, f"{shown(path, 80)} 是一个文件夹，请给出要生成的文件名（如 回执.pdf）",
                         f"{shown(path, 80)} is a folder; give a file name")
    return path


def who(office, args: argparse.Namespace) -> tuple[str, str]:
    """(operator, office) a changing `cases` command records: --operator, else the settings, else the
    login name; --office, else this folder's office code, else its office name."""
    import getpass

    from .. import validate

    operator = getattr(args, "operator", None) or office.setting("operator")
    if not operator:
        try:
            operator = validate.account_name(getpass.getuser(), "operator")
        except Exception:  # no login name, or one that is not a valid operator name
            operator = "经办人"
    office_name = getattr(args, "office", None) or office.office_code() or office.setting("office")
    return validate.account_name(operator, "operator"), validate.office_name(office_name, "office")
