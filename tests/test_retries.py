"""Reads tried again, writes made exactly once: every exchange scripted on an httpx.MockTransport.

A ScriptedHandler answers each path from its own list, one answer per request, in order; a request nobody
scripted fails the test, and so does an answer left unused, so the number of attempts and read-backs
is part of every check. Pauses are recorded through a patched time.sleep / anyio.sleep (never slept,
never timed); the backoff itself is checked as a pure function.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import pytest

import payssam
import payssam._client
import payssam._config
import payssam._errors
from payssam._errors import ProtocolError, TransportError
from payssam._retries import Backoff, RetryPolicy

from kit import GZIP_JSON, MODES, Handler, fails, offline_async_client, offline_client, ok, raw, streamed

BILL_ID = "1234567890ABCDEFGHIJ"
PRICE = 10000
OTHER_PRICE = 20000
SHORT_URL = "https://payssam.kr/b/AbC123"
WRITES = ["send", "cancel", "destroy"]

PATHS = {
    "read": "/if/bill/read",
    "send": "/if/bill/send",
    "cancel": "/if/bill/cancel",
    "destroy": "/if/bill/destroy",
    "resend": "/if/bill/resend",
}
OPERATIONS = {op: f"{op}_bill" for op in PATHS}
ARGS: dict[str, dict[str, Any]] = {
    "read": {"bill_id": BILL_ID},
    "resend": {"bill_id": BILL_ID},
    "cancel": {"bill_id": BILL_ID, "price": PRICE},
    "destroy": {"bill_id": BILL_ID, "price": PRICE},
    "send": {
        "bill_id": BILL_ID,
        "price": PRICE,
        "phone": "01012345678",
        "customer_name": "홍길동",
        "product_name": "11월 수강료",
        "callback_url": "https://partner.example/payssam/approval",
    },
}

# Retries allowed, pauses of zero (recorded anyway by the `pauses` fixture).
RETRYING: dict[str, Any] = {"max_retries": 2, "backoff": Backoff(0.0, 0.0)}

# --------------------------------------------------------------------------- scripted answers


def http_answer(status: int, body: bytes = b"upstream trouble", headers: Mapping[str, str] | None = None) -> Handler:
    """HTTP status with a raw body."""
    return raw(status, body, headers)


def code(value: str, **extra: str) -> Handler:
    """HTTP 200 with a v1 envelope of this code."""
    return ok({"code": value, "msg": f"answered {value}", **extra})


def read(state: str, price: int = PRICE, **extra: str) -> Handler:
    """A successful read of the bill in this appr_state at this price."""
    return ok({"code": "0000", "msg": "ok", "bill_id": BILL_ID, "appr_state": state, "appr_price": str(price), **extra})


class ScriptedHandler:
    """A MockTransport handler answering each path from its own list of answers, in order."""

    def __init__(self, **answers: Sequence[Handler]) -> None:
        unknown = set(answers) - set(PATHS)
        assert not unknown, f"no such operation: {unknown}"
        self.pending = {PATHS[op]: list(queue) for op, queue in answers.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.pending.get(request.url.path)
        assert queue, f"unscripted request #{self.count_path(request.url.path)} to {request.url.path}"
        return queue.pop(0)(request)

    def count_path(self, path: str) -> int:
        return sum(1 for request in self.requests if request.url.path == path)

    def count(self, op: str) -> int:
        """How many requests op got."""
        return self.count_path(PATHS[op])

    def sent(self, op: str) -> list[httpx.Request]:
        return [request for request in self.requests if request.url.path == PATHS[op]]

    def check_used_up(self) -> None:
        left = {path: len(queue) for path, queue in self.pending.items() if queue}
        assert not left, f"scripted answers never asked for: {left}"


async def run(mode: str, script: ScriptedHandler, op: str, **settings: Any) -> Any:
    """op on a fresh blocking or awaitable client (RETRYING unless settings say otherwise) answered by script."""
    merged = {**RETRYING, **settings}
    method = OPERATIONS[op]
    if mode == "sync":
        return getattr(offline_client(script, **merged), method)(**ARGS[op])
    return await getattr(offline_async_client(script, **merged), method)(**ARGS[op])


async def failure(mode: str, script: ScriptedHandler, op: str, **settings: Any) -> payssam.PaySsamError:
    """The PaySsamError op raises."""
    with pytest.raises(payssam.PaySsamError) as info:
        await run(mode, script, op, **settings)
    return info.value


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause the clients ask for, in seconds; none is actually slept."""
    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)

    async def asleep(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(time, "sleep", sleep)  # the module payssam._client sleeps through
    monkeypatch.setattr(payssam._client, "_async_sleep", asleep)
    return asked


# --------------------------------------------------------------------------- backoff, a pure function


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial=0.5, maximum=8.0)
    assert [backoff.delay(n, 1.0) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert [backoff.delay(n, 0.0) for n in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.5, 0.999])
