"""The package's layers: imports point one way, no circles, each third-party library in its own room.

The layers, top to bottom (README, Layout)::

    cli -> tui -> usecases -> reports | sync | balance -> storage | stats | plans -> core | infra -> errors

A module may import its own package and any package of a lower layer; never a package above it or
beside it. The static checks read every ``import`` in the source (also those inside functions and
under ``TYPE_CHECKING``); the subprocess checks import the lower layers in a fresh interpreter and
look at what was loaded, which also catches a library pulled in indirectly.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fieldtool"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),  # with fieldtool/__main__.py
    ("tui",),
    ("usecases",),
    ("reports", "sync", "balance"),
    ("storage", "stats", "plans"),
    ("core", "infra"),
    ("errors", ""),  # "" is the package's own __init__ (its version)
)
"""Rooms of `fieldtool`, by layer from the top."""

ONLY_USER = {
    "textual": {"tui"},
    "rich": {"tui"},
    "reportlab": {"reports"},
    "sqlite_utils": {"storage"},
    "numpy": {"stats"},
    "starlette": {"sync"},
    "uvicorn": {"sync"},
    "serial": {"balance"},
    "pypdf": {"sync"},
    "cryptography": {"infra"},
    "platformdirs": {"infra"},
}
"""The third-party libraries and the only rooms that may import them."""


@dataclass(frozen=True)
class Import:
    """One import statement of a fieldtool module."""

    module: str
    """The importing module, e.g. ``fieldtool.usecases.check``."""
    target: str
    """The imported module, resolved to a submodule where ``from package import submodule``."""
    line: int
    typing_only: bool
    """Under ``if TYPE_CHECKING:`` (no import at run time)."""

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str) -> Iterator[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    typing_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                typing_lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in dict.fromkeys(names):
            yield Import(module, name, node.lineno, node.lineno in typing_lines)


ALL_IMPORTS = [i for m in MODULES for i in _imports(m)]


def _room(module: str) -> str:
    """The room of a fieldtool module: its first part under `fieldtool` ("" for the package itself)."""
    parts = module.split(".")
    room = parts[1] if len(parts) > 1 else ""
    return "cli" if room == "__main__" else room  # ``python -m fieldtool`` is the command line


def _layer(room: str) -> int:
    for depth, rooms in enumerate(LAYERS):
        if room in rooms:
            return depth
    raise AssertionError(f"fieldtool.{room} is in no layer: add it to LAYERS and README's Layout")


def test_every_room_has_a_layer() -> None:
    assert {_room(m) for m in MODULES} <= {r for rooms in LAYERS for r in rooms}


def test_imports_point_down_only() -> None:
    wrong = []
    for imp in ALL_IMPORTS:
        if imp.target.split(".")[0] != "fieldtool":
            continue
        here, there = _room(imp.module), _room(imp.target)
        if here != there and _layer(there) <= _layer(here):
            wrong.append(str(imp))
    assert wrong == []


def test_core_imports_only_the_standard_library_and_errors() -> None:
    allowed = set(sys.stdlib_module_names) | {"fieldtool"}
    wrong = [str(i) for i in ALL_IMPORTS if _room(i.module) == "core"
             and (i.target.split(".")[0] not in allowed
                  or (i.target.startswith("fieldtool") and _room(i.target) not in {"core", "errors"}))]
    assert wrong == []


@pytest.mark.parametrize("library", sorted(ONLY_USER))
def test_each_library_is_imported_in_its_own_room_only(library: str) -> None:
    wrong = [str(i) for i in ALL_IMPORTS
             if i.target.split(".")[0] == library and _room(i.module) not in ONLY_USER[library]]
    assert wrong == []


def test_no_circles_in_the_import_graph() -> None:
    """Run-time imports (inside functions too) form no cycle, the package's ``__init__`` files included."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if not imp.typing_only and imp.target in MODULES and imp.target != imp.module:
            graph[imp.module].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert cycles == []


def _loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def _below(room_layer: int) -> list[str]:
    return [m for m in MODULES if _layer(_room(m)) > room_layer]


def test_nothing_below_the_tui_loads_textual() -> None:
    loaded = _loaded_after_importing(_below(_layer("tui")))
    assert {"textual", "rich"} & loaded == set()


def test_nothing_below_the_reports_loads_reportlab() -> None:
    loaded = _loaded_after_importing(_below(_layer("reports")))
    assert "reportlab" not in loaded
    assert {"fieldtool", "sqlite_utils", "numpy"} <= loaded  # the probe did import the layers below


def test_core_loads_no_third_party_library() -> None:
    core = [m for m in MODULES if _room(m) in {"core", "errors", ""}]
    loaded = _loaded_after_importing(core) - _loaded_after_importing([])  # less what site itself loads
    assert loaded - set(sys.stdlib_module_names) - {"fieldtool"} == set()
