"""Shared fixtures: the bundled contract, the Prism mock, sandbox credentials."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "mock"))

from prism import Prism  # noqa: E402

SPEC_PATH = ROOT / "openapi" / "payssam-v1.json"

# No per-example deadline: a loaded CI machine must not turn slowness into a flaky failure.
settings.register_profile("payssam", deadline=None, print_blob=True)
settings.load_profile("payssam")

APIKEY = "TEST-API-KEY-TALK"
MEMBER = "TEST-MEMBER-FOR-API"
MERCHANT = "TEST-MERCHANT-FOR-API"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The bundled contract, openapi/payssam-v1.json."""
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def prism() -> Iterator[Prism]:
    """One Prism (--errors) on a free loopback port for the whole session, stopped by PID."""
    with Prism(SPEC_PATH) as server:
        yield server
