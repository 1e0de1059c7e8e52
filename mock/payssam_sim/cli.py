"""`payssam sim`: run the simulator in the foreground until SIGINT or SIGTERM.

Argument-driven (main(argv)) so the main `payssam` command can delegate to it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from .ledger import SANDBOX_CREDENTIALS, Credentials
from .server import Simulator

DEFAULT_PORT = 4020
DESCRIPTION = (
    "A local, in-memory stand-in for the PaySsam (결제선생) partner API v1, for tests and rehearsals; "
    "it is not the vendor and nothing it says is a real payment. Bills live in memory until it stops; "
    "POST /_sim/bills/{bill_id}/pay plays the customer and sends the approval callback."
)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of `payssam sim`."""
    env = os.environ
    parser = argparse.ArgumentParser(prog="payssam sim", description=DESCRIPTION)
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
        "--callback-retry-interval",
        type=_positive,
        default=3600.0,
        metavar="SECONDS",
        help="seconds between approval-callback retries (default %(default)s, the vendor's hour)",
    )
    parser.add_argument(
        "--callback-retries",
        type=_count,
        default=24,
        metavar="N",
        help="retries after the first unacknowledged attempt (default %(default)s)",
    )
    parser.add_argument(
        "--callback-timeout",
        type=_positive,
        default=10.0,
        metavar="SECONDS",
        help="timeout of each callback attempt (default %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM; 0 after a clean stop, 1 if it cannot listen."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        credentials = Credentials(apikey=args.apikey, member=args.member, merchant=args.merchant)
        simulator = Simulator(
            args.host,
            args.port,
            credentials=credentials,
            callback_retry_interval=args.callback_retry_interval,
            callback_retries=args.callback_retries,
            callback_timeout=args.callback_timeout,
        )
    except ValueError as exc:
        parser.error(str(exc))
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
            print(f"payssam sim listening on {simulator.base_url}", flush=True)
            while not stop.wait(1.0):
                pass
        finally:
            simulator.stop()
    finally:
        for which, handler in previous.items():
            signal.signal(which, handler)
    return 0
