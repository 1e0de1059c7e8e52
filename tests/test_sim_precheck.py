"""The simulator's quick yes for valid bodies (precheck.py) against the full JSON Schema validator behind it.

For every vendor operation of both API versions, in strict and in the default (lenient) mode, bodies are generated
around every rule's edge: members missing or extra, wrong JSON types (null, numbers for digit strings, booleans,
arrays, objects), lengths one either side of each limit, text that just matches or just misses each ECMA pattern (a
trailing newline, a Unicode space, a hyphen in a bill id), dates that do not exist, URIs without a scheme, enum
near-misses. The quick check must say yes exactly when the full validator finds nothing, and RequestRules.check must
refuse with the very words the full validator alone gives.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payssam_sim import contract, fidelity
from payssam_sim.contract import APIS, DIALECTS, FORMATS, BodyError, RequestRules, number_text
from payssam_sim.fidelity import HYPHENATED_BILL_ID_PATTERN, OPEN_POINT
from payssam_sim.precheck import compile_rule

RULESETS = [
    (api, mode, operation, rules)
    for api in APIS
    for mode, table in (("strict", contract.request_rules(api)), ("lenient", fidelity.lenient_rules(api)))
    for operation, rules in table.items()
]
CANDIDATES: tuple[object, ...] = (
    "1234567890ABCDEFGHIJ",
    "1234567890-ABCDEFGHI",
    "10000",
    "01012345678",
    "2026-12-31",
    "https://partner.example/payssam/approval",
    "0" * 64,
    "TALK",
    "홍길동",
    "A",
)
"""Values one of which each string rule of the contracts accepts (the rule's own example is tried first)."""
ODD_TEXT = ("", " ", "\n", "\u3000", "\u00a0", "\ufeff", "-", "0", "a", "é", "%", "/", ":", "T", "\t")
ALPHABET = st.sampled_from("aZ09-_ :/.%\n\u3000é홍")
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, 1, 10000, 1012345678, 2**63, 1.5, 10000.0, float("inf")]),
    st.lists(st.sampled_from(["", "A", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["a", "bill_id"]), st.sampled_from(["", "A"]), max_size=2),
)


def _accepts(api: str, rule: Mapping[str, Any], value: object) -> bool:
    return not any(DIALECTS[api](rule, format_checker=FORMATS).iter_errors(value))


def valid_value(api: str, rule: Mapping[str, Any]) -> object:
    """A value the rule accepts: a whole valid object for an object rule, else the first candidate that fits."""
    if rule.get("type") == "object":
        return valid_body(api, rule)
    for candidate in (rule.get("example"), *CANDIDATES):
        if candidate is not None and _accepts(api, rule, candidate):
            return candidate
    raise AssertionError(f"no candidate fits {dict(rule)}")


