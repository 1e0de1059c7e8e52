"""The v2 contract's provenance: every field carries one, and the README's table is the contract's, regenerated."""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

import pytest

from kit import ROOT

sys.path.insert(0, str(ROOT / "openapi" / "tools"))
import provenance

SPEC_V2 = ROOT / "openapi" / "payssam-v2.json"


@pytest.fixture(scope="module")
def spec_v2() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_V2.read_text(encoding="utf-8"))
    return document


def test_every_field_of_the_v2_contract_has_its_provenance(spec_v2: dict[str, Any]) -> None:
    assert list(provenance.problems(spec_v2)) == []


def test_a_field_without_provenance_is_found(spec_v2: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec_v2)
    del broken["components"]["schemas"]["BillSend"]["properties"]["sendType"]["x-provenance"]
    assert any("sendType" in problem for problem in provenance.problems(broken))


def test_an_unknown_tag_is_found(spec_v2: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec_v2)
    broken["components"]["schemas"]["BillSend"]["properties"]["productName"]["x-provenance"]["tag"] = "RUMOUR"
    assert list(provenance.problems(broken))
    assert any("BillSend.productName" in problem and "'RUMOUR'" in problem for problem in provenance.problems(broken))


@pytest.mark.parametrize("readme", ["README.md"])
def test_the_readme_table_is_the_contracts(spec_v2: dict[str, Any], readme: str) -> None:
    """Regenerating the table leaves the README as it is (`make readme-provenance` rewrites it)."""
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert provenance.readme(spec_v2, text) == text, "run: make readme-provenance"


def test_the_table_names_every_request_field_of_every_operation(spec_v2: dict[str, Any]) -> None:
    table = provenance.table(spec_v2)
    for path in spec_v2["paths"]:
        assert f"| `{path}` request |" in table
    for field in ("bill.sendType", "bill.pageRedirectUrl", "bill.cancelReason", "data.shortURL", "data.chargeUrl"):
        assert f"`{field}`" in table
