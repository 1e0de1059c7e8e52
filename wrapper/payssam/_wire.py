"""What every API version's wire shares: a call built from a generated endpoint, and the read-back judges.

A wire module (_wire_v1, _wire_v2) holds one version's field names, envelope and codes; it builds each
request with the generated client of its contract and reads each answer into the domain's results (the
v1 models' shape, which the v2 wire translates into). The judges of a write's read-back are the domain's
lifecycle rules, the same for both versions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from ._calls import Call
from ._config import Config
from ._errors import AlreadyCancelledError, DuplicateBillIdError
from ._exchange import ACCEPT_ENCODING
from ._generated import request_layout
from ._protocol import V1, Dialect, Model, decode
from ._results import BillStatus, Cancellation, Destruction, SentBill
from ._settlement import Judgement, Verdict
from ._states import BillState
from ._version import __version__

USER_AGENT = f"payssam-python/{__version__}"
HEADERS = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
"""On every request, whoever's client: JSON, who we are, and only the encodings the SDK can bound."""

Result = TypeVar("Result")

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""One encoder for every body: json.dumps with options would build a new one per request."""


def call(
    config: Config,
    operation: str,
    bill_id: str,
    endpoint: Any,
    body: Any,
    answer: type[Model],
    build: Callable[[Model, str], Result],
    *,
    effect: bool,
    personal: tuple[str, ...] = (),
    dialect: Dialect = V1,
) -> Call[Result]:
    """The generated endpoint's request for body, with our headers, serialised once; its answer is read (in the
    dialect's envelope) as the `answer` model and built into the result (personal data, such as the customer's
    name, kept out of errors)."""
    method, path, data = request_layout(endpoint, body)
    secrets = config.secrets

    def result(model: Model) -> Result:
        return build(model, bill_id)

    def parse(status: int, content: bytes, retry_after: float | None) -> Result:
        return decode(
            status,
            content,
            answer,
            result,
            bill_id=bill_id,
            secrets=secrets,
            effect=effect,
            retry_after=retry_after,
            personal=personal,
            dialect=dialect,
        )

    return Call(
        operation=operation,
        bill_id=bill_id,
        method=method,
        url=config.url(path),
        content=_JSON.encode(data).encode("utf-8"),
        headers=HEADERS,
        parse=parse,
        effect=effect,
    )


def judge_send(bill_id: str, amount: str) -> Callable[[BillStatus | None], Judgement[SentBill]]:
    """A send took effect when its bill exists; one at another price is someone else's (an unpaid bill's read shows
    no price, so its amount cannot be told: see the README)."""

    def judge(status: BillStatus | None) -> Judgement[SentBill]:
        if status is None:
            return Judgement(Verdict.NOT_DONE)
        if status.price is not None and status.price != int(amount):
            return Judgement(
                Verdict.NOT_OURS, error=DuplicateBillIdError("9800", "a bill with this id has another price")
            )
        return Judgement(Verdict.DONE, result=SentBill(bill_id, short_url=None, message="", raw=None, recovered=True))

    return judge


def judge_cancel(bill_id: str, amount: str) -> Callable[[BillStatus | None], Judgement[Cancellation]]:
    """A cancel took effect when its bill is CANCELLED at its amount."""

    def judge(status: BillStatus | None) -> Judgement[Cancellation]:
        if status is None or status.state is not BillState.CANCELLED:
            return Judgement(Verdict.NOT_DONE)
        if status.price != int(amount):
            return Judgement(Verdict.NOT_OURS, error=AlreadyCancelledError("9970", "cancelled at another price"))
        recovered = Cancellation(
            bill_id=bill_id,
            approval_number=None,
            original_approval_number=status.original_approval_number,
            cancelled_at=None,
            message="",
            raw=None,
            recovered=True,
        )
        return Judgement(Verdict.DONE, result=recovered)

    return judge


def judge_destroy(bill_id: str) -> Callable[[BillStatus | None], Judgement[Destruction]]:
    """A destroy took effect when its bill is DESTROYED."""

    def judge(status: BillStatus | None) -> Judgement[Destruction]:
        if status is None or status.state is not BillState.DESTROYED:
            return Judgement(Verdict.NOT_DONE)
        return Judgement(Verdict.DONE, result=Destruction(bill_id=bill_id, message="", raw=None, recovered=True))

    return judge
