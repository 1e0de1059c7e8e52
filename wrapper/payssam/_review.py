"""`payssam review`: the vendor's five review flows (검수), one bill each, and the summary to mail the vendor.

Against the simulator it starts itself (no --base-url: the rehearsal), or one already running at a loopback
--base-url (it answers GET /_sim/health), the command pays each bill through the simulator's control route and
sees every approval callback delivered, by default to a receiver of its own built on the SDK's callback helpers.
Against PaySsam (the sandbox) it cannot pay: it sends each bill, prints its short URL and waits, reading the bill,
until a tester has paid on their phone (--timeout-pay), and it cannot see the approval callback arrive, so it says
what to check instead of claiming it. Steps go to stderr as they happen; the BILL-IDs and the summary to stdout.

Nothing heavy at import time: `payssam --help` loads this module to register the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import ExitStack
    from typing import Any

    from ._cli_common import Connect, Outcome
    from ._client import PaySsam
    from ._review_flows import Context, Flow, Payer

Adder = Callable[..., argparse.ArgumentParser]

SUMMARY = "run PaySsam's five review flows (검수), one bill each; prints the BILL-IDs and a summary for the vendor"
DEFAULT_PRICE = "35000"
TEST_PHONE = "01012345678"
TEST_NAME = "홍길동"
"""The customer of the bills sent to a simulator: test values (the sandbox needs the tester's own phone)."""
TIMEOUT_PAY = 600.0
"""Seconds a tester has to pay each bill against PaySsam."""
CONFIGURATION_FLAGS = ("member", "merchant", "apikey_file")
EPILOG = (
    "Exit status 0 when the five flows were shown. Against PaySsam the approval callback's delivery cannot be seen "
    "from here: that flow ends 'to check' (your receiver's log says) and does not fail the run. Otherwise 3 when a "
    "payment never came within --timeout-pay, 1 when PaySsam or the simulator answered otherwise than the flow "
    "needs, 2 for bad options or a simulator that is not installed (pip install 'payssam[mock]'), 130 on Ctrl-C; "
    "`payssam --help` lists them all."
)
REVIEW_OPEN_POINTS: dict[str, str] = {
    "what the vendor's review checks": "only that five bills go through [3P]; the command sends one bill per flow, so "
    "the mail names five BILL-IDs the vendor can look up one by one",
    "the bill read flow": "a bill sent and read back unpaid (W): no payment needed; the approval and cancel flows "
    "read their bills back paid and cancelled too",
    "the approval callback against PaySsam": "its delivery cannot be seen from here: the flow ends 'to check' with "
    "what to look for in the partner's receiver log, and does not fail the run (never claimed acknowledged)",
    "a v2 cancel's reason": "고객 요청 (the field is optional and at most 20 characters)",
    "the bills": "35,000 won (--price), due in 7 days (KST), each product name saying its flow "
    "(연동 검수 1/5 결제 승인)",
    "which target is a simulator": "a loopback --base-url whose GET /_sim/health answers 200 with a JSON object; a "
    "remote host is never sent a control request",
    "PAYSSAM_BASE_URL": "not read: the default target is the simulator started here, and sending real bills takes "
    "an explicit --base-url",
    "waiting for a tester": "the bill read every 3 s, a progress line every 15 s, at most --timeout-pay (600 s) per "
    "bill; a payment that never came is exit status 3 (no answer: nothing is known to have happened)",
}
"""What `payssam review` does where the vendor's evidence is silent: the case, and the decision."""
BASE_URL_HELP = (
    "where to run the flows: PaySsam's sandbox (a tester pays on their phone) or a simulator already running on "
    "this machine (paid through its control route). Without it the command starts a simulator of its own; "
    "PAYSSAM_BASE_URL is not read: sending real bills takes this flag"
)


def _seconds(text: str) -> float:
    """An argparse type for a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def add_command(commands: Any, add: Adder) -> None:
    """The `review` subcommand and its options."""
    review = add(commands, "review", SUMMARY, run)
    review.epilog = EPILOG
    for action in review._actions:  # the shared --base-url says it falls back to PAYSSAM_BASE_URL: not here
        if "--base-url" in action.option_strings:
            action.help = BASE_URL_HELP
    review.add_argument(
        "--callback-url",
        metavar="URL",
        help="where the approvals go: your receiver (required against PaySsam); against a simulator, by default a "
        "receiver this command runs on loopback, built on the SDK's callback helpers",
    )
    review.add_argument(
        "--timeout-pay",
        metavar="SECONDS",
        type=_seconds,
        default=TIMEOUT_PAY,
        help="how long to wait for each bill to be paid when the command cannot pay it itself (default %(default)g)",
    )
    review.add_argument(
        "--no-autopay",
        action="store_true",
        help="do not pay through the simulator's control route: wait for someone to pay, as against PaySsam (on "
        "the simulator's bill page, at the short URL)",
    )
    review.add_argument(
        "--price", metavar="WON", default=DEFAULT_PRICE, help="each bill's amount (default %(default)s)"
    )
    review.add_argument(
        "--phone",
        help="the phone that gets the KakaoTalk bills, digits only (required against PaySsam; a simulator gets a "
        "test number); shown masked",
    )
    review.add_argument(
        "--customer-name",
        metavar="NAME",
        default=TEST_NAME,
        help="the customer's name on the bills (default a test name); shown masked",
    )


class _Sayer:
    """Prints steps on stderr as they happen, with the apikey, the phone and the name masked."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets

    def __call__(self, text: str) -> None:
        self.line(f"  · {text}")

    def line(self, text: str) -> None:
        """A line of its own (a heading)."""
        import sys

        from ._cli_common import printable
        from .redaction import redact

        print(printable(redact(text, self.secrets), keep_newlines=True), file=sys.stderr, flush=True)


def run(args: argparse.Namespace, connect: Connect) -> Outcome:
    """The review: checks the options, finds the target, runs the five flows and builds the closing output."""
    from contextlib import ExitStack

    from ._review_sim import SimulatorError

    try:
        with ExitStack() as stack:
            return _review(args, connect, stack)
    except SimulatorError as exc:
        return _failed(args, str(exc), exc.status)


def _failed(args: argparse.Namespace, message: str, status: int) -> Outcome:
    """The command could not run the flows at all: the error on stderr, or as the JSON error object."""
    import sys

    from ._cli_common import PROG, Outcome, printable

    if not args.json:
        print(f"{PROG} review: error: {printable(message)}", file=sys.stderr)
    error = {"type": "SimulatorError", "code": None, "field": None, "message": message}
    return Outcome(data={"error": error}, lines=[], status=status)


class _Target:
    """Where the flows run: its base URL and API version, how to make a client for it, and whether it is a
    simulator: paid through, its deliveries seen, and the run a rehearsal (nothing for the vendor)."""

    __slots__ = ("api_version", "base_url", "is_sim", "make_client", "member", "where")

    def __init__(
        self,
        *,
        base_url: str,
        api_version: int,
        member: str,
        make_client: Callable[[], PaySsam],
        is_sim: bool,
        where: str,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self.member = member
        self.make_client = make_client
        self.is_sim = is_sim
        self.where = where


def _own_simulator(args: argparse.Namespace, stack: ExitStack) -> _Target:
    """A simulator started here, stopped when the stack closes; v2 at the sandbox's /partner prefix."""
    from ._errors import ValidationError
    from ._review_sim import SANDBOX_MEMBER, SimulatorProcess

    given = [f"--{flag.replace('_', '-')}" for flag in CONFIGURATION_FLAGS if getattr(args, flag, None)]
    if given:
        raise ValidationError(
            given[0].removeprefix("--").replace("-", "_"),
            f"{', '.join(given)}: only with --base-url; the simulator started here accepts the public sandbox "
            "credentials",
        )
    api_version = _api_version(args)
    simulator = stack.enter_context(SimulatorProcess())
    base_url = simulator.base_url + ("/partner" if api_version == 2 else "")
    return _Target(
        base_url=base_url,
        api_version=api_version,
        member=SANDBOX_MEMBER,
        make_client=_sandbox_client(args, base_url, api_version),
        is_sim=True,
        where=f"the simulator started here at {base_url} (pid {simulator.pid}, stopped at the end)",
    )


def _given(args: argparse.Namespace, connect: Connect, secrets: list[str]) -> _Target:
    """--base-url with the settings every command takes: a simulator (it answers GET /_sim/health), or PaySsam."""
    from ._review_sim import is_simulator

    config = connect.config()
    secrets.append(config.apikey.reveal())
    is_sim = is_simulator(args.base_url)
    return _Target(
        base_url=args.base_url,
        api_version=config.api_version,
        member=config.member,
        make_client=connect,
        is_sim=is_sim,
        where=f"the simulator at {args.base_url}" if is_sim else f"PaySsam at {args.base_url}",
    )


def _review(args: argparse.Namespace, connect: Connect, stack: ExitStack) -> Outcome:
    from . import _validation as validation
    from ._errors import ValidationError
    from ._review_flows import Context, without_query, won
    from ._review_payers import SimulatedCustomer, Tester
    from ._review_receiver import Receiver
    from ._review_sim import Control
    from .redaction import mask_name, mask_phone

    price = int(validation.price(args.price))
    name = validation.text("customer_name", args.customer_name)
    phone = None if args.phone is None else validation.phone(args.phone)
    callback_url = None if args.callback_url is None else validation.callback_url(args.callback_url)
    secrets = [name] + ([phone] if phone else [])
    target = _own_simulator(args, stack) if args.base_url is None else _given(args, connect, secrets)
    if not target.is_sim:
        if phone is None:
            raise ValidationError("phone", "is required against PaySsam: the tester's phone, which gets the bills")
        if callback_url is None:
            raise ValidationError("callback_url", "is required against PaySsam: your approval receiver's URL")
    say = _Sayer(secrets)
    client: PaySsam = stack.enter_context(target.make_client())
    control = stack.enter_context(Control(target.base_url)) if target.is_sim else None
    receiver = None
    if callback_url is None:  # a simulator: this command's own receiver gets the approvals
        receiver = stack.enter_context(Receiver(stack.enter_context(target.make_client()), expected_price=price))
        callback_url = receiver.url
    payer: Payer
    if control is not None and not args.no_autopay:
        payer = SimulatedCustomer(control)
        paying = "the command pays each bill itself through the simulator's control route"
    else:
        where = "a browser: the simulator's bill page" if target.is_sim else "the KakaoTalk on the tester's phone"
        payer = Tester(client, timeout=args.timeout_pay, say=say, where=where)
        paying = f"a tester pays each bill at its short URL, within {args.timeout_pay:g} s (--timeout-pay)"
    phone = phone or TEST_PHONE
    owner = "this command's receiver" if receiver is not None else "yours"
    say.line(f"payssam review: API v{target.api_version} against {target.where}")
    say.line(f"payssam review: {paying}")
    say.line(f"payssam review: bills of {won(price)} won each for {mask_name(name)}, {mask_phone(phone)}")
    say.line(f"payssam review: approvals go to {without_query(callback_url)} ({owner})")
    ctx = Context(
        client=client,
        price=price,
        phone=phone,
        customer_name=name,
        callback_url=callback_url,
        payer=payer,
        say=say,
        control=control,
        receiver=receiver,
    )
    flows, interrupted = _run_flows(ctx, say)
    return _outcome(flows, interrupted, target)


def _api_version(args: argparse.Namespace) -> int:
    """--api-version, else PAYSSAM_API_VERSION, else 1 (as every command)."""
    import os

    from ._config import api_version_from_env

    return int(args.api_version or api_version_from_env(os.environ))


def _sandbox_client(args: argparse.Namespace, base_url: str, api_version: int) -> Callable[[], PaySsam]:
    """Makes clients for the simulator started here, with the public sandbox credentials (v2's note said once)."""
    import sys

    from ._review_sim import SANDBOX_APIKEY, SANDBOX_MEMBER, SANDBOX_MERCHANT
    from .cli import V2_NOTE, Settings, _make_client

    if api_version == 2:
        print(V2_NOTE, file=sys.stderr)
    settings = Settings(
        apikey=SANDBOX_APIKEY,
        member=SANDBOX_MEMBER,
        merchant=SANDBOX_MERCHANT,
        base_url=base_url,
        timeout=args.timeout,
        api_version=api_version,
    )
    return lambda: _make_client(settings)


def _run_flows(ctx: Context, say: _Sayer) -> tuple[list[Flow], bool]:
    """The five flows in order, each with a bill of its own; Ctrl-C stops them (what was done is reported)."""
    from ._review_flows import BODIES, Flow, run

    flows = [Flow(name) for name in BODIES]
    for number, flow in enumerate(flows, start=1):
        say.line(f"\n[{number}/{len(flows)}] {flow.name} ({flow.name_ko})")
        try:
            run(ctx, flow)
        except KeyboardInterrupt:
            flow.why = "interrupted (Ctrl-C)"
            for rest in flows[number:]:
                rest.why = "not run: interrupted"
            say("interrupted: the flows stop here")
            return flows, True
        if flow.shown:
            say(f"shown: {flow.showed}" if not flow.to_check else f"to check: {flow.showed}")
    return flows, False


def _outcome(flows: list[Flow], interrupted: bool, target: _Target) -> Outcome:
    """The table, the tally and the summary on stdout (or the JSON object), with the exit status."""
    from ._cli_common import EXIT_INTERRUPTED, Outcome
    from ._review_report import as_data, summary, table, tally

    text = summary(
        flows,
        api_version=target.api_version,
        base_url=target.base_url,
        member=target.member,
        rehearsal=target.is_sim,
    )
    line = tally(flows, target.api_version, "the simulator" if target.is_sim else target.base_url)
    data: dict[str, object] = {
        "api_version": target.api_version,
        "target": "simulator" if target.is_sim else "PaySsam",
        "base_url": target.base_url,
        "flows": [as_data(flow) for flow in flows],
        "shown": sum(flow.shown for flow in flows),
        "summary": "\n".join(text),
    }
    status = EXIT_INTERRUPTED if interrupted else _status(flows)
    return Outcome(data=data, lines=["", *table(flows), "", line, "", *text], status=status)


def _status(flows: list[Flow]) -> int:
    """0 when every flow was shown; else, of the flows' statuses, the first of 4, 3, 1, 2, 5."""
    from ._cli_common import EXIT_API, EXIT_FAILURE, EXIT_INPUT, EXIT_LOCAL, EXIT_OK, EXIT_UNKNOWN

    found = {flow.status for flow in flows if not flow.shown}
    for status in (EXIT_UNKNOWN, EXIT_FAILURE, EXIT_API, EXIT_INPUT, EXIT_LOCAL):
        if status in found:
            return status
    return EXIT_API if found else EXIT_OK
