"""The declared dependencies are true: every third-party import is declared, in the right list, and every floor
is the one `make test-floor` installs and tests (tests/floor_constraints.txt).

tqdm's only use is the bulk commands' bar, drawn on a terminal only, which no other test has: it is drawn here,
so the floor run exercises tqdm at its floor too.
"""

from __future__ import annotations

import ast
import io
import os
import struct
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import IO

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from payssam._progress import Progress

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
MOCK = [Requirement(line) for line in PROJECT["optional-dependencies"]["mock"]]
CONSTRAINTS = ROOT / "tests" / "floor_constraints.txt"
FIRST_PARTY = {"payssam", "payssam_api_client", "payssam_api_client_v2", "payssam_sim"}
DECLARED_UNIMPORTED = {"sniffio", "anyio"}
"""Declared without being imported by the SDK: httpcore imports sniffio and anyio itself (pyproject says why)."""


def third_party(tree: Path) -> set[str]:
    """The distributions the modules under tree import (absolute imports; stdlib and first party left out)."""
    to_distribution = packages_distributions()
    names: set[str] = set()
    for path in tree.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    names -= {*sys.stdlib_module_names, *FIRST_PARTY, "__future__"}
    return {canonicalize_name(to_distribution.get(name, [name])[0]) for name in names}


def named(requirements: list[Requirement]) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements}


def floor(requirement: Requirement) -> Version:
    """The version after `>=` (every dependency has one)."""
    floors = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    assert len(floors) == 1, f"{requirement}: one `>=` floor expected"
    return floors[0]


def test_the_sdk_imports_only_runtime_dependencies() -> None:
    imports = (
        third_party(ROOT / "wrapper" / "payssam")
        | third_party(ROOT / "generated_client" / "payssam_api_client")
        | third_party(ROOT / "generated_client" / "payssam_api_client_v2")
    )
    assert {"httpx", "attrs"} <= imports  # the walk sees imports at all
    assert imports <= named(RUNTIME), "imported by the SDK but not in [project] dependencies"


def test_the_simulator_imports_only_runtime_and_mock_dependencies() -> None:
    imports = third_party(ROOT / "mock" / "payssam_sim")
    assert {"httpx", "h11"} <= imports
    assert imports <= named(RUNTIME) | named(MOCK), "imported by the simulator but in neither list"


def test_every_declared_dependency_is_imported_or_says_why() -> None:
    imports = (
        third_party(ROOT / "wrapper" / "payssam")
        | third_party(ROOT / "generated_client" / "payssam_api_client")
        | third_party(ROOT / "generated_client" / "payssam_api_client_v2")
        | third_party(ROOT / "mock" / "payssam_sim")
    )
    assert named(RUNTIME) | named(MOCK) == imports | DECLARED_UNIMPORTED


def test_the_floor_constraints_pin_every_floor_of_pyproject() -> None:
    pinned: dict[str, Version] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.partition("#")[0].strip()
        if line:
            name, equals, version = line.partition("==")
            assert equals, f"{CONSTRAINTS.name}: {line!r} is not name==version"
            pinned[canonicalize_name(name)] = Version(version)
    floors = {canonicalize_name(requirement.name): floor(requirement) for requirement in [*RUNTIME, *MOCK]}
    assert pinned == floors


def draw(stream: IO[str], done: int) -> None:
    """A bulk command's bar over three rows, done of them sent by an earlier run."""
    with Progress("send-batch", 3, bar=True, stream=stream, done=done) as progress:
        for outcome in ["sent", "duplicate", "sent"][done:]:
            progress.update(outcome)


@pytest.mark.parametrize("done", [0, 1])
def test_the_progress_bar_draws_with_tqdm(done: int) -> None:
    stream = io.StringIO()
    draw(stream, done)
    drawn = stream.getvalue()
    assert "send-batch" in drawn
    assert "3/3" in drawn
    assert "duplicate 1, sent " in drawn


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_the_progress_bar_draws_on_a_terminal() -> None:
    """As the CLI draws it: on a terminal, its width read from the terminal (dynamic_ncols)."""
    import fcntl
    import termios

    main, side = os.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    with open(side, "w", encoding="utf-8") as terminal:
        assert terminal.isatty()
        draw(terminal, 0)
    os.set_blocking(main, False)
    drawn = b""
    try:
        while chunk := os.read(main, 65536):
            drawn += chunk
    except OSError:  # EIO or EAGAIN once the closed terminal's output is read
        pass
    finally:
        os.close(main)
    assert "3/3" in drawn.decode()
    assert "duplicate 1, sent 2" in drawn.decode()
