"""The package's layers: the pipeline (`digest.build`, `digest.pipeline`) reads the incremental
layer (`digest.incremental`), and the stages below it (reading, parsing, merging, rendering,
search, feeds, writing) know nothing of either; no module imports one that imports it back.
Read from the source, every import (those inside functions too), so a change that breaks a
layer fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "digest"
TOP = {"digest.cli", "digest.serve", "digest.__main__"}
"""Commands, above the pipeline."""
PIPELINE = {"digest.build", "digest.pipeline"}
INCREMENTAL = "digest.incremental"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, set[str]]:
    """Each module of the package → the modules of the package it imports."""
    found = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert not node.level, f"{name}: a relative import; the package imports by full names"
                base = node.module or ""
                for alias in node.names:  # `from digest import site` imports a module; else a name of `base`
                    imported.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base)
        graph[name] = {module for module in imported if module in found and module != name}
    return graph


def in_layer(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def test_the_graph_is_read() -> None:
    graph = modules()
    assert {"digest.incremental.check", "digest.pipeline"} <= graph["digest.build"]  # the latter inside a function
    assert {"digest.workers", "digest.incremental.planner"} <= graph["digest.pipeline"]
    assert "digest.parse.arxiv" in graph["digest.parse"]  # `from digest.parse.arxiv import ...`


def test_only_the_pipeline_and_commands_read_the_incremental_layer() -> None:
    wrong = {
        f"{module} imports {imported}"
        for module, imports in modules().items()
        for imported in imports
        if in_layer(imported, INCREMENTAL) and not in_layer(module, INCREMENTAL) and module not in PIPELINE | TOP
    }
    assert not wrong, sorted(wrong)


def test_nothing_below_the_pipeline_imports_it() -> None:
    wrong = {
        f"{module} imports {imported}"
        for module, imports in modules().items()
        for imported in imports
        if (imported in PIPELINE and module not in PIPELINE | TOP) or (imported in TOP and module not in TOP)
    }
    assert not wrong, sorted(wrong)


def test_no_import_cycle() -> None:
    graph = modules()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append(" → ".join([*path[path.index(imported) :], imported]))
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, cycles