@pytest.mark.parametrize("retry", [0, 1, 3, 9])
def test_backoff_jitter_stays_between_half_and_all_of_the_step(jitter: float, retry: int) -> None:
    backoff = Backoff(initial=0.5, maximum=8.0)
    step = min(8.0, 0.5 * 2**retry)
    assert step / 2 <= backoff.delay(retry, jitter) <= step
    assert backoff.delay(retry, jitter) == pytest.approx(step * (0.5 + jitter / 2))


def test_default_backoff_is_documented() -> None:
    assert Backoff() == Backoff(initial=0.5, maximum=8.0)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(None, 0.25, id="none"),
        pytest.param(0.0, 0.25, id="zero-backoff-wins"),
        pytest.param(3.0, 3.0, id="honoured"),
        pytest.param(8.0, 8.0, id="at-the-cap"),
        pytest.param(120.0, 8.0, id="capped"),
        pytest.param(float("inf"), 8.0, id="infinite-capped"),
    ],
)
def test_retry_after_counts_up_to_the_maximum(retry_after: float | None, expected: float) -> None:
    assert Backoff(initial=0.5, maximum=8.0).delay(0, 0.0, retry_after) == expected


def test_backoff_wins_over_a_shorter_retry_after() -> None:
    assert Backoff(initial=4.0, maximum=8.0).delay(1, 1.0, retry_after=1.0) == 8.0


def test_policy_waits_with_its_jitter_and_the_error_retry_after() -> None:
    policy = RetryPolicy(max_retries=2, backoff=Backoff(1.0, 4.0), jitter=lambda: 1.0)
    busy = ProtocolError("busy", status_code=503, excerpt="", retry_after=3.0)
    assert policy.wait(0, busy) == 3.0  # Retry-After above the step of 1 s
    assert policy.wait(2, busy) == 4.0  # the step (4 s) above Retry-After
    assert policy.wait(0, TransportError("no answer")) == 1.0  # only a ProtocolError carries a Retry-After
    halved = RetryPolicy(backoff=Backoff(1.0, 4.0), jitter=lambda: 0.0)
    assert halved.wait(1, TransportError("no answer")) == 1.0


# --------------------------------------------------------------------------- reads

READ_OK = read("W")

