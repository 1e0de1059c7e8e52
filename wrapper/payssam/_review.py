"""`payssam review`: the vendor's five review flows (검수), one bill each, and the summary to mail the vendor.

Against the simulator it starts itself (no --base-url: the rehearsal), or one already running at a loopback
--base-url (it answers GET /_sim/health), the command pays each bill through the simulator's control route and
sees every approval callback delivered, by default to a receiver of its own built on the SDK's callback helpers.
Against PaySsam (the sandbox) it cannot pay: it sends each bill, prints its short URL and waits, reading the bill,
until a tester has paid on their phone (--timeout-pay), and it cannot see the approval callback arrive, so it says
what to check instead of claiming it. Steps go to stderr as they happen; the BILL-IDs and the summary to stdout.
A target that does not answer, or the simulator started here stopping, ends the flows early (status 3); SIGTERM
and SIGHUP stop them as Ctrl-C does (status 130), the simulator started here stopped by its PID first.

Nothing heavy at import time: `payssam --help` loads this module to register the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import ExitStack
    from types import FrameType
    from typing import Any

    from ._cli_common import Connect, Outcome
    from ._client import PaySsam
    from ._review_flows import Context, Flow, Payer
    from ._review_sim import SimulatorError, SimulatorProcess

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
    "payment never came within --timeout-pay or the target did not answer (the flows stop there), 1 when PaySsam "
    "or the simulator answered otherwise than the flow needs, 2 for bad options or a simulator that is not "
    "installed (pip install 'payssam[mock]'), 130 on Ctrl-C, SIGTERM or SIGHUP (the simulator started here is "
    "stopped first); `payssam --help` lists them all."
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
    "a target that does not answer": "when a flow's first request, the bill's send, gets no answer at all (refused, "
    "reset, or timed out with nothing received, its read-back none either), the flows stop there instead of each "
    "waiting out its timeouts: exit status 3, even for a send that timed out (its row says the bill may exist); a "
    "loopback --base-url that refuses connections stops the command before any flow",
    "the summary for the vendor": "printed only when at least one flow was shown; when none was, a line says so "
    "(and --json gives summary null)",
    "SIGTERM and SIGHUP": "stop the review as Ctrl-C does (what CI cancellation, timeout and docker stop send): the "
    "simulator started here is stopped by its PID, exit status 130; a signal ignored when the command started "
    "(nohup) stays ignored, and only the first one interrupts, so the stopping is not cut short",
    "the simulator started here stopping on its own": "seen after each flow (waiting up to 5 s when a request got "
    "no answer), as when it got a group SIGINT the review ignores (started under nohup or in the background): the "
    "flows stop with 'the simulator stopped' and its exit status, exit status 3",
    "a --base-url simulator without credentials": "no fallback: the command needs PAYSSAM_APIKEY, PAYSSAM_MEMBER "
    "and PAYSSAM_MERCHANT as every command does (the README's example sets the public sandbox ones, which `payssam "
    "sim` accepts by default); when they are missing and the target is a loopback simulator, the error says so. "
    "Falling back would send a key the partner never gave, and act unlike every other command",
}
"""What `payssam review` does where the vendor's evidence is silent: the case, and the decision."""
SIM_CREDENTIALS = (
    "a simulator (payssam sim, make sim) accepts the public sandbox credentials by default: set PAYSSAM_APIKEY, "
    'PAYSSAM_MEMBER and PAYSSAM_MERCHANT to them (README, "The vendor\'s review")'
)
"""Said when the settings are missing and --base-url is a simulator: what to set, not the key itself."""
TERMINATIONS = ("SIGTERM", "SIGHUP")
"""The signals that interrupt the review as Ctrl-C does (those a platform lacks are left out)."""
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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised as Ctrl-C's KeyboardInterrupt is, so that the one path that handles Ctrl-C stops
    the flows, the simulator started here and the command (exit status 130); its text names the signal."""


def run(args: argparse.Namespace, connect: Connect) -> Outcome:
    """The review: checks the options, finds the target, runs the five flows and builds the closing output."""
    from contextlib import ExitStack

    from ._review_sim import SimulatorError

    try:
        with _TerminationsInterrupt(), ExitStack() as stack:
            return _review(args, connect, stack)
    except SimulatorError as exc:
        return _failed(args, exc)


class _TerminationsInterrupt:
    """While entered, SIGTERM and SIGHUP (CI cancellation, timeout, docker stop, a closed terminal) interrupt the
    review as Ctrl-C does. Only the first one interrupts, so the stopping that follows is not cut short; a signal
    ignored when the command started (nohup) stays ignored; outside the main thread nothing changes."""

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}
        self._fired = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._fired:
            self._fired = True
            import signal

            raise Terminated(signal.Signals(signum).name)

    def __enter__(self) -> None:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return
        for name in TERMINATIONS:
            which = getattr(signal, name, None)
            if which is not None and signal.getsignal(which) is not signal.SIG_IGN:
                self._previous[which] = signal.signal(which, self._on_signal)

    def __exit__(self, *exc_info: object) -> None:
        import signal

        for which, handler in self._previous.items():
            signal.signal(which, signal.SIG_DFL if handler is None else handler)


def _failed(args: argparse.Namespace, exc: SimulatorError) -> Outcome:
    """The command could not run the flows at all: the error on stderr, or as the JSON error object."""
    import sys

    from ._cli_common import PROG, Outcome, printable

    message = str(exc)
    if not args.json:
        print(f"{PROG} review: error: {printable(message)}", file=sys.stderr)
    error = {"type": type(exc).__name__, "code": None, "field": None, "message": message}
    return Outcome(data={"error": error}, lines=[], status=exc.status)


class _Target:
    """Where the flows run: its base URL and API version, how to make a client for it, and whether it is a
    simulator: paid through, its deliveries seen, and the run a rehearsal (nothing for the vendor)."""

    __slots__ = ("api_version", "base_url", "is_sim", "make_client", "member", "process", "where")

    def __init__(
        self,
        *,
        base_url: str,
        api_version: int,
        member: str,
        make_client: Callable[[], PaySsam],
        is_sim: bool,
        where: str,
        process: SimulatorProcess | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_version = api_version
        self.member = member
        self.make_client = make_client
        self.is_sim = is_sim
        self.where = where
        self.process = process
        """The simulator started here, watched so the flows stop when it does."""


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
        process=simulator,
    )


def _given(args: argparse.Namespace, connect: Connect, secrets: list[str]) -> _Target:
    """--base-url with the settings every command takes: a simulator (it answers GET /_sim/health), or PaySsam;
    NoAnswer (status 3) when it is a loopback port that nothing listens on."""
    from ._errors import ValidationError
    from ._review_sim import NoAnswer, is_simulator, nothing_listens

    try:
        config = connect.config()
    except ValidationError as exc:
        if exc.field == "settings" and is_simulator(args.base_url):
            raise ValidationError(exc.field, f"{exc.problem}; {SIM_CREDENTIALS}") from None
        raise
    secrets.append(config.apikey.reveal())
    is_sim = is_simulator(args.base_url)
    if not is_sim and nothing_listens(args.base_url):
        raise NoAnswer(
            f"the target did not answer: nothing listens at {args.base_url} (connection refused); start the "
            "simulator there (make sim) or check --base-url"
        )
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
    flows, interrupted, stopped = _run_flows(ctx, say, target)
    return _outcome(flows, interrupted, stopped, target)


def _api_version(args: argparse.Namespace) -> int:
    """--api-version, else PAYSSAM_API_VERSION, else 1 (as every command)."""
    import os

    from ._config import api_version_from_env

    return int(args.api_version or api_version_from_env(os.environ))


def _sandbox_client(args: argparse.Namespace, base_url: str, api_version: int) -> Callable[[], PaySsam]:
    """Makes clients for the simulator started here, with the public sandbox credentials (v2's note said once)."""
    import sys

    from ._cli_clients import V2_NOTE, Settings, make_client
    from ._review_sim import SANDBOX_APIKEY, SANDBOX_MEMBER, SANDBOX_MERCHANT

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
    return lambda: make_client(settings)


def _run_flows(ctx: Context, say: _Sayer, target: _Target) -> tuple[list[Flow], bool, str]:
    """The five flows in order, each with a bill of its own; Ctrl-C (or SIGTERM, SIGHUP) stops them, and so does a
    target that stopped answering. The flows, whether they were interrupted, and why they stopped ("" if not)."""
    from ._cli_common import EXIT_FAILURE
    from ._review_flows import BODIES, Flow, run

    flows = [Flow(name) for name in BODIES]
    for number, flow in enumerate(flows, start=1):
        say.line(f"\n[{number}/{len(flows)}] {flow.name} ({flow.name_ko})")
        try:
            run(ctx, flow)
        except KeyboardInterrupt as exc:
            flow.why = f"interrupted ({exc if isinstance(exc, Terminated) else 'Ctrl-C'})"
            for rest in flows[number:]:
                rest.why = "not run: interrupted"
            say("interrupted: the flows stop here")
            return flows, True, ""
        if flow.shown:
            say(f"shown: {flow.showed}" if not flow.to_check else f"to check: {flow.showed}")
        stopped = _why_stop(flow, target)
        if stopped:  # no answer: the flow that met it and those not run end with status 3
            if not flow.shown:
                flow.status = EXIT_FAILURE
            for rest in flows[number:]:
                rest.why, rest.status = f"not run: {stopped}", EXIT_FAILURE
            say(f"{stopped}: the flows stop here")
            return flows, False, stopped
    return flows, False, ""


def _why_stop(flow: Flow, target: _Target) -> str:
    """Why no further flow can run after this one ("" when they can): the simulator started here stopped (looked
    for after every flow, and waited for a moment when a request got no answer), or the target did not answer
    the flow's first request, the bill's send."""
    from ._review_sim import STOPPED_WAIT, ended

    process = target.process
    if process is not None:
        status = process.exited(STOPPED_WAIT if flow.no_answer else 0.0)
        if status is not None:
            return f"the simulator stopped (pid {process.pid}, {ended(status)})"
    if flow.no_answer and not flow.sent:
        return f"the target did not answer ({target.base_url})"
    return ""


def _outcome(flows: list[Flow], interrupted: bool, stopped: str, target: _Target) -> Outcome:
    """The table, the tally and, when a flow was shown, the summary on stdout (or the JSON object), with the exit
    status."""
    from ._cli_common import EXIT_INTERRUPTED, Outcome
    from ._review_report import as_data, summary, table, tally

    text: list[str] = []
    if any(flow.shown for flow in flows):
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
        "stopped": stopped or None,
        "summary": "\n".join(text) if text else None,
    }
    status = EXIT_INTERRUPTED if interrupted else _status(flows)
    ending = [f"stopped: {stopped}; the flows after it were not run"] if stopped else []
    closing = text or ["no flow was shown: there is no summary for the vendor"]
    return Outcome(data=data, lines=["", *table(flows), "", *ending, line, "", *closing], status=status)


def _status(flows: list[Flow]) -> int:
    """0 when every flow was shown; else, of the flows' statuses, the first of 4, 3, 1, 2, 5."""
    from ._cli_common import EXIT_API, EXIT_FAILURE, EXIT_INPUT, EXIT_LOCAL, EXIT_OK, EXIT_UNKNOWN

    found = {flow.status for flow in flows if not flow.shown}
    for status in (EXIT_UNKNOWN, EXIT_FAILURE, EXIT_API, EXIT_INPUT, EXIT_LOCAL):
        if status in found:
            return status
    return EXIT_API if found else EXIT_OK
