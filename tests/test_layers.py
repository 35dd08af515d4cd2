"""The architecture as a test: every import in service/ follows the layer rules (read by ast)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1] / "service"

ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "errors": set(),
    "observability": set(),
    "config": {"domain"},
    "security": {"config", "domain", "errors"},
    "store": {"config", "domain"},
    "providers": {"config", "domain", "errors", "observability", "security"},
    "flows": {"config", "domain", "errors", "observability", "providers", "security", "store"},
    "http": {"config", "domain", "errors", "flows", "observability", "security"},
    "api": {"domain", "errors", "flows", "http", "observability"},
    "web": {"domain", "errors", "flows", "http"},
}
"""Part of service/ -> the other parts it may import. main, cli and __main__ wire everything."""

COMPOSITION_ROOTS = {"main", "cli", "__main__"}

THIRD_PARTY_OWNERS: dict[str, set[str]] = {
    "redis": {"store"},
    "fakeredis": {"store"},
    "hiredis": {"store"},
    "uvicorn": {"http", "cli"},
    "jinja2": {"http"},
}
"""A third-party package -> the only parts that may import it (Redis lives in store/ alone)."""


@dataclass(frozen=True)
class Import:
    """One import statement of a module of service/."""

    module: str
    """The importing module, relative to service/ (e.g. "api/sessions.py")."""
    part: str
    target: str
    line: int


def _part(path: Path) -> str:
    relative = path.relative_to(SERVICE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(SERVICE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(SERVICE))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}:{node.lineno} uses a relative import"
                targets = [node.module or ""]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            found += [Import(name, _part(path), target, node.lineno) for target in targets]
    return found


IMPORTS = _imports()


def test_the_rules_name_every_part_of_service() -> None:
    """A new folder of service/ must be given its rule here."""
    parts = {item.part for item in IMPORTS} - COMPOSITION_ROOTS
    assert parts <= set(ALLOWED), f"parts without a rule: {sorted(parts - set(ALLOWED))}"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_what_its_layer_allows(part: str) -> None:
    """domain pure, store without providers, providers without store, api/web through flows."""
    forbidden = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if item.part == part
        and item.target.startswith("service.")
        and (imported := item.target.split(".")[1]) != part
        and imported not in ALLOWED[part]
    ]
    assert forbidden == []


@pytest.mark.parametrize("package", sorted(THIRD_PARTY_OWNERS))
def test_infrastructure_packages_stay_in_their_part(package: str) -> None:
    """Only store/ imports a Redis client; only http/ (and the CLI) the server and templates."""
    outside = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if item.target.split(".")[0] == package
        and item.part not in THIRD_PARTY_OWNERS[package] | {"main"}
    ]
    assert outside == []


def test_no_private_module_of_a_dependency_is_imported() -> None:
    """redis._parsers, uvicorn.protocols and the like are other projects' internals."""
    private = [
        f"{item.module}:{item.line} imports {item.target}"
        for item in IMPORTS
        if not item.target.startswith("service")
        and (
            any(segment.startswith("_") for segment in item.target.split(".")[1:])
            or item.target.startswith("uvicorn.protocols")
        )
    ]
    assert private == []


def test_no_module_level_cache() -> None:
    """Caches hang off the app's context: no functools cache decorators in service/."""
    cached = []
    for path in sorted(SERVICE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    called = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = called.attr if isinstance(called, ast.Attribute) else ""
                    name = called.id if isinstance(called, ast.Name) else name
                    if name in {"lru_cache", "cache"}:
                        cached.append(f"{path.relative_to(SERVICE)}:{node.lineno} {node.name}")
    assert cached == []
