"""`payssam sim` (also `payssam-sim`, `python -m payssam_sim`): run the simulator until SIGINT or SIGTERM.

Argument-driven (main(argv)) so the main `payssam` command can hand it every argument. With --detach it
starts itself in the background, waits until it listens (or fails) and returns: a one-line start for CI.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import httpx

from .bodies import CALLBACK_CASES, MAX_BALANCE
from .clock import instant
from .journal import DEFAULT_LIMIT, MAX_LIMIT
from .ledger import EXPIRED_READS, SANDBOX_CREDENTIALS, Credentials
from .points import DEFAULT_BALANCE, MERCHANT, PAYERS, TALK_POINTS
from .simulator import CALLBACK_RETRIES, CALLBACK_RETRY_INTERVAL, CALLBACK_TIMEOUT, REQUEST_TIMEOUT, Simulator
from .wire_v2 import DRIFTS

DEFAULT_PORT = 4020
READY_TIMEOUT = 10.0
"""How long --detach waits for the simulator to listen and answer GET /_sim/health before it gives up and stops it."""
HEALTH_PATH = "/_sim/health"
HEALTH_POLL = 0.05
"""Seconds between two asks of /_sim/health, and the least time one ask is given."""
DEFAULT_LOG_FILE = "payssam-sim.log"
LISTENING = re.compile(r"payssam sim listening on (\S+)")
DESCRIPTION = (
    "A local, in-memory stand-in for the PaySsam (결제선생) partner API v1 and v2, for tests and rehearsals; "
    "it is not the vendor and nothing it says is a real payment. Bills live in memory until it stops, one ledger "
    "for both versions: v1 at /if/bill/*, v2 at /bill, /bill/* and /read/*remain_count, each also under /partner "
    "(the v2 sandbox's base URL ends in it). POST /_sim/bills/{bill_id}/pay plays the customer and sends the "
    "approval callback; GET and POST /_sim/points show and set v2's point balances; GET /_sim/requests shows "
    "the request journal (masked), GET /_sim/health answers once it serves, POST /_sim/reset starts afresh; "
    "GET and POST /_sim/clock show and move the simulated clock forward, making the callback retries it passes. "
    "One line per request and per callback attempt goes to stderr (never an apikey, phone or name)."
)
V2_EPILOG = (
    "API v2 is known only in part: where its evidence is open the defaults follow the public integrations, and "
    "the options above change them. Answer drifts (--v2-drift, repeatable): "
    + "; ".join(f"{name}: {what}" for name, what in DRIFTS.items())
    + "."
)


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _points(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_BALANCE:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_BALANCE}")
    return value


def _journal_limit(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_LIMIT}")
    return value


def _instant(text: str) -> datetime:
    try:
        return instant(text, "START")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("START: ")) from None


def printable(text: str) -> str:
    """Text safe for a terminal: control characters and bidirectional overrides taken from arguments escaped."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c == "\n" else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
        for c in text
    )


