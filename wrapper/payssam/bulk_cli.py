"""`payssam send-batch` and `payssam reconcile`: bulk work from files, with progress and a closing table.

Both run on the awaitable client (concurrency without threads), show a live bar on a terminal and
plain periodic lines otherwise or with --json, and resume from their own output when run again.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from . import bulk_files

TYPE_CHECKING = False  # typing is not imported at run time: `payssam --help` loads this module

if TYPE_CHECKING:
    from typing import Any

    from . import batch, reconcile
    from .cli import Connector, Outcome
    from .progress import Progress

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


def _progress(label: str, total: int, done: int, as_json: bool) -> Progress:
    from .progress import Progress

    return Progress(label, total, bar=sys.stderr.isatty() and not as_json, done=done)


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
    from collections import Counter

    from . import batch
    from .cli import EXIT_API, EXIT_OK, Outcome

    client = connect.asynchronous()
    try:
        job = batch.Batch.prepare(client._config, args.file, args.output, args.callback_url, args.csv_output)
        workers, per_second = batch.check_concurrency(args.concurrency), batch.check_rate(args.rate)
    except BaseException:
        asyncio.run(client.close())  # refused before sending: the client's connections are still released
        raise
    report = job.report(Counter())
    if args.dry_run:
        asyncio.run(client.close())
        lines = list(batch.plan_lines(job.rows, job.settled))
        to_send = len(job.rows) - report.already_settled
        won = sum(int(row.price) for row in job.rows if row.line not in job.settled)
        summary = (
            f"{len(job.rows)} rows checked: {to_send} to send ({won:,} won), {report.already_settled} already settled"
        )
        data = {"rows": len(job.rows), "to_send": to_send, "already_settled": report.already_settled, "plan": lines}
        return Outcome(data=data, text="\n".join([*lines, summary]), status=EXIT_OK)
    shown = _progress("send-batch", len(job.rows), report.already_settled, args.json)
    try:
        report = asyncio.run(_send_all(client, job, workers, per_second, shown))
    finally:
        shown.close()
    table = _table([*report.outcomes.items(), ("earlier runs", report.already_settled), ("rows", report.rows)])
    data = {
        "rows": report.rows,
        "already_settled": report.already_settled,
        "outcomes": dict(report.outcomes),
        "output": str(report.output),
        "complete": report.complete,
    }
    return Outcome(
        data=data, text=f"{table}\nresults: {report.output}", status=EXIT_OK if report.complete else EXIT_API
    )


async def _send_all(
    client: Any, job: batch.Batch, workers: int, rate: float | None, shown: Progress
) -> batch.BatchReport:
    async with client:
        result: batch.BatchReport = await job.run_async(client, workers, rate, shown)
        return result


def _reconcile(args: argparse.Namespace, connect: Connector) -> Outcome:
    """Read every id back, write one line each, count by state."""
    import asyncio

    from . import batch, reconcile
    from .cli import EXIT_API, EXIT_OK, Outcome

    client = connect.asynchronous()
    try:
        run = reconcile.Reconcile.prepare(args.file, args.output, args.column, args.csv_output)
        workers = batch.check_concurrency(args.concurrency)
        total = run.total()
    except BaseException:
        asyncio.run(client.close())
        raise
    shown = _progress("reconcile", total, run.already_done, args.json)
    try:
        report = asyncio.run(_reconcile_all(client, run, workers, shown))
    finally:
        shown.close()
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


async def _reconcile_all(
    client: Any, run: reconcile.Reconcile, workers: int, shown: Progress
) -> reconcile.ReconcileReport:
    from . import reconcile

    async with client:
        report: reconcile.ReconcileReport = await reconcile.run_async(client, run, workers, shown)
        return report


def _table(rows: list[tuple[str, int]]) -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {count:>8}" for name, count in rows)