RETRIED: list[Any] = [
    pytest.param(fails(httpx.ReadError), payssam.TransportError, id="read-error"),
    pytest.param(fails(httpx.ConnectError), payssam.TransportError, id="connect-error"),
    pytest.param(fails(httpx.RemoteProtocolError), payssam.TransportError, id="remote-protocol-error"),
    pytest.param(fails(httpx.ReadTimeout), payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param(fails(httpx.ConnectTimeout), payssam.TransportTimeoutError, id="connect-timeout"),
    pytest.param(http_answer(500), payssam.ProtocolError, id="http-500"),
    pytest.param(http_answer(502), payssam.ProtocolError, id="http-502"),
    pytest.param(http_answer(503), payssam.ProtocolError, id="http-503"),
    pytest.param(http_answer(429), payssam.ProtocolError, id="http-429"),
    pytest.param(code("5000"), payssam.ServerSystemError, id="code-5000"),
]

NOT_RETRIED: list[Any] = [
    pytest.param(http_answer(400), payssam.ProtocolError, id="http-400"),
    pytest.param(http_answer(404), payssam.ProtocolError, id="http-404"),
    pytest.param(http_answer(200, b"<html>maintenance</html>"), payssam.ProtocolError, id="malformed-200"),
    pytest.param(ok({"msg": "no code"}), payssam.ProtocolError, id="200-without-code"),
    pytest.param(code("9980"), payssam.BillNotFoundError, id="code-9980"),
    pytest.param(code("9999"), payssam.ProcessingError, id="code-9999"),
    pytest.param(code("1003"), payssam.AccessDeniedError, id="code-1003"),
    pytest.param(code("9800"), payssam.DuplicateBillIdError, id="code-9800"),
    pytest.param(code("4321"), payssam.ApiError, id="code-undocumented"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("answer", "kind"), RETRIED)
async def test_read_is_retried_until_it_succeeds(mode: str, answer: Handler, kind: type, pauses: list[float]) -> None:
    script = ScriptedHandler(read=[answer, answer, READ_OK])
    status = await run(mode, script, "read")
    assert isinstance(status, payssam.BillStatus)
    assert status.state is payssam.BillState.UNPAID
    assert script.count("read") == 3
    assert len(pauses) == 2
    script.check_used_up()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("answer", "kind"), RETRIED)
async def test_read_gives_up_after_max_retries_with_the_last_error(
    mode: str, answer: Handler, kind: type, pauses: list[float]
) -> None:
    attempts = [answer, answer, last_of(answer)]
    script = ScriptedHandler(read=attempts)
    error = await failure(mode, script, "read")
    assert type(error) is kind
    assert script.count("read") == 3
    assert len(pauses) == 2
    assert "attempt 3" in str(error) + str(error.__cause__)  # the last error, not the first
    script.check_used_up()


def last_of(answer: Handler) -> Handler:
    """The same kind of answer as answer, marked "attempt 3" in its text."""

    def marked(request: httpx.Request) -> httpx.Response:
        try:
            response = answer(request)
        except httpx.TransportError as exc:
            raise type(exc)("attempt 3", request=request) from None
        if response.status_code != 200:
            return httpx.Response(response.status_code, content=b"attempt 3")
        body = json.loads(response.content)
        return httpx.Response(200, json={**body, "msg": "attempt 3"})

    return marked


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("answer", "kind"), NOT_RETRIED)
async def test_read_is_not_retried_on_a_final_answer(
    mode: str, answer: Handler, kind: type, pauses: list[float]
) -> None:
    script = ScriptedHandler(read=[answer])
    error = await failure(mode, script, "read")
    assert type(error) is kind
    assert script.count("read") == 1
    assert pauses == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("retry_after", "maximum", "expected"),
    [
        pytest.param("3", 8.0, 3.0, id="honoured"),
        pytest.param("120", 8.0, 8.0, id="capped-at-maximum"),
        pytest.param("5", 2.0, 2.0, id="capped-at-a-low-maximum"),
        pytest.param("Wed, 21 Oct 2026 07:28:00 GMT", 8.0, 0.0, id="date-form-ignored"),
        pytest.param("soon", 8.0, 0.0, id="garbage-ignored"),
    ],
)
async def test_retry_after_is_honoured_up_to_the_maximum(
    mode: str, status: int, retry_after: str, maximum: float, expected: float, pauses: list[float]
) -> None:
    # initial 0: the backoff's own step is 0, so the pause asked for is what Retry-After makes it.
    script = ScriptedHandler(read=[http_answer(status, headers={"Retry-After": retry_after}), READ_OK])
    await run(mode, script, "read", backoff=Backoff(0.0, maximum))
    assert pauses == [expected]


@pytest.mark.parametrize("mode", MODES)
async def test_retry_after_of_non_ascii_digits_is_not_a_crash(mode: str, pauses: list[float]) -> None:
    """'²' (byte 0xB2, Latin-1) passes str.isdigit() but not float(): still a retriable 503, never a ValueError."""

    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, content=b"busy", headers=[(b"Retry-After", b"\xb2")])

    script = ScriptedHandler(read=[busy, READ_OK])
    status = await run(mode, script, "read")
    assert isinstance(status, payssam.BillStatus)
    assert script.count("read") == 2


