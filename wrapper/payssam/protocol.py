"""Turning an HTTP answer into a generated model, or into a typed error.

Order of checks: HTTP status, UTF-8 JSON object, the generated model's own
fields and their declared types, then the envelope code. Anything that does not
fit the contract becomes a ProtocolError with a redacted excerpt.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Protocol, Self, TypeVar

import attrs

from payssam_api_client.types import UNSET, Unset

from .errors import ProtocolError, api_error
from .redaction import excerpt, redact
from .results import FieldFormatError, HasMessage, envelope_message

SUCCESS = "0000"
CODE = re.compile(r"[0-9]{4}")
MAY_HAVE_TAKEN_EFFECT = "the operation may have taken effect, read the bill to confirm"


class Envelope(HasMessage, Protocol):
    """What every generated v1 response model carries."""

    code: str
    apikey: str | Unset

    @classmethod
    def from_dict(cls, src_dict: typing.Mapping[str, Any]) -> Self: ...


Model = TypeVar("Model", bound=Envelope)
Result = TypeVar("Result")


@cache
def _field_types(model: type[Any]) -> dict[str, tuple[type, ...]]:
    """The accepted runtime classes of each declared field of a generated model."""
    hints = typing.get_type_hints(model)
    accepted: dict[str, tuple[type, ...]] = {}
    for declared in attrs.fields(model):
        if not declared.init:
            continue
        hint = hints[declared.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        accepted[declared.name] = tuple(o for o in options if isinstance(o, type))
    return accepted


def check_field_types(model: object) -> None:
    """Refuse a generated model whose from_dict kept a value of the wrong JSON type (it never casts)."""
    kind: type = type(model)
    for name, classes in _field_types(kind).items():
        value = getattr(model, name)
        if not isinstance(value, classes):
            expected = " or ".join(c.__name__ for c in classes if c is not Unset)
            raise FieldFormatError(name, f"is {type(value).__name__}, not {expected}")


def _scrub(model: Envelope, secrets: tuple[str, ...]) -> None:
    """Drop the echoed apikey and redact the texts, so neither results nor errors carry secrets."""
    model.apikey = UNSET
    if isinstance(model.msg, str):
        model.msg = redact(model.msg, secrets)
    if isinstance(model.message, str):
        model.message = redact(model.message, secrets)


def decode(
    status: int,
    content: bytes,
    model: type[Model],
    build: Callable[[Model], Result],
    secrets: Iterable[str],
) -> Result:
    """The typed result of an answer, or the PaySsamError that describes it."""
    secrets = tuple(secrets)

    def protocol_error(reason: str) -> ProtocolError:
        return ProtocolError(redact(reason, secrets), status_code=status, excerpt=excerpt(content, secrets))

    if status != 200:
        raise protocol_error("unexpected HTTP status")
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise protocol_error("answer is not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise protocol_error("answer is not a JSON object")
    try:
        parsed = model.from_dict(data)
        check_field_types(parsed)
    except KeyError as missing:
        raise protocol_error(f"answer lacks the required field {missing}") from None
    except (TypeError, ValueError) as wrong:
        taken = f"; the code was {SUCCESS}, so {MAY_HAVE_TAKEN_EFFECT}" if data.get("code") == SUCCESS else ""
        raise protocol_error(f"answer does not fit the contract: {wrong}{taken}") from None
    if not CODE.fullmatch(parsed.code):
        raise protocol_error("answer's code is not four digits")
    _scrub(parsed, secrets)
    if parsed.code != SUCCESS:
        raise api_error(parsed.code, envelope_message(parsed))
    try:
        return build(parsed)
    except FieldFormatError as wrong:
        raise protocol_error(f"code {SUCCESS} but {wrong}; {MAY_HAVE_TAKEN_EFFECT}") from None
