"""Error codes come from the catalogue classes in service/errors.py, never spelled elsewhere."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from service import errors

SERVICE = Path(__file__).resolve().parents[1] / "service"


def _catalogue_codes() -> set[str]:
    found: set[str] = set()
    pending: list[type[errors.ProblemError]] = [errors.ProblemError]
    while pending:
        error = pending.pop()
        found.add(error.code)
        pending += error.__subclasses__()
    return found


CODES = _catalogue_codes()


def test_the_catalogue_has_unique_codes_per_class() -> None:
    """Every class has its own code (two classes with one code would be two spellings)."""
    classes = [value for value in vars(errors).values() if isinstance(value, type)]
    problem_classes = [c for c in classes if issubclass(c, errors.ProblemError)]
    assert len({c.code for c in problem_classes}) == len(problem_classes)
    assert {"CONNECT_ACCESS_DENIED", "STORE_UNAVAILABLE", "INTERNAL_ERROR"} <= CODES


def test_no_code_is_spelled_outside_the_catalogue() -> None:
    """A string constant in service/ (outside errors.py) naming a code is a second spelling."""
    words = re.compile(r"\b(" + "|".join(sorted(CODES, key=len, reverse=True)) + r")\b")
    spelled = []
    for path in sorted(SERVICE.rglob("*.py")):
        if path == SERVICE / "errors.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and (match := words.search(node.value))
            ):
                spelled.append(f"{path.relative_to(SERVICE)}:{node.lineno} {match.group(1)}")
    assert spelled == []