class _Parser(argparse.ArgumentParser):
    """argparse whose error messages never print an argument's control characters raw."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line of `payssam sim`."""
    env = os.environ
    parser = _Parser(prog="payssam sim", description=DESCRIPTION, epilog=V2_EPILOG, allow_abbrev=False)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on; 0 picks a free one (default %(default)s)"
    )
    parser.add_argument(
        "--apikey",
        default=env.get("PAYSSAM_SIM_APIKEY", SANDBOX_CREDENTIALS.apikey),
        help="accepted apikey (env PAYSSAM_SIM_APIKEY; default the public sandbox key)",
    )
    parser.add_argument(
        "--member",
        default=env.get("PAYSSAM_SIM_MEMBER", SANDBOX_CREDENTIALS.member),
        help="accepted member code (env PAYSSAM_SIM_MEMBER; default %(default)s)",
    )
    parser.add_argument(
        "--merchant",
        default=env.get("PAYSSAM_SIM_MERCHANT", SANDBOX_CREDENTIALS.merchant),
        help="accepted merchant code (env PAYSSAM_SIM_MERCHANT; default %(default)s)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse (HTTP 400) what the vendor's docs leave open: an empty optional text, a JSON number for a "
        "digit string, null for an optional field, a hyphen in a bill id; by default they are accepted with a "
        "warning. Also: a v2 bill's approval is acknowledged only by v1's exact body (by default any "
        '"code": "0000")',
    )
    parser.add_argument("--quiet", action="store_true", help="no request or callback lines on stderr, warnings only")
    parser.add_argument(
        "--journal-limit",
        type=_journal_limit,
        default=DEFAULT_LIMIT,
        metavar="N",
        help="requests the journal keeps (GET /_sim/requests, masked), the oldest dropped past it; 0 keeps none "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--callback-retry-interval",
        type=_positive,
        default=CALLBACK_RETRY_INTERVAL,
        metavar="SECONDS",
        help="seconds of simulated time between approval-callback retries (default %(default)s, the vendor's hour); "
        "the clock runs with real time, so a short interval retries in real time too",
    )
    parser.add_argument(
        "--callback-retries",
        type=_count,
        default=CALLBACK_RETRIES,
        metavar="N",
        help="retries after the first unacknowledged attempt (default %(default)s)",
    )
    parser.add_argument(
        "--callback-timeout",
        type=_positive,
        default=CALLBACK_TIMEOUT,
        metavar="SECONDS",
        help="timeout of each callback attempt (default %(default)s)",
    )
    time_group = parser.add_argument_group("simulated time")
    time_group.add_argument(
        "--clock",
        type=_instant,
        metavar="START",
        help="start the simulated clock at this instant, an ISO 8601 date and time with its offset (e.g. "
        "2026-12-31T23:00:00+09:00); it runs on with real time, and POST /_sim/clock moves it forward "
        "(default: the real time)",
    )
    time_group.add_argument(
        "--expired-read",
        choices=EXPIRED_READS,
        default="W",
        help="what a read answers for an unpaid bill past its expire_dt, which can no longer be paid: W (still "
        "unpaid) or D (as destroyed); the vendor's docs do not say (default %(default)s)",
    )
    parser.add_argument(
        "--request-timeout",
        type=_positive,
        default=REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="a whole request must arrive within this time, or the connection is dropped (default %(default)s)",
    )
    v2 = parser.add_argument_group("API v2 (where its evidence is open)")
    v2.add_argument(
        "--v1-only",
        action="store_true",
        help="the key is not enabled for v2: every v2 call answers PARTNER_001 (v1 calls are served as ever)",
    )
    v2.add_argument(
        "--v2-callback-case",
        choices=CALLBACK_CASES,
        default="camel",
        help="the form of a v2 bill's approval callback: camel (apiKey, billId, apprState, ...) or v1's snake "
        "(apikey, bill_id, appr_state, ...); a payment's callback_case overrides it per bill (default %(default)s)",
    )
    v2.add_argument(
        "--url-send-points",
        type=_points,
        default=0,
        metavar="N",
        help=f"points a v2 URL send costs (default %(default)s; a TALK send and each resend cost {TALK_POINTS})",
    )
    v2.add_argument(
        "--points-from",
        choices=PAYERS,
        default=MERCHANT,
        help="whose balance v2 sends and resends are charged to: the sub-merchant's (merchant code) or the "
        "partner's (default %(default)s)",
    )
    v2.add_argument(
        "--partner-points",
        type=_points,
        default=DEFAULT_BALANCE,
        metavar="N",
        help="the partner's starting balance, back after POST /_sim/reset (default %(default)s)",
    )
    v2.add_argument(
        "--merchant-points",
        type=_points,
        default=DEFAULT_BALANCE,
        metavar="N",
        help="each sub-merchant's starting balance, back after POST /_sim/reset (default %(default)s)",
    )
    v2.add_argument(
        "--v2-drift",
        action="append",
        choices=tuple(DRIFTS),
        default=[],
        metavar="NAME",
        help=f"answer v2 calls with a drift integrations guard against (repeatable): {', '.join(DRIFTS)}; "
        "all off by default (see below)",
    )
    background = parser.add_argument_group("running in the background (for CI)")
    background.add_argument(
        "--detach",
        action="store_true",
        help=f"start in the background and return once it listens and GET {HEALTH_PATH} answers ok (exit 0) or "
        f"has failed (exit 1, within {READY_TIMEOUT:g} s); prints the URL and the process id",
    )
    background.add_argument(
        "--log-file",
        metavar="PATH",
        default=DEFAULT_LOG_FILE,
        help="with --detach: where its log goes (default %(default)s)",
    )
    background.add_argument(
        "--pid-file", metavar="PATH", help="write the process id here once it listens; removed when it stops cleanly"
    )
    return parser