@pytest.mark.parametrize("mode", MODES)
async def test_pauses_follow_the_backoff(mode: str, pauses: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """With jitter pinned to 1 the pauses are the full steps: initial, then doubled, up to the maximum."""
    monkeypatch.setattr(payssam._config, "RetryPolicy", pinned_policy)
    script = ScriptedHandler(read=[http_answer(503)] * 4 + [READ_OK])
    await run(mode, script, "read", max_retries=4, backoff=Backoff(1.0, 3.0))
    assert pauses == [1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("mode", MODES)
async def test_pauses_with_random_jitter_stay_within_each_step(mode: str, pauses: list[float]) -> None:
    script = ScriptedHandler(read=[http_answer(503)] * 5 + [READ_OK])
    await run(mode, script, "read", max_retries=5, backoff=Backoff(1.0, 3.0))
    steps = [1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(pauses) == len(steps)
    for pause, step in zip(pauses, steps, strict=True):
        assert step / 2 <= pause <= step


def pinned_policy(max_retries: int, backoff: Backoff) -> RetryPolicy:
    """A RetryPolicy whose jitter is always 1 (the full step)."""
    return RetryPolicy(max_retries=max_retries, backoff=backoff, jitter=lambda: 1.0)


@pytest.mark.parametrize("mode", MODES)
async def test_with_options_max_retries_zero_makes_one_attempt(mode: str, pauses: list[float]) -> None:
    script = ScriptedHandler(read=[http_answer(503), http_answer(503), READ_OK, http_answer(503)])
    if mode == "sync":
        client = offline_client(script, **RETRYING)
        assert isinstance(client.read_bill(BILL_ID), payssam.BillStatus)  # the client itself retries
        with pytest.raises(payssam.ProtocolError):
            client.with_options(max_retries=0).read_bill(BILL_ID)
    else:
        aclient = offline_async_client(script, **RETRYING)
        assert isinstance(await aclient.read_bill(BILL_ID), payssam.BillStatus)
        with pytest.raises(payssam.ProtocolError):
            await aclient.with_options(max_retries=0).read_bill(BILL_ID)
    assert script.count("read") == 4
    assert len(pauses) == 2
    script.check_used_up()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", ["read", *WRITES])
async def test_every_attempt_sends_the_same_bytes(mode: str, op: str, pauses: list[float]) -> None:
    if op == "read":
        script = ScriptedHandler(read=[http_answer(503), fails(httpx.ReadError), READ_OK])
    else:
        script = ScriptedHandler(
            **{op: [fails(httpx.ConnectError), fails(httpx.ReadError), OK[op]], "read": [NOT_DONE[op][1]]}
        )
    await run(mode, script, op)
    sent = script.sent(op)
    assert len(sent) == 3
    assert sent[0].content
    for request in sent[1:]:
        assert request.content == sent[0].content
        assert request.method == sent[0].method
        assert request.url == sent[0].url
        assert request.headers.multi_items() == sent[0].headers.multi_items()
    script.check_used_up()


# --------------------------------------------------------------------------- writes made exactly once

OK: dict[str, Handler] = {
    "send": ok({"code": "0000", "msg": "sent", "bill_id": BILL_ID, "shortURL": SHORT_URL}),
    "cancel": ok(
        {
            "code": "0000",
            "msg": "cancelled",
            "bill_id": BILL_ID,
            "appr_num": "30012399",
            "appr_origin_num": "30012345",
            "appr_cancel_dt": "20261125150000",
        }
    ),
    "destroy": ok({"code": "0000", "msg": "destroyed", "bill_id": BILL_ID}),
}
# What a read shows once the write took effect, and while it has not.
EFFECT: dict[str, Handler] = {
    "send": read("W"),
    "cancel": read("C", appr_num="30012399", appr_origin_num="30012345"),
    "destroy": read("D"),
}
NOT_DONE: dict[str, tuple[str, Handler]] = {
    "send": ("no-such-bill", code("9980")),
    "cancel": ("still-paid", read("F", appr_num="30012345")),
    "destroy": ("still-unpaid", read("W")),
}
DONE_ALREADY: dict[str, tuple[str, type[payssam.ApiError]]] = {
    "send": ("9800", payssam.DuplicateBillIdError),
    "cancel": ("9970", payssam.AlreadyCancelledError),
    "destroy": ("9999", payssam.ProcessingError),
}
RESULTS: dict[str, type[Any]] = {
    "send": payssam.SentBill,
    "cancel": payssam.Cancellation,
    "destroy": payssam.Destruction,
}

AMBIGUOUS: list[Any] = [
    pytest.param(fails(httpx.ReadError), id="read-error"),
    pytest.param(fails(httpx.ReadTimeout), id="read-timeout"),
    pytest.param(fails(httpx.RemoteProtocolError), id="remote-protocol-error"),
    pytest.param(http_answer(503), id="http-503"),
    pytest.param(http_answer(500), id="http-500"),
    pytest.param(http_answer(200, b'{"code": "0000", "msg": "ok"'), id="malformed-200"),
    pytest.param(code("5000"), id="code-5000"),
    pytest.param(streamed(gzip.compress(b'{"code":"0000"}')[:10] + b"\xff" * 20, GZIP_JSON), id="broken-gzip"),
    pytest.param(streamed(gzip.compress(b'{"code":"0000","msg":"ok"}')[:15], GZIP_JSON), id="gzip-cut-short"),
]


def write_cases(*ops: str) -> list[Any]:
    """(mode, op) for each write op in both clients."""
    return [pytest.param(mode, op, id=f"{op}-{mode}") for op in ops for mode in MODES]


def not_done_cases() -> list[Any]:
    """(mode, op, what a read shows while op has not taken effect) for each write op in both clients."""
    return [
        pytest.param(mode, op, NOT_DONE[op][1], id=f"{op}-{NOT_DONE[op][0]}-{mode}") for op in WRITES for mode in MODES
    ]


@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_write_succeeding_first_time_is_sent_once(mode: str, op: str, pauses: list[float]) -> None:
    script = ScriptedHandler(**{op: [OK[op]]})
    result = await run(mode, script, op)
    assert type(result) is RESULTS[op]
    assert result.recovered is False
    assert result.raw is not None
    assert result.bill_id == BILL_ID
    assert script.count(op) == 1
    assert script.count("read") == 0
    assert pauses == []


def check_recovered(op: str, result: Any) -> None:
    """A result rebuilt from a read-back: only what the read shows, the lost answer's own fields None."""
    assert type(result) is RESULTS[op]
    assert result.recovered is True
    assert result.raw is None
    assert result.bill_id == BILL_ID
    if op == "send":
        assert result.short_url is None
    if op == "cancel":
        assert result.approval_number is None
        assert result.cancelled_at is None
        assert result.original_approval_number == "30012345"


@pytest.mark.parametrize("ambiguity", AMBIGUOUS)
@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_ambiguous_write_proven_by_the_read_back_is_recovered(
    mode: str, op: str, ambiguity: Handler, pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [ambiguity], "read": [EFFECT[op]]})
    result = await run(mode, script, op)
    check_recovered(op, result)
    assert script.count(op) == 1  # never sent twice
    assert script.count("read") == 1
    assert pauses == []
    script.check_used_up()


@pytest.mark.parametrize("ambiguity", AMBIGUOUS)
@pytest.mark.parametrize(("mode", "op", "not_done"), not_done_cases())
async def test_ambiguous_write_the_read_back_shows_undone_is_retried(
    mode: str, op: str, not_done: Handler, ambiguity: Handler, pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [ambiguity, OK[op]], "read": [not_done]})
    result = await run(mode, script, op)
    assert type(result) is RESULTS[op]
    assert result.recovered is False
    assert result.raw is not None
    assert script.count(op) == 2
    assert script.count("read") == 1
    assert len(pauses) == 1
    script.check_used_up()


@pytest.mark.parametrize(("mode", "op", "not_done"), not_done_cases())
async def test_retried_write_answered_done_already_is_recovered_by_the_read_back(
    mode: str, op: str, not_done: Handler, pauses: list[float]
) -> None:
    """The first attempt landed late: the retry hears 9800/9970/9999, and the bill shows our effect."""
    done_code, _ = DONE_ALREADY[op]
    script = ScriptedHandler(**{op: [fails(httpx.ReadError), code(done_code)], "read": [not_done, EFFECT[op]]})
    result = await run(mode, script, op)
    check_recovered(op, result)
    assert script.count(op) == 2
    assert script.count("read") == 2
    script.check_used_up()


@pytest.mark.parametrize(("mode", "op", "not_done"), not_done_cases())
async def test_retried_write_answered_done_already_with_the_bill_unchanged_is_outcome_unknown(
    mode: str, op: str, not_done: Handler, pauses: list[float]
) -> None:
    """PaySsam says "done already" but the bill does not show it: the first attempt may still land, so nothing
    can be concluded (0.2.1 raised the "done already" error as if the write had failed)."""
    done_code, kind = DONE_ALREADY[op]
    script = ScriptedHandler(**{op: [fails(httpx.ReadError), code(done_code)], "read": [not_done, not_done]})
    error = await failure(mode, script, op)
    assert type(error) is payssam.OutcomeUnknownError
    assert type(error.__cause__) is kind
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)
    script.check_used_up()


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(code("9999"), id="code-9999"),
        pytest.param(code("1003"), id="code-1003"),
        pytest.param(http_answer(400), id="http-400"),
    ],
)
@pytest.mark.parametrize(("mode", "op", "not_done"), not_done_cases())
async def test_a_refusal_after_an_ambiguous_attempt_is_outcome_unknown(
    mode: str, op: str, not_done: Handler, refusal: Handler, pauses: list[float]
) -> None:
    """The retry is refused for sure, but the first attempt may still land: unknown, never "not done"."""
    script = ScriptedHandler(**{op: [fails(httpx.ReadTimeout), refusal], "read": [not_done, not_done]})
    error = await failure(mode, script, op)
    assert type(error) is payssam.OutcomeUnknownError
    assert isinstance(error.__cause__, payssam.ApiError | payssam.ProtocolError)
    assert script.count(op) == 2  # (destroy's "done already" is 9999 itself: that one is read back once more)


