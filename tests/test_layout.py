"""The integration's shape: layers import one way, no module is over 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "skycentrics"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    """Module name (``coordinator``, ``api.client``; ``""`` and ``api``: the packages) -> file."""
    return {
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        .removesuffix("__init__")
        .strip("."): path
        for path in PACKAGE.rglob("*.py")
    }


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """The integration's modules that one module imports (relative imports, anywhere in it,
    type-checking ones included)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [part for part in package if part]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package[: len(package) - node.level + 1]
        target = ".".join([*base, *(node.module.split(".") if node.module else [])])
        found |= {target} & modules
        found |= {f"{target}.{alias.name}".strip(".") for alias in node.names} & modules
    return found - {name}


def test_no_import_circle() -> None:
    """No module imports, through others, one that imports it (0.2.0's coordinator, repairs and
    statistics did)."""
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or reaches(nxt, goal, seen | {nxt}) for nxt in graph[start] - seen)

    circles = sorted(name for name in graph if name and reaches(name, name, set()))
    assert circles == [], circles


def test_the_client_knows_nothing_of_home_assistant() -> None:
    """api/ is a plain client: no homeassistant import, nothing of the integration above it."""
    for name, path in _modules().items():
        if name.split(".")[0] != "api":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("homeassistant") for a in node.names), name
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("homeassistant"), name
                assert node.level <= 1, name


def test_no_module_over_600_lines() -> None:
    """Each module reads in one sitting."""
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
