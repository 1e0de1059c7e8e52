"""The vendor's five review flows (검수), one bill each, through the SDK: payment approval, approval callback, bill
read, approval cancel, bill destroy; each step said as it happens, each flow ending shown or not, and why.

Who pays is a Payer: the simulated customer (the simulator's control route) or a tester on their phone, waited
for by reading the bill. Whether the approval callback arrived is seen only when the target is a simulator (its
ledger records every delivery); against PaySsam the command says so and what to check instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from ._callbacks import APPROVAL_ACK
from ._cli_common import EXIT_API, EXIT_OK, error_status
from ._errors import OutcomeUnknownError, PaySsamError, TransportError
from ._ids import new_bill_id
from ._states import BillState
from ._validation import KST

if TYPE_CHECKING:
    from ._client import PaySsam
    from ._results import BillStatus
    from ._review_receiver import Receiver
    from ._review_sim import Control

Say = Callable[[str], None]

APPROVAL = "payment approval"
CALLBACK = "approval callback"
READ = "bill read"
CANCEL = "approval cancel"
DESTROY = "bill destroy"
NAMES_KO = {
    APPROVAL: "결제 승인",
    CALLBACK: "승인 콜백",
    READ: "청구서 조회",
    CANCEL: "승인 취소",
    DESTROY: "청구서 파기",
}
"""The five flows, in the order the README lists them, and their Korean names (the vendor's words)."""
STATES_KO = {"W": "미결제", "F": "결제 완료", "C": "취소 완료", "D": "파기 완료"}
CANCEL_REASON = "고객 요청"
"""The reason a v2 cancel gives (at most 20 characters)."""
EXPIRES_IN = timedelta(days=7)
CALLBACK_WAIT = 30.0
"""Seconds to wait for the simulator's delivery of an approval to be acknowledged (it is made on payment)."""


class NotShown(Exception):
    """A flow could not show what it must; `status` is the exit status it stands for."""

    def __init__(self, message: str, status: int = EXIT_API) -> None:
        self.status = status
        super().__init__(message)


@dataclass(slots=True)
class Flow:
    """One flow and what it came to: shown (or, to_check, shown as far as this command can see), and what it showed
    in English and in Korean; or why not, with its exit status. `sent`: the target answered the bill's send, the
    flow's first request; `no_answer`: the flow ended on a request that got no answer at all."""

    name: str
    bill_id: str | None = None
    sent: bool = False
    no_answer: bool = False
    shown: bool = False
    to_check: bool = False
    showed: str = ""
    showed_ko: str = ""
    why: str = ""
    status: int = EXIT_OK

    @property
    def name_ko(self) -> str:
        """The flow's name in Korean."""
        return NAMES_KO[self.name]


class Payer(Protocol):
    """Who pays a bill in the review."""

    def pay(self, bill_id: str, short_url: str | None) -> str:
        """Pay the bill or wait until it is paid; a line saying how. NotShown when it is not paid."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    """What every flow needs: the client, the bill's fields, who pays, and how deliveries are seen.

    control: the simulator's control routes (None against PaySsam: deliveries cannot be seen from here);
    receiver: this command's own approval receiver, when the bills' callback URL is its.
    """

    client: PaySsam
    price: int
    phone: str
    customer_name: str
    callback_url: str
    payer: Payer
    say: Say
    control: Control | None = None
    receiver: Receiver | None = None


def won(amount: int | None) -> str:
    """An amount as people read it: 35,000."""
    return "-" if amount is None else f"{amount:,}"


def _today() -> date:
    return datetime.now(KST).date()


def _send(ctx: Context, flow: Flow, number: int) -> tuple[str, str | None]:
    """A fresh bill for the flow, its product name saying which one (the tester sees it in KakaoTalk); its id and
    short URL."""
    bill_id = flow.bill_id = new_bill_id()
    sent = ctx.client.send_bill(
        bill_id,
        ctx.price,
        phone=ctx.phone,
        customer_name=ctx.customer_name,
        product_name=f"연동 검수 {number}/5 {flow.name_ko}",
        callback_url=ctx.callback_url,
        message=f"결제선생 연동 검수용 청구서입니다 ({flow.name_ko}).",
        expires_on=_today() + EXPIRES_IN,
    )
    flow.sent = True
    ctx.say(f"send_bill {bill_id}, {won(ctx.price)} won -> short URL {sent.short_url or '-'}")
    return bill_id, sent.short_url


def _expect(ctx: Context, bill_id: str, state: BillState) -> BillStatus:
    """Read the bill back and require a state."""
    status = ctx.client.read_bill(bill_id)
    facts = [f"{status.state_code or '-'} ({status.state.name})"]
    if status.price is not None:
        facts.append(f"{won(status.price)} won")
    if status.approval_number:
        facts.append(f"approval {status.approval_number}")
    ctx.say(f"read_bill {bill_id} -> {', '.join(facts)}")
    if status.state is not state:
        raise NotShown(f"read {status.state.name}, not {state.name}")
    return status


def _paid(ctx: Context, bill_id: str, short_url: str | None) -> BillStatus:
    """The bill paid (by the simulated customer, or a tester waited for) and read back PAID."""
    ctx.say(ctx.payer.pay(bill_id, short_url))
    return _expect(ctx, bill_id, BillState.PAID)


def payment_approval(ctx: Context, flow: Flow) -> tuple[str, str]:
    """Send, pay, read it paid with its approval."""
    bill_id, short_url = _send(ctx, flow, 1)
    status = _paid(ctx, bill_id, short_url)
    return (
        f"F (paid), approval {status.approval_number}, {won(status.price)} won",
        f"결제 완료(F), 승인번호 {status.approval_number}, {won(status.price)}원",
    )


def approval_callback(ctx: Context, flow: Flow) -> tuple[str, str]:
    """Send, pay; then the approval received, verified by reading back and acknowledged, as far as can be seen."""
    bill_id, short_url = _send(ctx, flow, 2)
    status = _paid(ctx, bill_id, short_url)
    number = status.approval_number
    if ctx.control is None:
        flow.to_check = True
        where = without_query(ctx.callback_url)
        ack = APPROVAL_ACK.decode("utf-8")
        ctx.say(
            f"PaySsam now POSTs the approval of {bill_id} to {where}; this command cannot see it arrive: check your "
            f"receiver's log for bill {bill_id}, that it read the bill back and that it answered exactly {ack}"
        )
        return (
            f"F (paid), approval {number}; the approval was POSTed to {where}: check there that it was acknowledged",
            f"결제 완료(F), 승인번호 {number}, 승인 콜백은 {where}(으)로 전송됨 "
            "(수신·응답 확인은 파트너 수신 서버 로그 기준)",
        )
    attempts = _acknowledged(ctx, ctx.control, bill_id)
    if ctx.receiver is None:
        return (
            f"approval {number} POSTed to {without_query(ctx.callback_url)} and acknowledged ({attempts})",
            f"승인번호 {number} 승인 콜백 전송, 수신 서버가 성공(0000) 응답",
        )
    verdict = ctx.receiver.verdict(bill_id, CALLBACK_WAIT)
    if verdict is None or not verdict.acknowledged or verdict.status is None:
        raise NotShown(f"the receiver did not verify the approval: {verdict.reason if verdict else 'none arrived'}")
    ctx.say(
        f"receiver: approval of {bill_id} parsed, read back {verdict.status.state.name} at "
        f"{won(verdict.status.price)} won, answered {APPROVAL_ACK.decode('utf-8')}"
    )
    return (
        f"approval {number} received, verified by read-back and acknowledged ({attempts})",
        f"승인번호 {number} 승인 콜백 수신 → 조회로 검증 → 성공(0000) 응답",
    )


def _acknowledged(ctx: Context, control: Control, bill_id: str) -> str:
    """The simulator's record of the approval's delivery, once its first attempt is made (at once, unless the
    simulator was told to hold it): acknowledged, or NotShown with its error; how many attempts it took."""
    deadline = time.monotonic() + CALLBACK_WAIT
    while True:
        found = control.bill(bill_id).get("callback")
        delivery: dict[str, Any] = found if isinstance(found, dict) else {}
        if _count(delivery) or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    count = _count(delivery)
    attempts = f"{count} attempt" + ("" if count == 1 else "s")
    if delivery.get("acknowledged") is not True:
        error = delivery.get("last_error") or "no attempt made"
        raise NotShown(f"the approval was not acknowledged ({attempts}): {error}")
    ctx.say(f"simulator: the approval's delivery acknowledged ({attempts})")
    return attempts


def _count(delivery: dict[str, Any]) -> int:
    """The attempts a delivery view records (a number, or a list of them)."""
    attempts = delivery.get("attempts")
    if isinstance(attempts, list):
        return len(attempts)
    return attempts if isinstance(attempts, int) else 0


def without_query(url: str) -> str:
    """A callback URL without its query or fragment (a partner may keep a token there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def bill_read(ctx: Context, flow: Flow) -> tuple[str, str]:
    """Send, read it back: the fields the read answers."""
    bill_id, _ = _send(ctx, flow, 3)
    status = _expect(ctx, bill_id, BillState.UNPAID)
    fields = {
        "bill_id": status.bill_id,
        "state": status.state_code,
        "price": status.price,
        "message": status.message,
    }
    ctx.say("read fields: " + ", ".join(f"{name}={value}" for name, value in fields.items() if value is not None))
    return (
        f"{status.state_code} (unpaid) read back",
        f"조회 결과 {STATES_KO['W']}({status.state_code})",
    )


def approval_cancel(ctx: Context, flow: Flow) -> tuple[str, str]:
    """Send, pay, cancel, read it cancelled (a v2 cancel gives a reason)."""
    bill_id, short_url = _send(ctx, flow, 4)
    status = _paid(ctx, bill_id, short_url)
    reason = CANCEL_REASON if ctx.client.api_version == 2 else None
    done = ctx.client.cancel_bill(bill_id, ctx.price, reason=reason)
    ctx.say(f"cancel_bill {bill_id} {won(ctx.price)} won -> cancel approval {done.approval_number or '-'}")
    _expect(ctx, bill_id, BillState.CANCELLED)
    return (
        f"C (cancelled): approval {status.approval_number} cancelled by {done.approval_number or '-'}, "
        f"{won(ctx.price)} won",
        f"취소 완료(C), 원승인번호 {status.approval_number}, 취소승인번호 {done.approval_number or '-'}, "
        f"{won(ctx.price)}원",
    )


def bill_destroy(ctx: Context, flow: Flow) -> tuple[str, str]:
    """Send, destroy, read it destroyed."""
    bill_id, _ = _send(ctx, flow, 5)
    ctx.client.destroy_bill(bill_id, ctx.price)
    ctx.say(f"destroy_bill {bill_id} {won(ctx.price)} won -> destroyed")
    _expect(ctx, bill_id, BillState.DESTROYED)
    return "D (destroyed)", f"{STATES_KO['D']}(D)"


BODIES: dict[str, Callable[[Context, Flow], tuple[str, str]]] = {
    APPROVAL: payment_approval,
    CALLBACK: approval_callback,
    READ: bill_read,
    CANCEL: approval_cancel,
    DESTROY: bill_destroy,
}


def unanswered(exc: BaseException) -> bool:
    """The call got no answer at all: refused, reset or timed out with nothing received (for a write left unknown,
    the last failure it met was such); what a target that is not answering does."""
    from ._review_sim import NoAnswer

    if isinstance(exc, OutcomeUnknownError):
        return isinstance(exc.__cause__, TransportError)
    return isinstance(exc, TransportError | NoAnswer)


def run(ctx: Context, flow: Flow) -> None:
    """Run one flow; any failure leaves it not shown, with why and its exit status (Ctrl-C goes on up)."""
    from ._review_sim import SimulatorError
    from .redaction import redact

    try:
        flow.showed, flow.showed_ko = BODIES[flow.name](ctx, flow)
        flow.shown = True
        return
    except NotShown as exc:
        flow.why, flow.status = str(exc), exc.status
    except PaySsamError as exc:
        flow.why, flow.status = f"{type(exc).__name__}: {exc}", error_status(exc)
        flow.no_answer = unanswered(exc)
    except SimulatorError as exc:
        flow.why, flow.status = str(exc), exc.status
        flow.no_answer = unanswered(exc)
    flow.why = redact(flow.why, (ctx.phone, ctx.customer_name))
    ctx.say(f"not shown: {flow.why}")