@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_a_write_refused_with_http_4xx_is_not_read_back_nor_retried(
    mode: str, op: str, pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [http_answer(400, b'{"error":"bad parameter"}')]})
    error = await failure(mode, script, op)
    assert type(error) is payssam.ProtocolError
    assert error.status_code == 400
    assert script.count(op) == 1
    assert script.count("read") == 0
    assert pauses == []


@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_a_throttled_write_is_retried_without_a_read_back(mode: str, op: str, pauses: list[float]) -> None:
    script = ScriptedHandler(**{op: [http_answer(429, headers={"Retry-After": "0"}), OK[op]]})
    result = await run(mode, script, op)
    assert type(result) is RESULTS[op]
    assert result.recovered is False
    assert script.count(op) == 2
    assert script.count("read") == 0
    assert len(pauses) == 1


@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_first_attempt_answered_done_already_is_not_read_back(mode: str, op: str, pauses: list[float]) -> None:
    done_code, kind = DONE_ALREADY[op]
    script = ScriptedHandler(**{op: [code(done_code)]})
    error = await failure(mode, script, op)
    assert type(error) is kind
    assert error.code == done_code
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)
    assert script.count(op) == 1
    assert script.count("read") == 0
    assert pauses == []


NOT_OURS: list[Any] = [
    pytest.param(
        "send", read("F", OTHER_PRICE, appr_num="1"), payssam.DuplicateBillIdError, id="send-paid-other-price"
    ),
    pytest.param("send", read("C", OTHER_PRICE), payssam.DuplicateBillIdError, id="send-cancelled-other-price"),
    pytest.param("send", read("W", OTHER_PRICE), payssam.DuplicateBillIdError, id="send-unpaid-other-price"),
    pytest.param("cancel", read("C", OTHER_PRICE), payssam.AlreadyCancelledError, id="cancel-cancelled-other-price"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("op", "found", "kind"), NOT_OURS)
async def test_a_bill_at_another_price_is_never_taken_as_ours(
    mode: str, op: str, found: Handler, kind: type, pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [fails(httpx.ReadError)], "read": [found]})
    error = await failure(mode, script, op)
    assert type(error) is kind
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)  # the error says which call
    assert script.count(op) == 1  # and never sent again
    assert pauses == []
    script.check_used_up()


