"""Shared fixtures (the bundled contract, the simulator, Prism) and the `prism` marker; shared helpers are in kit.py."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from kit import PROXY_VARIABLES, ROOT, SPEC_PATH
from prism import INSTALL_HINT, PRISM, Prism

if TYPE_CHECKING:
    from payssam_sim import Simulator

# No per-example deadline: a loaded CI machine must not turn slowness into a flaky failure. The same
# examples on every run (derandomize): `make test` passes or fails alike on every machine, and the wide,
# random search is `make fuzz`'s (its profile sets derandomize back off).
settings.register_profile("payssam", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("payssam")

# --------------------------------------------------------------------------- the `prism` and `frameworks` markers

PRISM_FIXTURES = {"prism", "sim_proxy"}
"""A test that asks for one of these (directly or through another fixture) needs Prism: it is marked `prism`."""
FRAMEWORKS = {"fastapi", "django"}
"""A README block that imports one of these (the receiver examples) is marked `frameworks`: test-floor leaves it out."""
_prism_skipped = 0


def _imported(code: str) -> set[str]:
    """The top-level packages a README block imports."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.partition(".")[0])
    return names


@pytest.hookimpl(tryfirst=True)  # before -m selects: `-m "not prism"` sees the marks added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs Prism `prism` (skipped when Prism is not installed), and the README blocks that
    need FastAPI or Django `frameworks`."""
    for item in items:
        if PRISM_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.prism)
        code = getattr(item, "code", None)  # a README block (pytest-markdown-docs)
        if isinstance(code, str) and FRAMEWORKS & _imported(code):
            item.add_marker(pytest.mark.frameworks)
    if PRISM.exists():
        return
    skip = pytest.mark.skip(reason=f"needs Prism, not installed: {INSTALL_HINT}")
    for item in items:
        if item.get_closest_marker("prism") is not None:
            item.add_marker(skip)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _prism_skipped
    if report.skipped and report.when == "setup" and "needs Prism, not installed" in str(report.longrepr):
        _prism_skipped += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _prism_skipped:
        terminalreporter.write_line(
            f"prism: {_prism_skipped} tests skipped: {PRISM.relative_to(ROOT)} is missing; {INSTALL_HINT} to run them",
            yellow=True,
            bold=True,
        )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The bundled contract, openapi/payssam-v1.json."""
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not be routed through a proxy from the environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def prism() -> Iterator[Prism]:
    """One Prism (--errors) on a free loopback port for the whole session, stopped by PID."""
    with Prism(SPEC_PATH) as server:
        yield server


# Retries every 50 ms instead of every hour, so a test sees the vendor's retry policy in full.
SIM_RETRY_INTERVAL = 0.05
SIM_RETRIES = 3


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """One in-process simulator on a free loopback port for the session (bill ids are always fresh)."""
    from payssam_sim import Simulator

    with Simulator(callback_retry_interval=SIM_RETRY_INTERVAL, callback_retries=SIM_RETRIES, callback_timeout=2) as sim:
        yield sim


@pytest.fixture(scope="session")
def sim_proxy(simulator: Simulator) -> Iterator[Prism]:
    """Prism in proxy mode with --errors in front of the simulator: an answer off the contract fails."""
    with Prism(SPEC_PATH, upstream=simulator.base_url) as server:
        yield server
