"""The generated models round-trip every body the contract describes (to_dict/from_dict)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payssam_api_client.models import Approval, BillReq, CancelBill, ReqCancelBill

from oracle import request_schema, resolve, response_examples, response_schema

READ = "/if/bill/read"
CANCEL = "/if/bill/cancel"

MODELS: list[tuple[type[Any], str, str]] = [
    (BillReq, READ, "request"),
    (ReqCancelBill, CANCEL, "request"),
    (Approval, READ, "response"),
    (CancelBill, CANCEL, "response"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def bodies(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies with every required property, any optional ones, and unknown extra keys."""
    properties = schema["properties"]
    required = set(schema.get("required", []))
    extra_keys = st.text(min_size=1, max_size=8).filter(lambda k: k not in properties)
    return st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries(
            {name: st.text(max_size=25) for name in properties if name in required},
            optional={name: st.text(max_size=25) for name in properties if name not in required},
        ),
        st.dictionaries(extra_keys, json_values, max_size=3),
    )


def schema_for(spec: dict[str, Any], path: str, side: str) -> dict[str, Any]:
    return request_schema(spec, path) if side == "request" else response_schema(spec, path)


@pytest.mark.parametrize(("model", "path", "side"), MODELS, ids=[m[0].__name__ for m in MODELS])
@settings(max_examples=150)
@given(data=st.data())
def test_round_trip(spec: dict[str, Any], model: type[Any], path: str, side: str, data: st.DataObject) -> None:
    body = data.draw(bodies(schema_for(spec, path, side)))
    parsed = model.from_dict(body)
    assert parsed.to_dict() == body
    assert model.from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize(("model", "path"), [(Approval, READ), (CancelBill, CANCEL)])
def test_every_named_example_round_trips(spec: dict[str, Any], model: type[Any], path: str) -> None:
    examples = response_examples(spec, path)
    assert examples
    for example in examples.values():
        value = resolve(spec, example)["value"]
        assert model.from_dict(value).to_dict() == value


def test_models_know_every_property_of_the_contract(spec: dict[str, Any]) -> None:
    """A property the generator dropped would silently land in additional_properties."""
    for model, path, side in MODELS:
        names = set(schema_for(spec, path, side)["properties"])
        assert set(model.from_dict(dict.fromkeys(names, "x")).additional_properties) == set()
