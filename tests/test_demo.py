"""`make demo` rehearses the five review flows over both API versions against a simulator process it stops."""

from __future__ import annotations

import demo
import pytest


def test_the_five_review_flows_pass_over_v1_and_v2(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    for version in ("v1", "v2"):
        passed = [line for line in out.splitlines() if line.startswith(f"{version} ") and " PASS " in line]
        assert len(passed) == len(demo.FLOWS), out
    assert "10/10 review flows passed" in out
    assert "/partner" in out  # v2 at the sandbox's prefix


def test_one_version_can_be_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--api-version", "2"]) == 0
    out = capsys.readouterr().out
    assert "5/5 review flows passed" in out
    assert "== API v1" not in out
