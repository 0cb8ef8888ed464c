"""A case is never changed once parse_case made it (engine/case.py): no code of the engine or the
window assigns to a field of a case (`case.total = …`, `ctx.case.kind = …`, `setattr(case, …)`); a
changed case is a copy (`dataclasses.replace`). `Case` is not a frozen dataclass (making one would
cost three times as much), so this reads the code for it."""
import ast
import dataclasses
from pathlib import Path

from engine.case import Case

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {f.name for f in dataclasses.fields(Case)}
CASE_NAMES = {"case", "c", "parsed", "stored_case"}


def _is_case(node: ast.AST) -> bool:
    """`case`, `c`, … or anything's `.case` (ctx.case, self.case, stored.case)."""
    return (isinstance(node, ast.Name) and node.id in CASE_NAMES) or (isinstance(node, ast.Attribute) and node.attr == "case")


def _assigned(targets: list[ast.AST]) -> list[ast.AST]:
    """What an assignment binds: its targets, those unpacked from a tuple or list (`a, b = …`, `*a`)."""
    out = []
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            out += _assigned(target.elts)
        elif isinstance(target, ast.Starred):
            out += _assigned([target.value])
        else:
            out.append(target)
    return out


def _assignments_to_case_fields(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for part in _assigned(targets):
            if isinstance(part, ast.Attribute) and part.attr in FIELDS and _is_case(part.value):
                lines.append(part.lineno)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr")
                and node.args and _is_case(node.args[0])):
            lines.append(node.lineno)
    return lines


def test_no_code_assigns_to_a_field_of_a_case():
    found = {}
    for folder in ("engine", "gui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = _assignments_to_case_fields(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}


def test_the_reading_finds_what_it_looks_for():
    """The check itself: each way of changing a case is found, a copy or another object's field is not."""
    bad = ["case.total = 1", "ctx.case.kind = 'inpatient'", "c.flags |= {'drg'}", "setattr(case, 'region', 'wuhan')",
           "self.case.identities, x = (), 1", "del parsed.name"]
    good = ["case = replace(case, identities=())", "result.total = 1", "c.limit = 2", "cap.name = 'x'",
            "case_total = case.total", "diffs[case.region] = 1"]
    assert [bool(_assignments_to_case_fields(ast.parse(code))) for code in bad] == [True] * len(bad)
    assert [bool(_assignments_to_case_fields(ast.parse(code))) for code in good] == [False] * len(good)
