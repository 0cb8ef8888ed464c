"""Documentation kept honest (in the manner of sqlite-utils' tests/test_docs.py): every
`python -m engine cases` subcommand, as the argparse parser defines it, is in README.md and is
described in ../shared/spec/store-cli.md or in docs/*.md."""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from engine.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SANCHONG_SHARED", ROOT.parent / "shared"))


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


CASES_COMMANDS = sorted(subcommands(subcommands(build_parser())["cases"]))


def described(command: str, text: str) -> bool:
    """`command …` or `cases command …` in backticks: a command's usage line, as store-cli.md writes it."""
    return re.search(rf"`(?:cases )?{re.escape(command)}(?: [^`]*)?`", text) is not None


def test_the_parser_has_the_store_cli_commands():
    assert {"save", "list", "show", "void", "ledger", "receipt", "export", "import-persons", "verify", "backup",
            "restore", "check"} <= set(CASES_COMMANDS)


@pytest.mark.parametrize("command", CASES_COMMANDS)
def test_cases_command_is_in_the_readme(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"python -m engine cases {re.escape(command)}\b", readme), f"README.md lacks `cases {command}`"


@pytest.mark.parametrize("command", CASES_COMMANDS)
def test_cases_command_is_described(command):
    spec = SHARED / "spec" / "store-cli.md"
    assert spec.is_file(), f"{spec} is missing (set SANCHONG_SHARED)"
    texts = {spec: spec.read_text(encoding="utf-8")}
    texts.update({p: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))})
    assert any(described(command, t) for t in texts.values()), \
        f"`cases {command}` is described in neither {spec} nor docs/*.md"