READ_FAILURES: list[Any] = [
    pytest.param(lambda n: http_answer(503, f"read {n}".encode()), payssam.ProtocolError, id="http-503"),
    pytest.param(lambda n: fails(httpx.ReadError, f"read {n}"), payssam.TransportError, id="read-error"),
    pytest.param(lambda n: fails(httpx.ReadTimeout, f"read {n}"), payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param(lambda n: code("5000", msg=f"read {n}"), payssam.ServerSystemError, id="code-5000"),
]


@pytest.mark.parametrize(("make", "kind"), READ_FAILURES)
@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_every_read_back_failing_is_outcome_unknown(
    mode: str, op: str, make: Callable[[int], Handler], kind: type, pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [fails(httpx.ReadError)], "read": [make(1), make(2), make(3)]})
    error = await failure(mode, script, op)
    assert type(error) is payssam.OutcomeUnknownError
    assert payssam.OutcomeUnknownError is payssam._errors.OutcomeUnknownError
    assert "OutcomeUnknownError" in payssam.__all__
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)
    assert OPERATIONS[op] in str(error)
    assert BILL_ID in str(error)
    cause = error.__cause__
    assert cause is not None
    assert type(cause) is kind
    assert "read 3" in str(cause) + str(cause.__cause__)  # the last read failure
    assert script.count(op) == 1  # an unknown outcome is never sent again
    assert script.count("read") == 3
    script.check_used_up()


