"""The contract's own promises: overlay provenance, examples per code and state, verbatim vendor text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from payssam.errors import API_ERRORS
from payssam.protocol import CODE

from conftest import ROOT
from oracle import response_examples, response_schema

OVERLAY = ROOT / "openapi" / "overlay.yaml"
VENDOR = ROOT / "openapi" / "vendor"
SEED = ROOT.parent / "shared" / "seed" / "payssam-v1-acceptance.md"
SOURCE_TAG = re.compile(r"\[(DOC|3P)\]")
ANY_TAG = re.compile(r"\[(DOC|3P|OPEN)\]")


def overlay_actions() -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = yaml.safe_load(OVERLAY.read_text(encoding="utf-8"))["actions"]
    return actions


def test_overlay_is_an_overlay_1_0_document() -> None:
    document = yaml.safe_load(OVERLAY.read_text(encoding="utf-8"))
    assert document["overlay"].startswith("1.0")
    assert document["info"]["title"]
    assert document["actions"]


@pytest.mark.parametrize("action", overlay_actions(), ids=lambda a: str(a["target"]))
def test_every_overlay_action_says_why_and_from_which_source(action: dict[str, Any]) -> None:
    description = action.get("description", "")
    assert SOURCE_TAG.search(description), f"{action['target']}: no [DOC]/[3P] source tag"
    assert len(ANY_TAG.sub("", description).strip()) > 20, f"{action['target']}: says no why"


@pytest.mark.parametrize("path", ["/if/bill/read", "/if/bill/cancel"])
def test_every_v1_code_has_a_named_example_and_success_comes_first(spec: dict[str, Any], path: str) -> None:
    examples = response_examples(spec, path)
    first = next(iter(examples.values()))["value"]
    assert first["code"] == "0000"
    errors = {name.removeprefix("error_") for name in examples if name.startswith("error_")}
    assert errors == set(API_ERRORS)
    for name in examples:
        if name.startswith("error_"):
            assert examples[name]["value"]["code"] == name.removeprefix("error_")


def test_read_has_one_success_example_per_state(spec: dict[str, Any]) -> None:
    states = {e["value"].get("appr_state") for e in response_examples(spec, "/if/bill/read").values()}
    assert {"F", "W", "C", "D"} <= states


def test_vendor_fragments_are_untouched_valid_json() -> None:
    fragments = sorted(VENDOR.glob("*.json"))
    assert [f.stem for f in fragments] == ["billCancel", "readBill"]
    for fragment in fragments:
        doc = json.loads(fragment.read_text(encoding="utf-8"))
        assert doc["servers"][0]["url"] is None, "the vendor's own (invalid) text is kept; fixes go in the overlay"


@pytest.mark.skipif(not SEED.exists(), reason="the vendor's docs page is not beside this checkout")
def test_vendor_fragments_are_byte_for_byte_the_docs_page() -> None:
    page = SEED.read_text(encoding="utf-8")
    for fragment in VENDOR.glob("*.json"):
        text = fragment.read_text(encoding="utf-8")
        assert text.endswith("\n")
        assert f"```json\n{text}```" in page


@pytest.mark.parametrize("path", ["/if/bill/read", "/if/bill/cancel"])
def test_the_client_reads_the_code_with_the_contracts_pattern(spec: dict[str, Any], path: str) -> None:
    assert response_schema(spec, path)["properties"]["code"]["pattern"] == f"^{CODE.pattern}$"
