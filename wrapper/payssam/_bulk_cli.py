"""`payssam send-batch` and `payssam reconcile`: bulk work from files, with progress and a closing table.

Both run on the awaitable client (concurrency without threads), show a live bar on a terminal and
plain periodic lines otherwise or with --json, and resume from their own output when run again.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

from . import _bulk_files as bulk_files

TYPE_CHECKING = False  # typing is not imported at run time: `payssam --help` loads this module

if TYPE_CHECKING:
    from typing import Any

    from . import _batch as batch
    from ._cli_common import Connect, Outcome
    from ._reconcile import ReconcileReport

Adder = Callable[..., argparse.ArgumentParser]
OPTIONAL = [column for column in bulk_files.BATCH_COLUMNS if column not in bulk_files.BATCH_REQUIRED]


def _rate(text: str) -> float:
    """An argparse type for N or N/s: sends per second, within the SDK's bounds."""
    from ._errors import ValidationError
    from ._validation import rate

    try:
        value = float(text.removesuffix("/s"))
        checked = rate(value)
    except (ValueError, ValidationError) as exc:
        problem = exc.problem if isinstance(exc, ValidationError) else "is not a rate like 10/s"
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}") from None
    assert checked is not None
    return checked


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


def _send_batch(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Check every row; then send (or, with --dry-run, print the plan)."""
    from . import _batch as batch

    if args.dry_run:
        config = connect.config()
        return _plan(
            batch.prepare(
                config, args.file, args.output, args.callback_url, args.csv_output, args.concurrency, args.rate
            )
        )
    import asyncio  # here, not at the top: `payssam --help` stays quick

    return asyncio.run(_send_batch_on(args, connect))


async def _send_batch_on(args: argparse.Namespace, connect: Connect) -> Outcome:
    from . import _batch as batch
    from ._cli_common import Outcome, worst_status
    from ._client import async_runner
    from ._progress import on_stderr

    async with connect.asynchronous() as client:  # released whatever happens, a refused file included
        runner = async_runner(client)
        job = batch.prepare(
            runner.config, args.file, args.output, args.callback_url, args.csv_output, args.concurrency, args.rate
        )
        with on_stderr("send-batch", job.rows, 0, plain=args.json) as shown:  # settled rows count as they pass
            report = await batch.run_async(runner, job, shown)
    data = {
        "rows": report.rows,
        "already_settled": report.already_settled,
        "outcomes": dict(report.outcomes),
        "errors": dict(report.errors),
        "not_in_file": report.missing_count,
        "not_in_file_bills": [bill_id for bill_id, _ in report.missing],
        "file_changed": report.file_changed,
        "output": str(report.output),
        "complete": report.complete,
    }
    lines = [report.table()]
    if report.missing:
        shown_ids = ", ".join(f"{bill_id} ({state})" for bill_id, state in report.missing[:10])
        more = f" and {report.missing_count - 10} more" if report.missing_count > 10 else ""
        lines.append(f"bills of rows no longer in the file: {shown_ids}{more}")
    if report.file_changed:
        lines.append("the file changed while it was being sent: run again")
    lines.append(f"results: {report.output}")
    status = worst_status(
        report.errors,
        unknown=bool(report.outcomes["unknown"]),
        changed=bool(report.outcomes["changed"]) or report.file_changed,
    )
    return Outcome(data=data, lines=lines, status=status)


def _plan(job: batch.Batch) -> Outcome:
    """What a run would do, printed as it is worked out; nothing sent, nothing written."""
    from . import _batch as batch
    from ._cli_common import Outcome

    plan = batch.Plan(job)

    def lines() -> Iterator[str]:
        yield from plan
        yield plan.summary()

    data = {
        "rows": job.rows,
        "already_settled": job.already_settled,
        "plan": iter(plan),
        "to_send": lambda: plan.to_send,
        "won": lambda: plan.won,
    }
    return Outcome(data=data, lines=lines())


def _reconcile(args: argparse.Namespace, connect: Connect) -> Outcome:
    """Read every id back, write one line each, count by state."""
    import asyncio

    return asyncio.run(_reconcile_on(args, connect))


async def _reconcile_on(args: argparse.Namespace, connect: Connect) -> Outcome:
    from . import _reconcile as reconcile
    from ._cli_common import Outcome
    from ._client import async_runner
    from ._progress import on_stderr

    async with connect.asynchronous() as client:
        run = reconcile.prepare(args.file, args.output, args.column, args.csv_output, args.concurrency)
        with on_stderr("reconcile", run.total(), run.already_done, plain=args.json) as shown:
            report = await reconcile.run_async(async_runner(client), run, shown)
    data = {
        "states": dict(report.states),
        "errors": dict(report.errors),
        "already_done": report.already_done,
        "earlier_errors": report.earlier_errors,
        "output": str(report.output),
        "complete": report.complete,
    }
    return Outcome(data=data, lines=[report.table(), f"results: {report.output}"], status=_reconcile_status(report))


def _reconcile_status(report: ReconcileReport) -> int:
    from ._cli_common import EXIT_API, EXIT_OK, worst_status

    status = worst_status(report.errors)
    return EXIT_API if status == EXIT_OK and report.earlier_errors else status
