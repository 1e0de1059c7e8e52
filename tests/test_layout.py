"""The layout shows the flow: no module of a shipped package imports another that imports it back, even lazily.

Imports inside functions count: they keep `payssam --help` fast, but a circle through them still ties two
modules' jobs together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "payssam": ROOT / "wrapper" / "payssam",
    "payssam_sim": ROOT / "mock" / "payssam_sim",
    "payssam_pytest": ROOT / "mock" / "payssam_pytest",
}


def imports(package: str, source: str) -> set[str]:
    """The sibling modules a module's source imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module.split(".")[0]] if node.module else [alias.name for alias in node.names])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == package:
            found.update(alias.name for alias in node.names)  # `from payssam import cli`: as `from . import cli`
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(f"{package}."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith(f"{package}."))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle a depth-first walk meets, each as the modules on it, first repeated last."""
    found: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def walk(module: str) -> None:
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                found.append([*path[path.index(imported) :], imported])
            elif imported not in done:
                walk(imported)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            walk(module)
    return found


def graph_of(package: str, folder: Path) -> dict[str, set[str]]:
    modules = {path.stem: path for path in folder.glob("*.py")}
    return {
        name: {m for m in imports(package, path.read_text(encoding="utf-8")) if m in modules and m != name}
        for name, path in modules.items()
    }


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_module_imports_one_that_imports_it_back(package: str) -> None:
    graph = graph_of(package, PACKAGES[package])
    assert len(graph) > 1
    assert cycles(graph) == []


def test_the_check_sees_a_circle_through_a_function_local_import() -> None:
    cli = "from . import _review\n"
    review = "def settings():\n    from .cli import Settings\n    return Settings\n"
    graph = {"cli": imports("payssam", cli), "_review": imports("payssam", review)}
    assert graph == {"cli": {"_review"}, "_review": {"cli"}}
    assert cycles(graph) == [["_review", "cli", "_review"]]


def test_the_check_sees_every_spelling_of_an_import() -> None:
    source = (
        "from . import a\nfrom .b import x\nfrom payssam import c\nfrom payssam.d import y\nimport payssam.e\n"
        "import other\nfrom other import f\n"
    )
    assert imports("payssam", source) == {"a", "b", "c", "d", "e"}