@pytest.mark.parametrize("kind", [httpx.ConnectError, httpx.ConnectTimeout])
@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_a_write_never_sent_is_retried_without_read_back(
    mode: str, op: str, kind: type[httpx.TransportError], pauses: list[float]
) -> None:
    script = ScriptedHandler(**{op: [fails(kind), OK[op]]})
    result = await run(mode, script, op)
    assert type(result) is RESULTS[op]
    assert result.recovered is False
    assert script.count(op) == 2
    assert script.count("read") == 0
    assert len(pauses) == 1


@pytest.mark.parametrize(("mode", "op"), write_cases(*WRITES))
async def test_a_write_never_sent_at_all_is_a_transport_error(mode: str, op: str, pauses: list[float]) -> None:
    script = ScriptedHandler(**{op: [fails(httpx.ConnectError)] * 3})
    error = await failure(mode, script, op)
    assert type(error) is payssam.TransportError
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert "may have taken effect" not in str(error)
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)
    assert script.count(op) == 3
    assert script.count("read") == 0


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        pytest.param(lambda n: http_answer(503, f"attempt {n}".encode()), payssam.ProtocolError, id="http-503"),
        pytest.param(lambda n: http_answer(502, f"attempt {n}".encode()), payssam.ProtocolError, id="http-502"),
        pytest.param(lambda n: fails(httpx.ReadTimeout, f"attempt {n}"), payssam.TransportTimeoutError, id="timeout"),
    ],
)
@pytest.mark.parametrize(("mode", "op", "not_done"), not_done_cases())
async def test_retries_exhausted_with_the_bill_unchanged_are_outcome_unknown_never_not_done(
    mode: str, op: str, not_done: Handler, answer: Callable[[int], Handler], kind: type, pauses: list[float]
) -> None:
    """Every attempt may have reached PaySsam and every read-back found nothing: that proves nothing, since a
    request that timed out may land a moment later (0.2.1 raised the last error, read as "not done")."""
    script = ScriptedHandler(**{op: [answer(1), answer(2), answer(3)], "read": [not_done] * 3})
    error = await failure(mode, script, op)
    assert type(error) is payssam.OutcomeUnknownError
    cause = error.__cause__
    assert type(cause) is kind
    assert "attempt 3" in str(cause) + str(cause.__cause__)
    assert "may or may not have taken effect" in str(error)
    assert (error.operation, error.bill_id) == (OPERATIONS[op], BILL_ID)
    assert script.count(op) == 3
    assert script.count("read") == 3
    assert len(pauses) == 2
    script.check_used_up()


