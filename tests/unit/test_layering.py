"""The packages import only downwards and never in a circle: extensions/db_types < kb < tickets, search < views < app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Top-level module or package -> its layer. A module may import its own package and lower layers only;
# tickets and search share a layer and so may not import each other.
LAYERS = {"extensions": 0, "db_types": 0, "kb": 1, "tickets": 2, "search": 2, "views": 3, "app": 4}


def _modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        package = ROOT / top
        if package.is_dir():
            for path in package.rglob("*.py"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        elif (ROOT / f"{top}.py").exists():
            found[top] = ROOT / f"{top}.py"
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Our modules this file imports, at the top or inside functions; `from pkg import mod` names the module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in MODULES else node.module)
    return {name for name in names if name in MODULES}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def test_the_walk_sees_the_packages():
    assert {"kb.catalog", "search.engine", "tickets.models", "views.rendering", "app"} <= set(MODULES)
    assert "tickets.models" in GRAPH["tickets.service"]


def test_no_import_goes_up_or_sideways():
    wrong = sorted(
        f"{source} imports {target}"
        for source, targets in GRAPH.items()
        for target in targets
        if _top(target) != _top(source) and LAYERS[_top(target)] >= LAYERS[_top(source)]
    )
    assert wrong == []


def test_no_import_circles():
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert circles == []
