"""Turning an HTTP answer into a generated model, or into a typed error.

Order of checks: HTTP status, UTF-8 JSON object, the generated model's own fields and their
declared types, the envelope code's form, the bill the answer is about, then the code itself.
Anything that does not fit the contract becomes a ProtocolError with a redacted excerpt; for a
call that changes something, the error says the change may have happened.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, Self, TypeVar

from ._errors import ApiError, ProtocolError, api_error
from ._generated import UNSET, Unset, UnsetV2, declared_types, is_model
from ._results import FieldFormatError, HasMessage, envelope_message, optional
from ._validation import is_bill_id
from .redaction import Secret, excerpt, names_apikey, redact, redact_phones

SUCCESS = "0000"
CODE = re.compile(r"[0-9]{4}")
"""The contract's pattern for an answer's code (decode checks the same without a regex)."""
_ONLY_TEXT = frozenset({str})
MAY_HAVE_TAKEN_EFFECT = "the operation may have taken effect, read the bill to confirm"


class Envelope(HasMessage, Protocol):
    """What every generated answer model carries (v1's also an echoed `apikey`, dropped when present)."""

    code: str
    additional_properties: dict[str, Any]

    @classmethod
    def from_dict(cls, src_dict: typing.Mapping[str, Any]) -> Self: ...


Model = TypeVar("Model", bound=Envelope)
Result = TypeVar("Result")


def check_field_types(model: object) -> None:
    """Refuse a generated model whose from_dict kept a value of the wrong JSON type (it never casts)."""
    kind: type = type(model)
    for name, classes, exact in _checks(kind):
        value = getattr(model, name)
        if type(value) not in exact and not isinstance(value, classes):
            expected = " or ".join(c.__name__ for c in classes if c not in (Unset, UnsetV2))
            raise FieldFormatError(name, f"is {type(value).__name__}, not {expected}")


def check_answer_types(model: object, data: dict[str, Any]) -> None:
    """check_field_types, skipped when every value of the answer is a string and every field may be one
    (the usual answer): the check could then find nothing."""
    kind: type = type(model)
    if not (_text_fields(kind) and _ONLY_TEXT.issuperset(map(type, data.values()))):
        check_field_types(model)


@cache
def _text_fields(model: type) -> bool:
    """Whether every declared field of the model accepts a string."""
    return all(str in classes for _, classes, _ in _checks(model))


@cache
def _checks(model: type) -> tuple[tuple[str, tuple[type, ...], frozenset[type]], ...]:
    """Each declared field with its classes, and the same as a set for the exact-type fast path (every read)."""
    return tuple((name, classes, frozenset(classes)) for name, classes in declared_types(model).items())


def revealed(secrets: Iterable[str | Secret]) -> tuple[str, ...]:
    """The secrets as the text redaction searches for, revealed only where text is redacted: those frames return,
    or fail into an error decode replaces and the client detaches from them (see _frames.py)."""
    return tuple(secret.reveal() if isinstance(secret, Secret) else secret for secret in secrets)


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """A JSON value with every member naming an apikey dropped and every secret masked (in any case or encoding),
    nested ones too."""
    if isinstance(value, dict):
        return {
            redact(str(key), secrets): scrub(item, secrets) for key, item in value.items() if not names_apikey(str(key))
        }
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    if isinstance(value, str):
        return redact(value, secrets)
    return value


def _may_hide_a_secret(content: bytes, secrets: tuple[Secret, ...], echoed: object) -> bool:
    """Whether a secret may be in the answer anywhere but the apikey member the vendor echoes: escaped or
    %-encoded text could hide one from a byte search, and a case-changed echo is found case-insensitively."""
    if b"\\" in content or b"%" in content:
        return True
    lowered = content.lower()
    for secret in secrets:
        text = secret.reveal()
        if text and lowered.count(_lowered(text)) > (echoed == text):
            return True
    return False


@cache
def _lowered(secret: str) -> bytes:
    """A secret as a case-insensitive byte search looks for it."""
    return secret.lower().encode("utf-8", "surrogatepass")


def _scrub(model: Envelope, secrets: tuple[Secret, ...], personal: tuple[str, ...], content: bytes) -> None:
    """Drop the echoed apikey however it is spelled and mask any secret in any text, so results carry none;
    mask personal data (a customer's name) and phone numbers in the answer's message.

    The answer's bytes say whether a secret can be anywhere in it: when none is (the usual case), only the
    apikey members and the message need looking at.
    """
    echoed = getattr(model, "apikey", UNSET)
    if echoed is not UNSET:  # v1's models declare the echo; setattr, as the Envelope protocol cannot say "if any"
        setattr(model, "apikey", UNSET)  # noqa: B010
    elsewhere = _may_hide_a_secret(content, secrets, echoed)
    extra = model.additional_properties
    if extra and (elsewhere or _names_an_apikey(extra)):
        model.additional_properties = scrub(extra, revealed(secrets))
    if elsewhere:
        _redact_fields(model, revealed(secrets))
    for name in ("msg", "message"):
        value = getattr(model, name)
        if isinstance(value, str) and value:
            if any(data in value for data in personal if data):
                value = redact(value, personal)
            setattr(model, name, redact_phones(value))


def _redact_fields(model: object, secrets: tuple[str, ...]) -> None:
    """Mask secrets in every declared text of the model and of the models nested in it (v2's `data`)."""
    kind: type = type(model)
    for name in declared_types(kind):
        value = getattr(model, name)
        if isinstance(value, str) and name != "code":  # the code is checked, never shown raw: it stays whole
            setattr(model, name, redact(value, secrets))
        elif is_model(value):
            _redact_fields(value, secrets)
            if value.additional_properties:
                value.additional_properties = scrub(value.additional_properties, secrets)


def _names_an_apikey(members: dict[str, Any]) -> bool:
    return any(names_apikey(key) for key in members)


def protocol_error(
    reason: str,
    status: int,
    content: bytes,
    secrets: tuple[str | Secret, ...],
    *,
    effect: bool,
    retry_after: float | None = None,
) -> ProtocolError:
    """A ProtocolError with a redacted excerpt; for a call that changes something, it says it may have."""
    if effect:
        reason = f"{reason}; {MAY_HAVE_TAKEN_EFFECT}"
    shown = revealed(secrets)
    return ProtocolError(
        redact(reason, shown), status_code=status, excerpt=excerpt(content, shown), retry_after=retry_after
    )


def _four_digits(code: str) -> bool:
    return len(code) == 4 and code.isdigit() and code.isascii()  # without a regex: this runs on every answer


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one API version lays its answers out: how its envelope becomes v1's flat shape (the generated v1 models
    then read it), which codes it may carry, and the error each one means."""

    flatten: Callable[[dict[str, Any]], dict[str, Any]] | None
    """The answer in v1's flat shape (None: it already is); raises FieldFormatError for a shape it cannot read."""
    code_ok: Callable[[str], bool]
    code_rule: str
    error: Callable[[str, str], ApiError]


