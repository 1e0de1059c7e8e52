"""Fixtures for the Python blocks of README.md and README.ko.md, run by pytest-markdown-docs.

A block marked `fixture:payssam_env` runs with the PAYSSAM_* settings pointing at a simulator on a
free loopback port (the simulator stopped after the block), so `PaySsam.from_env()` works as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from payssam_sim import Simulator

from kit import APIKEY, MEMBER, MERCHANT, PROXY_VARIABLES


@pytest.fixture
def payssam_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """A simulator on loopback and the settings that reach it, as a partner's deployment sets them."""
    with Simulator(callback_retry_interval=0.05, callback_retries=1, callback_timeout=2) as sim:
        monkeypatch.setenv("PAYSSAM_BASE_URL", sim.base_url)
        monkeypatch.setenv("PAYSSAM_APIKEY", APIKEY)
        monkeypatch.setenv("PAYSSAM_MEMBER", MEMBER)
        monkeypatch.setenv("PAYSSAM_MERCHANT", MERCHANT)
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        yield sim


@pytest.fixture
def scratch_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A block that writes files (the bulk commands' inputs and outputs) writes them here, not in the checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
