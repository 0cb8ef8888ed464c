"""The quick depth check (a document whose strings need no visit) refuses exactly what the full walk
refuses: a value deeper than MAX_DEPTH, in a list or an object, at any place of the document."""
import pytest

from engine.errors import InputError
from engine.validate import MAX_DEPTH, check_tree


def _nest(depth: int, leaf, in_object: bool) -> object:
    doc = leaf
    for i in range(depth):
        doc = {f"k{i}": doc} if in_object and i % 2 else [doc]
    return doc


def _refused(doc, check_strings: bool) -> bool:
    try:
        check_tree(doc, check_strings=check_strings)
    except InputError:
        return True
    return False


@pytest.mark.parametrize("in_object", [False, True])
@pytest.mark.parametrize("leaf", [1, "x", [], {}, None])
def test_the_quick_check_refuses_what_the_walk_refuses(in_object, leaf):
    for depth in range(MAX_DEPTH - 2, MAX_DEPTH + 3):
        doc = {"cases": [{"region": "wuhan"}, {"flags": _nest(depth, leaf, in_object)}]}
        assert _refused(doc, False) == _refused(doc, True), depth
    assert not _refused(_nest(MAX_DEPTH - 1, 1, in_object), False)
    assert _refused([_nest(MAX_DEPTH, 1, in_object)], False)
