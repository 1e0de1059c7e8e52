"""`payssam send-batch` and `payssam reconcile`: bulk work from files, with progress and a closing table.

Both run on the awaitable client (concurrency without threads), show a live bar on a terminal and
plain periodic lines otherwise or with --json, and resume from their own output when run again.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import bulk_files

TYPE_CHECKING = False  # typing is not imported at run time: `payssam --help` loads this module

if TYPE_CHECKING:
    from typing import Any

    from . import batch
    from .cli import Connector, Outcome
    from .client import AsyncPaySsam

Adder = Callable[..., argparse.ArgumentParser]
OPTIONAL = [column for column in bulk_files.BATCH_COLUMNS if column not in bulk_files.BATCH_REQUIRED]


def _rate(text: str) -> float:
    """An argparse type for N or N/s: sends per second."""
    try:
        value = float(text.removesuffix("/s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate like 10/s") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("a rate must be positive")
    return value


def add_commands(commands: Any, add: Adder) -> None:
    """The two bulk subcommands, with their options."""
    send = add(
        commands,
        "send-batch",
        "send every bill of a CSV file exactly once (resumable); prints a table of outcomes",
        _send_batch,
    )
    send.add_argument(
        "file",
        metavar="FILE",
        help=f"CSV with a header row: {', '.join(bulk_files.BATCH_REQUIRED)}; optional {', '.join(OPTIONAL)} "
        "(an empty bill_id gets a new one)",
    )
    send.add_argument("--callback-url", metavar="URL", required=True, help="where PaySsam posts each bill's approval")
    _add_outputs(send, "FILE" + bulk_files.BATCH_SUFFIX)
    send.add_argument(
        "--concurrency",
        type=int,
        default=bulk_files.BATCH_CONCURRENCY,
        metavar="N",
        help="sends at once (default %(default)s)",
    )
    send.add_argument("--rate", type=_rate, metavar="N/s", help="at most N sends begin per second")
    send.add_argument("--dry-run", action="store_true", help="check every row and print the plan; send nothing")

    read = add(
        commands,
        "reconcile",
        "read back every bill of a file of ids (resumable); prints counts by state and errors by class",
        _reconcile,
    )
    read.add_argument("file", metavar="FILE", help="one bill id per line, or a CSV whose --column holds them")
    read.add_argument("--column", metavar="NAME", help="the CSV column with the bill ids (the file has a header row)")
    _add_outputs(read, "FILE" + bulk_files.RECONCILE_SUFFIX)
    read.add_argument(
        "--concurrency",
        type=int,
        default=bulk_files.RECONCILE_CONCURRENCY,
        metavar="N",
        help="reads at once (default %(default)s)",
    )


def _add_outputs(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--output", metavar="PATH", help=f"JSONL, one line per row (default: {default} beside FILE)")
    parser.add_argument("--csv", metavar="PATH", dest="csv_output", help="also write the results as CSV here")


def _send_batch(args: argparse.Namespace, connect: Connector) -> Outcome:
    """Check every row; then send (or, with --dry-run, print the plan)."""
    import asyncio  # here, not at the top: `payssam --help` stays quick

    return asyncio.run(_send_batch_on(args, connect.asynchronous()))


async def _send_batch_on(args: argparse.Namespace, client: AsyncPaySsam) -> Outcome:
    from . import batch
    from .cli import EXIT_API, EXIT_OK, Outcome
    from .progress import on_stderr

    async with client:  # released whatever happens, a refused file included
        job = batch.Batch.prepare(
            client._config, args.file, args.output, args.callback_url, args.csv_output, args.concurrency, args.rate
        )
        if args.dry_run:
            return _plan(job)
        with on_stderr("send-batch", len(job.rows), job.already_settled, plain=args.json) as shown:
            report = await job.run_async(client, shown)
    data = {
        "rows": report.rows,
        "already_settled": report.already_settled,
        "outcomes": dict(report.outcomes),
        "output": str(report.output),
        "complete": report.complete,
    }
    return Outcome(
        data=data, text=f"{report.table()}\nresults: {report.output}", status=EXIT_OK if report.complete else EXIT_API
    )


def _plan(job: batch.Batch) -> Outcome:
    """What a run would do, and nothing sent."""
    from . import batch
    from .cli import EXIT_OK, Outcome

    lines = list(batch.plan_lines(job.rows, job.settled))
    to_send = len(job.rows) - job.already_settled
    won = sum(int(row.price) for row in job.rows if row.line not in job.settled)
    summary = f"{len(job.rows)} rows checked: {to_send} to send ({won:,} won), {job.already_settled} already settled"
    data = {"rows": len(job.rows), "to_send": to_send, "already_settled": job.already_settled, "plan": lines}
    return Outcome(data=data, text="\n".join([*lines, summary]), status=EXIT_OK)


def _reconcile(args: argparse.Namespace, connect: Connector) -> Outcome:
    """Read every id back, write one line each, count by state."""
    import asyncio

    return asyncio.run(_reconcile_on(args, connect.asynchronous()))


async def _reconcile_on(args: argparse.Namespace, client: AsyncPaySsam) -> Outcome:
    from . import reconcile
    from .cli import EXIT_API, EXIT_OK, Outcome
    from .progress import on_stderr

    async with client:
        run = reconcile.Reconcile.prepare(args.file, args.output, args.column, args.csv_output, args.concurrency)
        with on_stderr("reconcile", run.total(), run.already_done, plain=args.json) as shown:
            report = await reconcile.run_async(client, run, shown)
    data = {
        "states": dict(report.states),
        "errors": dict(report.errors),
        "already_done": report.already_done,
        "earlier_errors": report.earlier_errors,
        "output": str(report.output),
        "complete": report.complete,
    }
    return Outcome(
        data=data, text=f"{report.table()}\nresults: {report.output}", status=EXIT_OK if report.complete else EXIT_API
    )