V1 = Dialect(None, _four_digits, "four digits", api_error)


def decode(
    status: int,
    content: bytes,
    model: type[Model],
    build: Callable[[Model], Result],
    *,
    bill_id: str,
    secrets: tuple[Secret, ...],
    effect: bool,
    retry_after: float | None = None,
    personal: tuple[str, ...] = (),
    dialect: Dialect = V1,
) -> Result:
    """The typed result of an answer, or the PaySsamError that describes it.

    secrets (the apikey) never appear in the result or an error; personal data (a customer's name) is
    masked in the messages and excerpts. An error raised here holds the answer in its frames: the client detaches
    it before raising it to its caller (see _frames.py).
    """

    def refuse(reason: str, *, refused: bool = False) -> ProtocolError:
        hidden: tuple[str | Secret, ...] = (*secrets, *personal)
        may_have = effect and not refused
        return protocol_error(reason, status, content, hidden, effect=may_have, retry_after=retry_after)

    if status != 200:  # HTTP 4xx but 408 turned the request away: nothing can have taken effect
        raise refuse(f"unexpected HTTP status {status}", refused=400 <= status < 500 and status != 408)
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise refuse("answer is not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise refuse("answer is not a JSON object")
    if dialect.flatten is not None:
        try:
            data = dialect.flatten(data)
        except FieldFormatError as wrong:
            raise refuse(f"answer does not fit the contract: {wrong}") from None
    try:
        parsed = model.from_dict(data)
        check_answer_types(parsed, data)
    except KeyError as missing:
        raise refuse(f"answer lacks the required field {missing}") from None
    except (TypeError, ValueError, AttributeError) as wrong:
        raise refuse(f"answer does not fit the contract: {wrong}") from None
    if not dialect.code_ok(parsed.code):
        raise refuse(f"answer's code is not {dialect.code_rule}")
    try:
        _scrub(parsed, secrets, personal, content)
    except RecursionError:
        raise refuse("answer is nested too deeply to be searched for secrets") from None
    about = optional(getattr(parsed, "bill_id", UNSET))
    if about is not None and about != bill_id:
        shown = repr(about) if is_bill_id(about) else "an id that is not a bill id"
        raise refuse(f"answer (code {parsed.code}) is about bill {shown}, not the requested {bill_id!r}")
    if parsed.code != SUCCESS:
        raise dialect.error(parsed.code, envelope_message(parsed))
    try:
        return build(parsed)
    except FieldFormatError as wrong:
        raise refuse(f"code {SUCCESS} but {wrong}") from None
