"""The generated models round-trip every body the contract describes (to_dict/from_dict)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payssam_api_client.models import (
    Approval,
    ApprovalAck,
    ApprovalCallback,
    BillReq,
    BillReq3P,
    BillResult,
    CancelBill,
    DestroyBillReq,
    ReqCancelBill,
    SendBill,
    SendBillReq,
    SentBill,
)

from oracle import (
    callback,
    callback_request_schema,
    callback_response_schema,
    request_schema,
    resolve,
    response_examples,
    response_schema,
)

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"
SEND = "/if/bill/send"
RESEND = "/if/bill/resend"
DESTROY = "/if/bill/destroy"

# side: the operation's "request" or "response" body, a property of one ("request/bill"),
# or what its approval callback sends ("callback") and expects back ("callback reply").
MODELS: list[tuple[type[Any], str, str]] = [
    (BillReq, READ, "request"),
    (ReqCancelBill, CANCEL, "request"),
    (Approval, READ, "response"),
    (CancelBill, CANCEL, "response"),
]
LIFECYCLE_MODELS: list[tuple[type[Any], str, str]] = [
    (SendBillReq, SEND, "request"),
    (SendBill, SEND, "request/bill"),
    (SentBill, SEND, "response"),
    (BillReq3P, RESEND, "request"),
    (BillResult, RESEND, "response"),
    (DestroyBillReq, DESTROY, "request"),
    (BillResult, DESTROY, "response"),
    (ApprovalCallback, SEND, "callback"),
    (ApprovalAck, SEND, "callback reply"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a model must carry unchanged: enum members, ISO dates for format date, nested bodies, text."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if schema.get("format") == "date":
        return st.dates().map(date.isoformat)
    if schema.get("type") == "object":
        return bodies(schema)
    return st.text(max_size=25)


def bodies(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies with every required property, any optional ones, and unknown extra keys unless the schema is closed."""
    properties = schema["properties"]
    required = set(schema.get("required", []))
    known = st.fixed_dictionaries(
        {name: values(properties[name]) for name in properties if name in required},
        optional={name: values(properties[name]) for name in properties if name not in required},
    )
    if schema.get("additionalProperties") is False:
        return known
    extra_keys = st.text(min_size=1, max_size=8).filter(lambda k: k not in properties)
    return st.builds(
        lambda known, extra: {**extra, **known}, known, st.dictionaries(extra_keys, json_values, max_size=3)
    )


def sample(schema: dict[str, Any]) -> Any:
    """One valid value for every property, recursively."""
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "date":
        return "2026-12-31"
    if schema.get("type") == "object":
        return {name: sample(prop) for name, prop in schema["properties"].items()}
    return "x"


def schema_for(spec: dict[str, Any], path: str, side: str) -> dict[str, Any]:
    if side == "callback":
        return callback_request_schema(spec, path, "approval")
    if side == "callback reply":
        return callback_response_schema(spec, path, "approval")
    side, *inside = side.split("/")
    schema = request_schema(spec, path) if side == "request" else response_schema(spec, path)
    for name in inside:
        schema = schema["properties"][name]
    return schema


def round_trip(spec: dict[str, Any], model: type[Any], path: str, side: str, data: st.DataObject) -> None:
    body = data.draw(bodies(schema_for(spec, path, side)))
    parsed = model.from_dict(body)
    assert parsed.to_dict() == body
    assert model.from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize(("model", "path", "side"), MODELS, ids=[m[0].__name__ for m in MODELS])
@settings(max_examples=150)
@given(data=st.data())
def test_round_trip(spec: dict[str, Any], model: type[Any], path: str, side: str, data: st.DataObject) -> None:
    round_trip(spec, model, path, side, data)


@pytest.mark.parametrize(
    ("model", "path", "side"), LIFECYCLE_MODELS, ids=[f"{m.__name__}-{p}-{s}" for m, p, s in LIFECYCLE_MODELS]
)
@settings(max_examples=40)
@given(data=st.data())
def test_round_trip_send_resend_destroy_and_callback(
    spec: dict[str, Any], model: type[Any], path: str, side: str, data: st.DataObject
) -> None:
    round_trip(spec, model, path, side, data)


@pytest.mark.parametrize(
    ("model", "path"),
    [(Approval, READ), (CancelBill, CANCEL), (SentBill, SEND), (BillResult, RESEND), (BillResult, DESTROY)],
)
def test_every_named_example_round_trips(spec: dict[str, Any], model: type[Any], path: str) -> None:
    examples = response_examples(spec, path)
    assert examples
    for example in examples.values():
        value = resolve(spec, example)["value"]
        assert model.from_dict(value).to_dict() == value


def test_the_callback_examples_round_trip(spec: dict[str, Any]) -> None:
    sent = callback(spec, SEND, "approval")["requestBody"]["content"]["application/json"]["examples"]
    assert sent
    for example in sent.values():
        assert ApprovalCallback.from_dict(example["value"]).to_dict() == example["value"]
    reply = callback(spec, SEND, "approval")["responses"]["200"]["content"]["application/json"]["example"]
    assert ApprovalAck.from_dict(reply).to_dict() == reply
    assert ApprovalAck.from_dict(spec["components"]["schemas"]["ApprovalAck"]["example"]).to_dict() == reply


def test_models_know_every_property_of_the_contract(spec: dict[str, Any]) -> None:
    """A property the generator dropped would silently land in additional_properties (or vanish, if closed)."""
    for model, path, side in MODELS + LIFECYCLE_MODELS:
        body = sample(schema_for(spec, path, side))
        parsed = model.from_dict(body)
        assert set(getattr(parsed, "additional_properties", {})) == set(), model.__name__
        assert parsed.to_dict() == body, model.__name__
