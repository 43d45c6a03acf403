"""The house rules of the package layout, checked on the source itself.

Layers go one way: `cnam_desk.db` at the bottom imports no feature; the features
(schedule, requests, grading, documents) import no Qt; the window (`cnam_desk.ui`) runs no SQL.
No import cycle between modules, counting imports inside functions; an import inside a function
is allowed only where a heavy library is deferred on purpose, and says so. No module over 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cnam_desk"
MAX_LINES = 500
FEATURES = ("schedule", "requests", "grading", "documents")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        parts = ("cnam_desk",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The cnam_desk modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    found = []
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            found.append(f"{base}.{alias.name}")
        elif base in MODULES:
            found.append(base)
    return found


def _imports(module: str) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement of a module, with whether it sits inside a function."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    inner: set[int] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            inner.update(id(n) for n in ast.walk(function) if isinstance(n, ast.Import | ast.ImportFrom))
    return [
        (node, id(node) in inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for node, _inner in _imports(module):
            graph[module].update(t for t in _targets(module, node) if t != module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_imports_inside_functions_only_defer_heavy_libraries_and_say_so() -> None:
    unexplained = []
    for module, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, inner in _imports(module):
            if not inner:
                continue
            said = " ".join(lines[max(node.lineno - 2, 0) : node.end_lineno]).lower()
            if "deferred" not in said:
                unexplained.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    assert unexplained == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_500_lines(module: str) -> None:
    assert len(MODULES[module].read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def _imported_names(module: str) -> set[str]:
    names = set()
    for node, _inner in _imports(module):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_database_layer_imports_no_feature_and_no_window() -> None:
    upward = {
        module: sorted(n for n in _imported_names(module) if n.startswith("cnam_desk.")
                       and not n.startswith(("cnam_desk.db", "cnam_desk.errors", "cnam_desk.settings", "cnam_desk.paths")))
        for module in MODULES
        if module.startswith("cnam_desk.db")
    }  # fmt: skip
    assert {module: names for module, names in upward.items() if names} == {}


def test_features_import_no_qt() -> None:
    with_qt = [
        module
        for module in MODULES
        if module.count(".") >= 1 and module.split(".")[1] in FEATURES and any(n.startswith("PySide6") for n in _imported_names(module))
    ]
    assert with_qt == []


def test_the_window_runs_no_sql() -> None:
    with_sql = [
        module
        for module in MODULES
        if module.startswith("cnam_desk.ui") and any(n.startswith("sqlalchemy") for n in _imported_names(module))
    ]
    assert with_sql == []


def test_each_feature_is_a_package() -> None:
    for feature in FEATURES:
        assert f"cnam_desk.{feature}" in MODULES
    loose = {"exam_calendar", "planning", "enrolments", "conflicts", "planning_export", "checks", "letters"}
    assert not {module.rsplit(".", 1)[-1] for module in MODULES if module.count(".") == 1} & loose
