"""The `payssam` command: the SDK's operations, the hash and bill ids from a shell.

Output is `field: value` lines for people or one JSON object with --json for
scripts; the exit status says what kind of failure happened (see EPILOG).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence

from . import _bulk_cli as bulk_cli
from . import _review as review_cli
from ._cli_clients import V2_NOTE, Settings
from ._cli_clients import make_async_client as _make_async_client
from ._cli_clients import make_client as _make_client
from ._cli_common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_LOCAL,
    EXIT_OK,
    EXIT_TABLE,
    PROG,
    Outcome,
    emit,
    error_status,
    printable,
    report,
    report_error,
)
from ._contract import CONTRACT_VERSION
from ._contract_v2 import CONTRACT_VERSION as CONTRACT_VERSION_V2
from ._env import ENV_API_VERSION, ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT
from ._errors import PaySsamError, ValidationError
from ._version import __version__

# Start-up is most of what `payssam --help` costs: modules only some commands need (json, pathlib, the
# hash, ids, redaction, the client) are imported by those commands, and typing not at all.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date
    from typing import Any, NoReturn, TypeAlias

    from ._client import AsyncPaySsam, PaySsam
    from ._config import Config
    from ._results import BillStatus, Cancellation, Destruction, PointBalance, Resend, SentBill

    Result: TypeAlias = BillStatus | Cancellation | SentBill | Resend | Destruction | PointBalance

PLUGIN_GROUP = "payssam.commands"
"""Entry points of commands shipped beside the SDK (the simulator's `sim`), looked up only when called."""

DESCRIPTION = """\
Command-line client for the PaySsam (결제선생) partner API (v1, or v2 with
--api-version 2): send, read, cancel, destroy and resend bills, read the point
balance (v2), compute the request hash, make new bill ids, run the vendor's five
review flows and run the local simulator.
"""
EPILOG = f"""\
environment:
  Each setting falls back to an environment variable: --base-url to {ENV_BASE_URL},
  --member to {ENV_MEMBER}, --merchant to {ENV_MERCHANT}, --apikey-file to {ENV_APIKEY}
  (the key itself), --api-version to {ENV_API_VERSION} (default 1). There is no
  --apikey flag: command-line arguments are visible to other users in the process list.

{EXIT_TABLE}"""


Connect = Callable[[], "PaySsam"]
Handler = Callable[[argparse.Namespace, "Connector"], Outcome]


class UsageError(Exception):
    """Bad command-line arguments; raised instead of argparse's print-and-exit so main decides the output."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        self.parser = parser
        super().__init__(message)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are exceptions and whose options are never abbreviated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


# --------------------------------------------------------------------------- configuration


APIKEY_FILE_MAX = 4096
"""The largest apikey file read (a key is at most 32 characters): a device or a huge file is refused."""


def _read_apikey(path: str) -> str:
    """The apikey held in a regular file, without surrounding whitespace; never echoed in errors."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: a FIFO would block the open itself
            raise ValidationError("apikey_file", "is not a regular file")
        with open(path, "rb") as stream:
            data = stream.read(APIKEY_FILE_MAX + 1)
    except ValidationError:
        raise
    except OSError as exc:
        raise ValidationError("apikey_file", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    except ValueError:  # a NUL in the path
        raise ValidationError("apikey_file", "is not a valid path") from None
    if len(data) > APIKEY_FILE_MAX:
        raise ValidationError("apikey_file", f"is larger than {APIKEY_FILE_MAX} bytes: not an apikey file")
    try:
        key = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ValidationError("apikey_file", "is not UTF-8 text") from None
    if not key:
        raise ValidationError("apikey_file", "is empty")
    return key


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """The settings from the flags, each falling back to the SDK's environment variable; all missing ones at once."""
    for flag, value in (("--apikey-file", args.apikey_file), ("--member", args.member), ("--merchant", args.merchant)):
        if value is not None and not value:
            raise ValidationError(flag.removeprefix("--").replace("-", "_"), f"{flag} is empty")
    if args.base_url is not None and not args.base_url:
        raise ValidationError("base_url", "--base-url is empty")
    apikey = _read_apikey(args.apikey_file) if args.apikey_file else environ.get(ENV_APIKEY, "")
    found = {
        "apikey": (apikey, f"pass --apikey-file PATH or set {ENV_APIKEY}"),
        "member": (args.member or environ.get(ENV_MEMBER, ""), f"pass --member or set {ENV_MEMBER}"),
        "merchant": (args.merchant or environ.get(ENV_MERCHANT, ""), f"pass --merchant or set {ENV_MERCHANT}"),
        "base_url": (args.base_url or environ.get(ENV_BASE_URL, ""), f"pass --base-url or set {ENV_BASE_URL}"),
    }
    missing = [(name, how) for name, (value, how) in found.items() if not value]
    if len(missing) == 1:
        raise ValidationError(missing[0][0], f"is not set: {missing[0][1]}")
    if missing:
        names = ", ".join(name for name, _ in missing)
        raise ValidationError("settings", f"{names} are not set: " + "; ".join(how for _, how in missing))
    return Settings(
        apikey=apikey,
        member=found["member"][0],
        merchant=found["merchant"][0],
        base_url=found["base_url"][0],
        timeout=args.timeout,
        api_version=args.api_version or _api_version_from_env(environ),
    )


def _api_version_from_env(environ: Mapping[str, str]) -> int:
    from ._config import api_version_from_env

    return api_version_from_env(environ)


# --------------------------------------------------------------------------- output


def _plain(value: object) -> object:
    """A JSON-ready value: enums by name, times in ISO 8601 with their offset."""
    from datetime import date, datetime
    from enum import Enum

    if isinstance(value, Enum):
        return value.name
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _lines(data: Mapping[str, object]) -> str:
    """One `field: value` line per known field; absent fields are left out."""
    return "\n".join(f"{name}: {str(value).replace(chr(10), ' ')}" for name, value in data.items() if value is not None)


RECOVERED_NOTE = "yes: the answer was lost; a read-back proved it took effect (fields only the answer had are absent)"


def _outcome(result: Result, **shown: str) -> Outcome:
    """The result's fields (all but raw); `shown` adds lines for people only, such as a masked phone.

    People see `recovered` only when it is true, with what it means; --json always carries it.
    """
    import dataclasses  # results are dataclasses; only commands that called PaySsam get here

    data = {f.name: _plain(getattr(result, f.name)) for f in dataclasses.fields(result) if f.name != "raw"}
    people = {**data, **shown}
    if "recovered" in people:
        people["recovered"] = RECOVERED_NOTE if people["recovered"] else None
    return Outcome(data=data, lines=[_lines(people)])


def _report_usage(exc: UsageError, as_json: bool) -> None:
    """Print a usage error: argparse's usage and message, or the error object with --json."""
    if as_json:
        report("UsageError", str(exc), code=None, field=None, as_json=True)
    else:
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {printable(str(exc))}", file=sys.stderr)


# --------------------------------------------------------------------------- commands


def _send(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Create a bill and send it by KakaoTalk (or, v2's URL send, only make its link); people see the phone masked."""
    if args.phone is None and args.send_type != "URL":
        raise ValidationError("phone", "is required: pass --phone (only an API v2 --send-type URL send has none)")
    with connect() as client:
        sent = client.send_bill(
            args.bill_id,
            args.price,
            phone=args.phone,
            customer_name=args.customer_name,
            product_name=args.product_name,
            callback_url=args.callback_url,
            message=args.message,
            issuer=args.issuer,
            expires_on=args.expires_on,
            send_type=args.send_type,
            redirect_url=args.redirect_url,
        )
    if args.phone is None:
        return _outcome(sent)
    from .redaction import mask_phone

    return _outcome(sent, phone=mask_phone(args.phone))


def _read(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Read a bill's payment state."""
    with connect() as client:
        return _outcome(client.read_bill(args.bill_id))


def _cancel(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Cancel a paid bill."""
    with connect() as client:
        return _outcome(client.cancel_bill(args.bill_id, args.price, reason=args.reason))


def _destroy(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Destroy an unpaid bill."""
    with connect() as client:
        return _outcome(client.destroy_bill(args.bill_id, args.price))


def _resend(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Send an unpaid bill's KakaoTalk message again."""
    with connect() as client:
        return _outcome(client.resend_bill(args.bill_id))


def _points(args: argparse.Namespace, connect: Connect) -> Outcome:
    """The partner's (or with --merchant the sub-merchant's) point balance: API v2 only."""
    with connect() as client:
        return _outcome(client.merchant_point_balance() if args.merchant_points else client.point_balance())


def _hash(args: argparse.Namespace, connect: Connect) -> Outcome:
    """The request hash of a bill; offline, so it needs no configuration."""
    from ._hashing import bill_hash

    digest = bill_hash(args.bill_id, args.price, args.phone)
    return Outcome(data={"hash": digest}, lines=[digest])


def _new_id(args: argparse.Namespace, connect: Connect) -> Outcome:
    """A fresh bill id; printed bare so `$(payssam new-id)` works."""
    from ._ids import new_bill_id

    bill_id = new_bill_id(args.prefix if args.prefix_option is None else args.prefix_option)
    return Outcome(data={"bill_id": bill_id}, lines=[bill_id])


def _exit_code(exc: SystemExit) -> int:
    """The status a SystemExit carries; a message instead of a number is printed and means 1."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or EXIT_OK
    print(printable(str(exc.code)), file=sys.stderr)
    return EXIT_LOCAL


def run_sim(argv: Sequence[str]) -> int:
    """Hand every argument to the simulator, found by its entry point: the SDK never imports it."""
    from importlib.metadata import entry_points  # slow to import: only `payssam sim` needs it

    found = entry_points(group=PLUGIN_GROUP, name="sim")
    try:
        sim_main: Callable[[list[str]], int | None] = next(iter(found)).load()
    except (StopIteration, ImportError) as exc:
        reason = f" ({exc})" if isinstance(exc, ImportError) else ""
        print(
            f"{PROG} sim: the simulator is not installed{reason}; install it with: pip install 'payssam[mock]'",
            file=sys.stderr,
        )
        return EXIT_INPUT
    try:
        return sim_main(list(argv)) or EXIT_OK
    except SystemExit as exc:
        return _exit_code(exc)


# --------------------------------------------------------------------------- parser


class _RefuseApikeyFlag(argparse.Action):
    """A hidden --apikey that takes its value away from any message and explains why it does not exist."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"there is no --apikey flag (command-line arguments are visible to other users in the process list); "
            f"use --apikey-file PATH or set {ENV_APIKEY}"
        )


def _iso_date(text: str) -> date:
    """An argparse type for YYYY-MM-DD."""
    from datetime import datetime

    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool, network: bool = True) -> None:
    """--json and the settings; a subcommand repeats them without defaults so it never overrides the top level.

    Offline subcommands (hash, new-id) get --json only: they need no configuration.
    """
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print exactly one JSON object on stdout, errors included",
    )
    if not network:
        parser.add_argument(
            "--apikey", nargs="?", action=_RefuseApikeyFlag, default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        return
    group = parser.add_argument_group("configuration")
    group.add_argument(
        "--base-url", metavar="URL", default=default, help=f"PaySsam's base URL (default: ${ENV_BASE_URL})"
    )
    group.add_argument("--member", default=default, help=f"the partner's member code (default: ${ENV_MEMBER})")
    group.add_argument("--merchant", default=default, help=f"the partner's merchant code (default: ${ENV_MERCHANT})")
    group.add_argument(
        "--apikey-file",
        metavar="PATH",
        default=default,
        help=f"file holding the API key, surrounding whitespace stripped; without it, ${ENV_APIKEY} holds the key "
        "itself. There is no --apikey flag: command-line arguments are visible to other users in the process list",
    )
    group.add_argument(
        "--apikey", nargs="?", action=_RefuseApikeyFlag, default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=default,
        help="seconds one attempt may take as a whole: connecting, sending and reading the whole answer "
        "(default: 30; connecting alone 5)",
    )
    group.add_argument(
        "--api-version",
        type=int,
        choices=(1, 2),
        default=default,
        help=f"the PaySsam API the calls speak: 1, or 2 (experimental) (default: ${ENV_API_VERSION}, else 1)",
    )


def _add_command(
    commands: argparse._SubParsersAction[_Parser], name: str, summary: str, handler: Handler, *, network: bool = True
) -> argparse.ArgumentParser:
    """A subcommand with its help line, the global options (settings only if it calls PaySsam) and its handler."""
    parser = commands.add_parser(name, help=summary, description=summary)
    _add_global_options(parser, top=False, network=network)
    parser.set_defaults(handler=handler)
    return parser


def _add_bill_arguments(parser: argparse.ArgumentParser, *, price: bool) -> None:
    """BILL_ID, and PRICE in won when the operation needs it."""
    parser.add_argument("bill_id", metavar="BILL_ID", help="the bill's id: 1 to 20 ASCII letters or digits")
    if price:
        parser.add_argument("price", metavar="PRICE", help="the amount in won, digits only")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options, then one subcommand."""
    parser = _Parser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"{PROG} {__version__} (contracts: PaySsam partner API v1 {CONTRACT_VERSION}, "
        f"v2 {CONTRACT_VERSION_V2} experimental)",
    )
    _add_global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    send = _add_command(commands, "send", "create a bill and send it by KakaoTalk; prints its short URL", _send)
    _add_bill_arguments(send, price=True)
    send.add_argument("--phone", help="the customer's mobile number, digits only (required but for an API v2 URL send)")
    send.add_argument("--customer-name", required=True, help="the customer's name")
    send.add_argument("--product-name", required=True, help="what the bill is for")
    send.add_argument("--callback-url", metavar="URL", required=True, help="where PaySsam posts the approval")
    send.add_argument("--message", help="text of the KakaoTalk message")
    send.add_argument("--issuer", help="who issues the bill, as the customer sees it")
    send.add_argument("--expires-on", metavar="YYYY-MM-DD", type=_iso_date, help="the last day the bill can be paid")
    send.add_argument(
        "--send-type",
        choices=("TALK", "URL"),
        help="API v2: TALK sends the KakaoTalk message (the default), URL only makes and prints the link",
    )
    send.add_argument("--redirect-url", metavar="URL", help="API v2: where the payer lands after paying")

    read = _add_command(commands, "read", "read a bill's payment state and details", _read)
    _add_bill_arguments(read, price=False)
    cancel = _add_command(commands, "cancel", "cancel a paid bill (PRICE is the paid amount)", _cancel)
    _add_bill_arguments(cancel, price=True)
    cancel.add_argument("--reason", help="API v2: why, in at most 20 characters")
    destroy = _add_command(commands, "destroy", "destroy an unpaid bill so it can no longer be paid", _destroy)
    _add_bill_arguments(destroy, price=True)
    resend = _add_command(commands, "resend", "send an unpaid bill's KakaoTalk message again", _resend)
    _add_bill_arguments(resend, price=False)
    points = _add_command(commands, "points", "print the partner's KakaoTalk point balance (API v2)", _points)
    points.add_argument(
        "--merchant-points", action="store_true", help="the sub-merchant's balance instead of the partner's"
    )
    bulk_cli.add_commands(commands, _add_command)
    review_cli.add_command(commands, _add_command)

    summary = "print a bill's request hash (offline, needs no configuration)"
    hash_ = _add_command(commands, "hash", summary, _hash, network=False)
    _add_bill_arguments(hash_, price=True)
    hash_.add_argument("--phone", help="include this phone number, as send does")
    new_id = _add_command(commands, "new-id", "print a new random bill id (offline)", _new_id, network=False)
    new_id.add_argument(
        "prefix", metavar="PREFIX", nargs="?", default="", help="start the id with PREFIX (at most 10 letters/digits)"
    )
    new_id.add_argument("--prefix", dest="prefix_option", default=None, help=argparse.SUPPRESS)

    # No option prefix: every argument after `sim`, --help included, goes to the simulator verbatim.
    sim = commands.add_parser(
        "sim",
        help="run the local PaySsam simulator (`payssam sim --help` for its options)",
        add_help=False,
        prefix_chars="\0",
    )
    sim.add_argument("sim_args", nargs=argparse.REMAINDER)
    return parser


# --------------------------------------------------------------------------- entry point


class Connector:
    """Builds a client only when a command needs one, recording the apikey so output never shows it."""

    __slots__ = ("args", "noted", "secrets")

    def __init__(self, args: argparse.Namespace, secrets: list[str]) -> None:
        self.args = args
        self.secrets = secrets
        self.noted = False

    def _settings(self) -> Settings:
        settings = settings_from_args(self.args, os.environ)
        self.secrets.append(settings.apikey)
        if settings.api_version == 2 and not self.noted:
            self.noted = True
            print(V2_NOTE, file=sys.stderr)
        return settings

    def __call__(self) -> PaySsam:
        return _make_client(self._settings())

    def asynchronous(self) -> AsyncPaySsam:
        """The awaitable client, for the bulk commands' concurrency."""
        return _make_async_client(self._settings())

    def config(self) -> Config:
        """The settings checked as a client checks them, with no client made (a dry run sends nothing)."""
        from ._config import DEFAULT_TIMEOUT, make_config
        from ._hashing import DEFAULT_DIGEST

        settings = self._settings()
        timeout = DEFAULT_TIMEOUT if settings.timeout is None else settings.timeout
        return make_config(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            timeout,
            DEFAULT_DIGEST,
            api_version=settings.api_version,
        )


def _dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command and print its outcome or its error; whatever happens, no traceback."""
    secrets: list[str] = []
    handler: Handler = args.handler
    try:
        outcome = handler(args, Connector(args, secrets))
        emit(outcome, args.json, secrets)
    except PaySsamError as exc:
        report_error(exc, args.json, secrets)
        return error_status(exc)
    except KeyboardInterrupt:
        report("Interrupted", "interrupted; what was done is recorded", code=None, field=None, as_json=args.json)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader of our output went away (`payssam ... | head`)
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        message = f"{exc.strerror or type(exc).__name__}{where}"
        report(type(exc).__name__, message, code=None, field=None, as_json=args.json)
        return EXIT_LOCAL
    except Exception as exc:  # a bug: said in one line, never a traceback on an operator's terminal
        message = f"internal error ({type(exc).__name__}); please report it with the command that caused it"
        report("InternalError", message, code=None, field=None, as_json=args.json)
        return EXIT_LOCAL
    return outcome.status


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the payssam command line and return its exit status (never exits itself)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
    except UsageError as exc:
        _report_usage(exc, "--json" in arguments)
        return EXIT_INPUT
    except SystemExit as exc:
        return _exit_code(exc)
    if args.command == "sim":
        return run_sim(args.sim_args)
    return _dispatch(args)