def valid_body(api: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Every member the schema names, each with a valid value."""
    return {name: valid_value(api, rule) for name, rule in schema.get("properties", {}).items()}


def edge_text(rule: Mapping[str, Any]) -> st.SearchStrategy[str]:
    """Text at and around the rule's limits, patterns, formats and enum."""
    options: list[st.SearchStrategy[str]] = [st.sampled_from(ODD_TEXT), st.text(ALPHABET, max_size=6)]
    for key in ("minLength", "maxLength"):
        if isinstance(rule.get(key), int):
            limit = int(rule[key])
            options.append(st.text(st.sampled_from("A1-"), min_size=max(0, limit - 1), max_size=limit + 1))
    pattern = rule.get("pattern")
    if isinstance(pattern, str):
        options.append(st.from_regex(pattern))
        options.append(st.from_regex(pattern).map(lambda text: text + "\n"))
        options.append(st.from_regex(pattern).map(lambda text: text.replace("0", "-", 1)))
    if rule.get("format") == "date":
        options.append(st.dates().map(lambda day: day.isoformat()))
        options.append(st.sampled_from(["2026-02-30", "2026-13-01", "20261231", "2026-1-01"]))
    if rule.get("format") == "uri":
        options.append(st.sampled_from(["https://x", "http://127.0.0.1:8080/cb?a=1", "partner.example/cb", "a b:c"]))
    enum = rule.get("enum")
    if isinstance(enum, list):
        options.append(st.sampled_from([*enum, *(str(each).lower() for each in enum), *(f"{each} " for each in enum)]))
    return st.one_of(options)


@st.composite
def member(draw: st.DrawFn, api: str, rule: Mapping[str, Any], depth: int) -> object:
    """A value for one member: valid, at an edge of its rule, or of a wrong JSON type."""
    if rule.get("type") == "object" and depth < 3:
        choice = draw(st.sampled_from(["body", "valid", "junk"]))
        if choice == "body":
            return draw(body(api, rule, depth + 1))
    else:
        choice = draw(st.sampled_from(["edge", "edge", "valid", "junk"]))
    if choice == "valid":
        return copy.deepcopy(valid_value(api, rule))
    if choice == "edge":
        return draw(edge_text(rule))
    return draw(JUNK)


@st.composite
def body(draw: st.DrawFn, api: str, schema: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """A valid body with some members changed, dropped or added."""
    data = valid_body(api, schema)
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name in draw(st.lists(st.sampled_from(sorted(properties)), max_size=3, unique=True)) if properties else []:
        if draw(st.sampled_from(["change", "change", "change", "drop"])) == "drop":
            del data[name]
        else:
            data[name] = draw(member(api, properties[name], depth))
    for name in draw(st.lists(st.sampled_from(["extra", "bill_id", "billId", "apiKey", "apikey"]), max_size=2)):
        data.setdefault(name, draw(st.one_of(JUNK, st.sampled_from(ODD_TEXT))))
    return data


def leaves(schema: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every member rule that is not an object, with its path."""
    found: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
    for name, rule in schema.get("properties", {}).items():
        if rule.get("type") == "object":
            found += leaves(rule, (*path, name))
        else:
            found.append(((*path, name), rule))
    return found


@st.composite
def one_edge(draw: st.DrawFn, api: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A valid body but for one member, set to text at an edge of its rule."""
    data = valid_body(api, schema)
    path, rule = draw(st.sampled_from(leaves(schema)))
    holder = data
    for name in path[:-1]:
        holder = holder[name]
    holder[path[-1]] = draw(edge_text(rule))
    return data


def verdict(rules: RequestRules, data: dict[str, Any]) -> str | None:
    """What check() says: None for valid, else the refusal's text."""
    try:
        rules.check(data)
    except BodyError as exc:
        return str(exc)
    return None


def test_every_request_schema_of_both_contracts_gets_its_quick_check() -> None:
    for api, mode, operation, rules in RULESETS:
        assert rules.quick is not None, (api, mode, operation)
        assert rules.quick.holds(valid_body(api, rules.schema)), (api, mode, operation)


def agree(mode: str, rules: RequestRules, sent: dict[str, Any]) -> None:
    """The quick check and the full validator agree on the body (and, in lenient mode, on it relaxed)."""
    full = RequestRules(rules.schema, rules.validator)  # no quick check: the full validator alone
    bodies = [sent]
    if mode == "lenient":
        relaxed = copy.deepcopy(sent)
        fidelity.relax(rules.schema, relaxed)
        bodies.append(relaxed)
    for each in bodies:
        assert rules.quick is not None
        assert rules.quick.holds(each) is not any(rules.validator.iter_errors(each))
        assert verdict(rules, each) == verdict(full, each)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from(RULESETS))
def test_quick_check_agrees_with_the_full_validator(data: st.DataObject, case: tuple[str, str, str, Any]) -> None:
    api, mode, _, rules = case
    agree(mode, rules, data.draw(body(api, rules.schema)))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from(RULESETS))
def test_quick_check_agrees_at_the_edge_of_each_rule(data: st.DataObject, case: tuple[str, str, str, Any]) -> None:
    api, mode, _, rules = case
    agree(mode, rules, data.draw(one_edge(api, rules.schema)))


def plain_relax(schema: Mapping[str, Any], body: dict[str, Any], prefix: str = "") -> list[str]:
    """fidelity.relax as first written, every member looked at: the reference its quick skip of plain text keeps to."""
    warnings: list[str] = []
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    for name in list(body):
        rule = properties.get(name)
        if not isinstance(rule, Mapping):
            continue
        value, field = body[name], prefix + name
        digits = number_text(rule, value)
        if rule.get("type") == "object" and isinstance(value, dict):
            warnings += plain_relax(rule, value, field + ".")
        elif value is None and name not in required:
            del body[name]
            warnings.append(f"{field}: null for an optional field, taken as absent; {OPEN_POINT}")
        elif value == "" and name not in required and rule.get("type") == "string":
            del body[name]
            warnings.append(f"{field}: empty text for an optional field, taken as absent; {OPEN_POINT}")
        elif digits is not None:
            body[name] = digits
            warnings.append(
                f"{field}: a JSON number where the contract has a digit string, taken as its digits; {OPEN_POINT}"
            )
        elif rule.get("pattern") == HYPHENATED_BILL_ID_PATTERN and isinstance(value, str) and "-" in value:
            warnings.append(
                f"{field}: a hyphen, where the contract has letters and digits only, taken as is; {OPEN_POINT}"
            )
    return warnings


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), case=st.sampled_from([case for case in RULESETS if case[1] == "lenient"]))
def test_relax_rewrites_and_warns_as_its_plain_form(data: st.DataObject, case: tuple[str, str, str, Any]) -> None:
    api, _, _, rules = case
    sent = data.draw(st.one_of(body(api, rules.schema), one_edge(api, rules.schema)))
    quick, plain = copy.deepcopy(sent), copy.deepcopy(sent)
    assert fidelity.relax(rules.schema, quick) == plain_relax(rules.schema, plain)
    assert quick == plain


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": False},
        {"type": ["string", "null"]},
        {"type": "integer"},
        {"enum": ["A", 1]},
        {"minLength": 1.5},
        {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}},
        {"required": "a"},
    ],
)
def test_a_keyword_the_quick_check_does_not_know_leaves_it_to_the_full_validator(schema: dict[str, Any]) -> None:
    assert compile_rule(schema, FORMATS) is None
    rules = contract.compile_rules(schema)
    assert rules.quick is None


def test_annotations_and_extensions_do_not_stop_the_quick_check() -> None:
    schema = {"type": "string", "description": "d", "example": "e", "title": "t", "x-provenance": {"count": 1}}
    rule = compile_rule(schema, FORMATS)
    assert rule is not None
    assert rule.holds("anything")
    assert not rule.holds(1)