RESEND_FAILURES: list[Any] = [
    pytest.param(fails(httpx.ReadError), payssam.TransportError, id="read-error"),
    pytest.param(fails(httpx.ReadTimeout), payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param(fails(httpx.ConnectError), payssam.TransportError, id="connect-error"),
    pytest.param(http_answer(503), payssam.ProtocolError, id="http-503"),
    pytest.param(http_answer(429, headers={"Retry-After": "1"}), payssam.ProtocolError, id="http-429"),
    pytest.param(code("5000"), payssam.ServerSystemError, id="code-5000"),
    pytest.param(code("9999"), payssam.ProcessingError, id="code-9999"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("answer", "kind"), RESEND_FAILURES)
async def test_resend_is_never_retried(mode: str, answer: Handler, kind: type, pauses: list[float]) -> None:
    script = ScriptedHandler(resend=[answer])
    error = await failure(mode, script, "resend", max_retries=10)
    assert type(error) is kind
    assert (error.operation, error.bill_id) == ("resend_bill", BILL_ID)
    assert script.count("resend") == 1
    assert script.count("read") == 0
    assert pauses == []


# --------------------------------------------------------------------------- which call failed

TAGGED: list[Any] = [
    pytest.param("read", code("9980"), payssam.BillNotFoundError, id="read-9980"),
    pytest.param("read", http_answer(400), payssam.ProtocolError, id="read-400"),
    pytest.param("read", fails(httpx.RemoteProtocolError), payssam.TransportError, id="read-transport"),
    pytest.param("read", fails(httpx.ReadTimeout), payssam.TransportTimeoutError, id="read-timeout"),
    pytest.param("resend", code("9971"), payssam.AlreadyPaidError, id="resend-9971"),
    pytest.param("resend", http_answer(502), payssam.ProtocolError, id="resend-502"),
    pytest.param("send", code("1003"), payssam.AccessDeniedError, id="send-1003"),
    pytest.param("send", fails(httpx.ConnectError), payssam.TransportError, id="send-connect"),
    pytest.param("cancel", code("9980"), payssam.BillNotFoundError, id="cancel-9980"),
    pytest.param("cancel", http_answer(404), payssam.ProtocolError, id="cancel-404"),
    pytest.param("destroy", code("9971"), payssam.AlreadyPaidError, id="destroy-9971"),
    pytest.param("destroy", fails(httpx.ReadError), payssam.OutcomeUnknownError, id="destroy-read-error"),
]
# What a write's read-back finds when its answer was ambiguous: the bill untouched.
UNTOUCHED: dict[str, Handler] = {"send": code("9980"), "cancel": read("F"), "destroy": read("W")}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("op", "answer", "kind"), TAGGED)
async def test_errors_say_which_call_failed(
    mode: str, op: str, answer: Handler, kind: type, pauses: list[float]
) -> None:
    answers: dict[str, list[Handler]] = {op: [answer]}
    if op in UNTOUCHED:
        answers["read"] = [UNTOUCHED[op]]
    script = ScriptedHandler(**answers)
    with pytest.raises(payssam.PaySsamError) as info:
        await run(mode, script, op, max_retries=0)
    assert type(info.value) is kind
    assert info.value.operation == OPERATIONS[op]
    assert info.value.bill_id == BILL_ID


def test_the_clients_sleep_through_the_patched_names() -> None:
    """The premise of the `pauses` fixture: payssam._client pauses with time.sleep and its _async_sleep."""
    names = vars(payssam._client)
    assert names["time"] is time
    assert names["_async_sleep"] is asyncio.sleep
