"""Reconcile: read thousands of bills back from a file of ids, streamed, resumable, counted by state.

PaySsam has no list query and its callback can be missed, so partners read each open bill. The ids
are read from the file as they are needed (one per line, or a CSV column), so memory does not grow
with their number; a run killed and started again skips the lines its output already has (one bit
per line). At the end: counts by state and errors by class.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors, validation
from .bulk_files import RECONCILE_SUFFIX
from .errors import PaySsamError, ProtocolError, TransportError, ValidationError
from .progress import table
from .records import LineSet, Writer, open_source, optional_path, path_argument, read_lines

if TYPE_CHECKING:
    from .client import AsyncPaySsam, PaySsam
    from .progress import Progress
    from .results import BillStatus

OUTPUT_COLUMNS = (
    "line",
    "bill_id",
    "state",
    "price",
    "approved_at",
    "approval_number",
    "pay_type",
    "error",
    "message",
)


@dataclass(slots=True)
class ReconcileReport:
    """Counts by state (PAID, UNPAID, CANCELLED, DESTROYED, UNKNOWN) and errors by class, over this run."""

    states: Counter[str]
    errors: Counter[str]
    already_done: int
    output: Path
    earlier_errors: int = 0
    """Lines settled by an earlier run with an error answer (such as no such bill); not read again."""

    @property
    def complete(self) -> bool:
        """Every id of the file has a state: no error in this run, none left by an earlier one."""
        return not self.errors and not self.earlier_errors

    def table(self) -> str:
        """The counts as a small table for people."""
        rows = [(name, count) for name, count in sorted(self.states.items())]
        rows += [(f"error {name}", count) for name, count in sorted(self.errors.items())]
        rows.append(("total", sum(self.states.values()) + sum(self.errors.values())))
        if self.already_done:
            rows.append(("earlier runs", self.already_done))
        if self.earlier_errors:
            rows.append(("  of which errors", self.earlier_errors))
        return table(rows)


def default_output(source: Path) -> Path:
    """Where results go when no output is named: beside the file, so a re-run finds them."""
    return source.with_name(source.name + RECONCILE_SUFFIX)


def ids(source: Path, column: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, bill id) for every id of the file, read lazily: one per line, or a CSV column with a header."""
    with open_source(source) as stream:
        if column is None:
            for number, text in enumerate(stream, start=1):
                bill_id = text.strip()
                if bill_id:
                    yield number, bill_id
            return
        reader = csv.DictReader(stream)
        if column not in (reader.fieldnames or []):
            raise ValidationError("column", f"{column!r} is not a column of {source.name}")
        for record in reader:
            bill_id = (record.get(column) or "").strip()
            if bill_id:
                yield reader.line_num, bill_id


def count(source: Path, column: str | None = None) -> int:
    """How many ids the file holds (a streaming pass, for the progress bar's total)."""
    return sum(1 for _ in ids(source, column))


def _no_answer(error: object) -> bool:
    """An error class name (from an output line) that is no answer about the bill, such as a timeout: a later run
    reads that line again (the newer line counts)."""
    named = getattr(errors, error, None) if isinstance(error, str) else None
    return isinstance(named, type) and issubclass(named, TransportError | ProtocolError)


def done_lines(output: Path) -> tuple[LineSet, int, int]:
    """The lines an earlier run settled (a state, or an answer such as "no such bill"), how many, and how many
    of those are errors."""
    done = LineSet()
    found = errors = 0
    for record in read_lines(output):
        error = record.get("error")
        if _no_answer(error):
            continue
        done.add(record["line"])
        found += 1
        errors += error is not None
    return done, found, errors


def record(line: int, bill_id: str, result: BillStatus | PaySsamError) -> dict[str, Any]:
    """One output line: the bill's state and main fields, or the error's class and message."""
    if isinstance(result, PaySsamError):
        return {"line": line, "bill_id": bill_id, "state": None, "error": type(result).__name__, "message": str(result)}
    return {
        "line": line,
        "bill_id": bill_id,
        "state": result.state.name,
        "price": result.price,
        "approved_at": None if result.approved_at is None else result.approved_at.isoformat(),
        "approval_number": result.approval_number,
        "pay_type": None if result.pay_type is None else result.pay_type.name,
        "error": None,
        "message": result.message,
    }


@dataclass(slots=True)
class Reconcile:
    """One run over a file of ids: what earlier runs did, where results go."""

    source: Path
    output: Path
    column: str | None
    csv_output: Path | None
    concurrency: int
    done: LineSet
    already_done: int
    earlier_errors: int

    @classmethod
    def prepare(
        cls, source: object, output: object, column: object, csv_output: object, concurrency: object
    ) -> Reconcile:
        """Check the arguments and read what an earlier run wrote; nothing is read from PaySsam yet."""
        path = path_argument("file", source)
        if column is not None and (not isinstance(column, str) or not column):
            raise ValidationError("column", "must be a column name")
        out = optional_path("output", output) or default_output(path)
        done, already, errors = done_lines(out)
        csv_path = optional_path("csv_output", csv_output)
        return cls(path, out, column, csv_path, validation.concurrency(concurrency), done, already, errors)

    def pending(self) -> Iterator[tuple[int, str]]:
        """The (line, id) pairs still to read."""
        return ((line, bill_id) for line, bill_id in ids(self.source, self.column) if line not in self.done)

    def total(self) -> int:
        return count(self.source, self.column)

    def report(self) -> ReconcileReport:
        return ReconcileReport(Counter(), Counter(), self.already_done, self.output, self.earlier_errors)


def tally(report: ReconcileReport, result: BillStatus | PaySsamError) -> str:
    """Count one result; the label progress shows for it."""
    if isinstance(result, PaySsamError):
        name = type(result).__name__
        report.errors[name] += 1
        return name
    report.states[result.state.name] += 1
    return result.state.name


def run_sync(client: PaySsam, run: Reconcile, progress: Progress | None) -> ReconcileReport:
    """Read every pending id with the blocking client's threads, one output line each."""
    report = run.report()
    with Writer(run.output, OUTPUT_COLUMNS, run.csv_output) as writer:
        for (line, bill_id), result in client._map(
            run.pending(), lambda pair: client._read_one(pair[1]), run.concurrency
        ):
            _finish(report, writer, progress, line, bill_id, result)
    return report


async def run_async(client: AsyncPaySsam, run: Reconcile, progress: Progress | None) -> ReconcileReport:
    """Read every pending id with the awaitable client's tasks, one output line each."""
    report = run.report()
    with Writer(run.output, OUTPUT_COLUMNS, run.csv_output) as writer:
        async for (line, bill_id), result in client._map(
            run.pending(), lambda pair: client._read_one(pair[1]), run.concurrency
        ):
            _finish(report, writer, progress, line, bill_id, result)
    return report


def _finish(
    report: ReconcileReport,
    writer: Writer,
    progress: Progress | None,
    line: int,
    bill_id: str,
    result: BillStatus | PaySsamError,
) -> None:
    writer.write(record(line, bill_id, result))
    label = tally(report, result)
    if progress is not None:
        progress.update(label)