def configure_logging(quiet: bool) -> None:
    """One line per request and per callback attempt on stderr; only warnings and errors with quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("payssam_sim")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _without_detach(argv: Sequence[str]) -> list[str]:
    """The arguments for the background process: the same, minus the ones only --detach reads (the process writes
    its own pid file, and removes it when it stops)."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name == "--detach":
            continue
        if name == "--log-file":
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


def _read_line(stream: int, deadline: float) -> str:
    """The first line a pipe carries, or what came before EOF or the deadline."""
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        readable, _, _ = select.select([stream], [], [], remaining)
        if not readable:
            break
        chunk = os.read(stream, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", errors="replace")


def _remove_own_pid_file(path: Path) -> None:
    """Remove the pid file on a clean stop, if it still names this process (another may have taken it over)."""
    try:
        if path.read_text(encoding="utf-8").strip() == str(os.getpid()):
            path.unlink()
    except (OSError, UnicodeDecodeError):
        pass


def healthy(url: str, deadline: float) -> bool:
    """Whether GET {url}/_sim/health answers 200 with status ok before the deadline (asked again until then)."""
    while True:
        timeout = max(deadline - time.monotonic(), HEALTH_POLL)
        try:
            answer = httpx.get(f"{url}{HEALTH_PATH}", timeout=timeout, trust_env=False)
            if answer.status_code == 200 and answer.json().get("status") == "ok":
                return True
        except (httpx.HTTPError, ValueError, AttributeError):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(HEALTH_POLL)


def detach(argv: Sequence[str], log_file: str, pid_file: str | None) -> int:
    """Start the simulator in its own session, wait until it listens and GET /_sim/health answers ok; 0 and its URL,
    or 1 and why not."""
    log = Path(log_file)
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "payssam_sim", *_without_detach(argv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=sink,
            start_new_session=True,
        )
    assert process.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT
    line = _read_line(process.stdout.fileno(), deadline)
    process.stdout.close()
    match = LISTENING.search(line)
    if match is None or not healthy(match[1], deadline):
        if process.poll() is None:
            process.kill()
        process.wait()
        if match is not None:
            why = f"it listened, but {HEALTH_PATH} did not answer ok within {READY_TIMEOUT:g} s"
        else:
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            why = "; ".join(line.removeprefix("payssam sim: ") for line in tail) or f"exit status {process.returncode}"
        print(f"payssam sim: did not start: {why} (log: {log})", file=sys.stderr)
        return 1
    print(f"payssam sim listening on {match[1]} (pid {process.pid}, log {log})", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop, 1 if it cannot listen."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(arguments)
    try:
        credentials = Credentials(apikey=args.apikey, member=args.member, merchant=args.merchant, v2=not args.v1_only)
        simulator = Simulator(
            args.host,
            args.port,
            credentials=credentials,
            strict=args.strict,
            callback_retry_interval=args.callback_retry_interval,
            callback_retries=args.callback_retries,
            callback_timeout=args.callback_timeout,
            request_timeout=args.request_timeout,
            v2_callback_case=args.v2_callback_case,
            url_send_points=args.url_send_points,
            points_from=args.points_from,
            partner_points=args.partner_points,
            merchant_points=args.merchant_points,
            v2_drifts=args.v2_drift,
            journal_limit=args.journal_limit,
            clock_start=args.clock,
            expired_read=args.expired_read,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if args.detach:
        return detach(arguments, args.log_file, args.pid_file)
    configure_logging(args.quiet)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Callable[[int, FrameType | None], Any] | int] = {}
    if threading.current_thread() is threading.main_thread():
        for which in (signal.SIGINT, signal.SIGTERM):
            old = signal.signal(which, on_signal)
            if old is not None:
                previous[which] = old
    try:
        try:
            simulator.start()
        except OSError as exc:
            print(f"payssam sim: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        try:
            if args.pid_file:
                Path(args.pid_file).write_text(f"{os.getpid()}\n", encoding="utf-8")
            print(f"payssam sim listening on {simulator.base_url}", flush=True)
            while not stop.wait(1.0):
                pass
        finally:
            simulator.stop()
            if args.pid_file:
                _remove_own_pid_file(Path(args.pid_file))
    finally:
        for which, handler in previous.items():
            signal.signal(which, handler)
    return 0
