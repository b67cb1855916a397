"""The engine stays a pure library: no Excel library behind it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sso_kpi


def test_engine_imports_neither_openpyxl_nor_xlwings():
    modules = [f"sso_kpi.{m.name}" for m in pkgutil.iter_modules(sso_kpi.__path__)]
    assert "sso_kpi.consolidation" in modules and len(modules) >= 9
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}];"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings', "
        "'python_calamine', 'sso_app')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# The adapters' layers, lowest first: a module may import its own layer and those below.
LAYERS = {"files": 0, "book": 1, "national": 2}
COMMAND = 3  # sso_app/<command>.py: build, rebuild, bookimport, consolidate, report, demo...
ENTRY = 4  # the CLI dispatches to every command
APP = Path(__file__).resolve().parents[1] / "sso_app"


def _layer(module: str) -> int:
    parts = module.split(".")
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return ENTRY if parts[1] == "cli" else COMMAND


def _app_imports() -> dict[str, set[str]]:
    """sso_app module -> the sso_app modules it imports (anywhere in its body)."""
    graph: dict[str, set[str]] = {}
    for path in APP.rglob("*.py"):
        rel = path.relative_to(APP.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("sso_app"):
                    for alias in node.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if (APP.parent / (sub.replace(".", "/") + ".py")).exists()
                                  else base)  # fmt: skip
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("sso_app")}
        graph[name] = {m for m in found if m.count(".") >= 1} - {name}
    return graph


def test_adapters_import_downward_only_and_commands_not_each_other():
    graph = _app_imports()
    assert {"sso_app.files.writing", "sso_app.book.opening", "sso_app.national.intake"} <= set(
        graph
    )
    wrong = []
    for module, imports in graph.items():
        if module.count(".") < 1:
            continue
        for target in imports:
            if target.count(".") < 1:
                continue
            mine, theirs = _layer(module), _layer(target)
            if theirs > mine or (mine == theirs == COMMAND):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_adapters_have_no_import_cycle():
    graph = _app_imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    cycles = [c for n in sorted(graph) if n not in state and (c := visit(n, []))]
    assert cycles == []


def test_the_architecture_test_sees_an_upward_import():
    """A module of the files layer importing a command is caught (the check can fail)."""
    fake = APP / "files" / "zz_upward_probe.py"
    fake.write_text("from sso_app.rebuild import rebuild\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError):
            test_adapters_import_downward_only_and_commands_not_each_other()
    finally:
        fake.unlink()
