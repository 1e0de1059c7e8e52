"""The contract's own promises: overlay provenance, examples per code and state, verbatim vendor text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from payssam import APPROVAL_ACK
from payssam._errors import API_ERRORS
from payssam._protocol import CODE

from kit import ROOT
from oracle import (
    callback,
    callback_request_schema,
    callback_response_schema,
    request_schema,
    resolve,
    response_examples,
    response_schema,
    validator,
)

OVERLAY = ROOT / "openapi" / "overlay.yaml"
VENDOR = ROOT / "openapi" / "vendor"
SEED = ROOT.parent / "shared" / "seed" / "payssam-v1-acceptance.md"
SOURCE_TAG = re.compile(r"\[(DOC|3P)\]")
ANY_TAG = re.compile(r"\[(DOC|3P|OPEN)\]")
SEND = "/if/bill/send"
PATHS = ["/if/bill/read", "/if/bill/cancel", SEND, "/if/bill/resend", "/if/bill/destroy"]
LIFECYCLE_SCHEMAS = {
    "SendBillReq",
    "SendBill",
    "SentBill",
    "BillReq3P",
    "DestroyBillReq",
    "BillResult",
    "ApprovalCallback",
    "ApprovalAck",
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ACK_TEXT = "성공하였습니다."


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


def test_the_contract_has_the_five_v1_operations(spec: dict[str, Any]) -> None:
    """The tests parametrized over PATHS cover every operation."""
    assert sorted(spec["paths"]) == sorted(PATHS)
    assert all(list(item) == ["post"] for item in spec["paths"].values())


@pytest.mark.parametrize("path", PATHS)
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


@pytest.mark.parametrize("path", PATHS)
def test_the_client_reads_the_code_with_the_contracts_pattern(spec: dict[str, Any], path: str) -> None:
    assert response_schema(spec, path)["properties"]["code"]["pattern"] == f"^{CODE.pattern}$"


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation of an OpenAPI document, callbacks included, by a readable location."""
    found: dict[str, dict[str, Any]] = {}

    def walk(prefix: str, paths: dict[str, Any]) -> None:
        for path, item in paths.items():
            for method, op in item.items():
                if method in HTTP_METHODS:
                    found[f"{prefix}{path} {method}"] = op
                    for name, expressions in op.get("callbacks", {}).items():
                        walk(f"{prefix}{path} {method} callback {name} ", expressions)

    walk("", document.get("paths", {}))
    return found


def added_to_the_vendor(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation, schema and schema property of the contract that no vendor fragment has.

    A property that is only a $ref cannot carry keywords of its own in OAS 3.0 (siblings of
    $ref are ignored), so it stands for the schema it points to.
    """
    vendor_operations: set[str] = set()
    vendor_schemas: dict[str, set[str]] = {}
    for fragment in VENDOR.glob("*.json"):
        doc = json.loads(fragment.read_text(encoding="utf-8"))
        vendor_operations |= set(operations(doc))
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            vendor_schemas.setdefault(name, set()).update(schema.get("properties", {}))
    added = {where: op for where, op in operations(spec).items() if where not in vendor_operations}
    for name, schema in spec["components"]["schemas"].items():
        if name not in vendor_schemas:
            added[f"schema {name}"] = schema
        for prop, node in schema.get("properties", {}).items():
            if prop not in vendor_schemas.get(name, set()):
                added[f"schema {name}.{prop}"] = resolve(spec, node) if "$ref" in node else node
    return added


def test_everything_added_to_the_vendor_fragments_says_where_it_comes_from(spec: dict[str, Any]) -> None:
    added = added_to_the_vendor(spec)
    assert {f"schema {name}" for name in LIFECYCLE_SCHEMAS} <= set(added)
    new_operations = {f"{path} post" for path in PATHS[2:]}
    new_operations.add(f"{SEND} post callback approval {{$request.body#/bill/callbackURL}} post")
    assert new_operations <= set(added)
    offenders = [
        where
        for where, node in added.items()
        if node.get("x-provenance") not in ("DOC", "3P") or not str(node.get("description", "")).strip()
    ]
    assert not offenders, f"added without x-provenance DOC/3P or without a description: {offenders}"


def test_send_declares_the_approval_callback_and_its_only_acknowledgement(spec: dict[str, Any]) -> None:
    [expression] = spec["paths"][SEND]["post"]["callbacks"]["approval"]
    assert expression == "{$request.body#/bill/callbackURL}"
    bill = request_schema(spec, SEND)["properties"]["bill"]
    assert "callbackURL" in bill["required"]
    approval = callback(spec, SEND, "approval")
    assert approval["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApprovalCallback"
    }
    assert set(callback_request_schema(spec, SEND, "approval")["required"]) == {"apikey", "bill_id"}
    reply = approval["responses"]["200"]["content"]["application/json"]
    assert reply["schema"] == {"$ref": "#/components/schemas/ApprovalAck"}
    ack = callback_response_schema(spec, SEND, "approval")
    assert ack["additionalProperties"] is False
    assert set(ack["required"]) == set(ack["properties"]) == {"code", "msg"}
    assert ack["properties"]["code"]["enum"] == ["0000"]
    assert ack["properties"]["msg"]["enum"] == [ACK_TEXT]


def test_the_acknowledgement_examples_are_the_sdks_reply(spec: dict[str, Any]) -> None:
    reply = callback(spec, SEND, "approval")["responses"]["200"]["content"]["application/json"]
    sdk = json.loads(APPROVAL_ACK)
    assert sdk == {"code": "0000", "msg": ACK_TEXT}
    assert spec["components"]["schemas"]["ApprovalAck"]["example"] == sdk
    assert reply["example"] == sdk
    ack = validator(callback_response_schema(spec, SEND, "approval"))
    assert ack.is_valid(sdk)
    assert not ack.is_valid({**sdk, "extra": ""})


def test_the_callback_examples_fit_the_callback_schema(spec: dict[str, Any]) -> None:
    examples = callback(spec, SEND, "approval")["requestBody"]["content"]["application/json"]["examples"]
    body = validator(callback_request_schema(spec, SEND, "approval"))
    assert examples
    for example in examples.values():
        assert body.is_valid(example["value"])
