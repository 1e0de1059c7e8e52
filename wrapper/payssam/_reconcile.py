"""Reconcile: read thousands of bills back from a file of ids, streamed, resumable, counted by state.

PaySsam has no list query and its callback can be missed, so partners read each open bill. The ids
are read from the file as they are needed (one per line, or a CSV column), so memory does not grow
with their number; a run killed and started again skips the lines its output already has, as long as
each still holds the same id (four bytes per line remember which), so an edited file is read again
where it changed, never skipped. At the end: counts by state and errors by class.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _errors as errors
from . import _validation as validation
from ._bulk_files import RECONCILE_SUFFIX
from ._errors import PaySsamError, ProtocolError, TransportError, ValidationError
from ._inputs import Stamp, csv_records, open_lines, optional_path, path_argument, stamp_input
from ._outputs import Writer, check_ours, check_outputs, read_records
from ._progress import table
from ._results import BillStatus

if TYPE_CHECKING:
    from ._progress import Progress
    from ._runners import AsyncRunner, SyncRunner

KIND = "reconcile"
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
    return Path(f"{source}{RECONCILE_SUFFIX}")


def ids(source: Path, column: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, bill id) for every id of the file, read lazily: one per line, or a CSV column with a header."""
    with open_lines(source) as lines:
        if column is None:
            for text in lines:
                bill_id = text.strip()
                if bill_id:
                    yield lines.number, bill_id
            return
        records = csv_records(lines)
        first = next(records, None)
        header = [] if first is None else [cell.strip() for cell in first[1]]
        if header.count(column) != 1:
            problem = "is not a column of" if column not in header else "appears more than once in"
            raise ValidationError("column", f"{column!r} {problem} {source.name}")
        index = header.index(column)
        for line, cells in records:
            bill_id = cells[index].strip() if index < len(cells) else ""
            if bill_id:
                yield line, bill_id


class DoneLines:
    """Which lines earlier runs settled, and the id each held then: four bytes per line (a CRC of the id)."""

    def __init__(self) -> None:
        self._marks = array("I")

    @staticmethod
    def _mark(bill_id: str) -> int:
        return zlib.crc32(bill_id.encode("utf-8", "surrogatepass")) or 1

    def add(self, line: int, bill_id: str) -> None:
        if line >= len(self._marks):
            self._marks.frombytes(bytes(self._marks.itemsize * (line + 1 - len(self._marks))))
        self._marks[line] = self._mark(bill_id)

    def discard(self, line: int) -> None:
        if line < len(self._marks):
            self._marks[line] = 0

    def holds(self, line: int, bill_id: str) -> bool:
        """Whether an earlier run settled this line while it held this id."""
        return line < len(self._marks) and self._marks[line] == self._mark(bill_id)


def _no_answer(error: object) -> bool:
    """An error class name (from an output line) that is no answer about the bill, such as a timeout: a later run
    reads that line again (the newer line counts)."""
    named = getattr(errors, error, None) if isinstance(error, str) else None
    return isinstance(named, type) and issubclass(named, TransportError | ProtocolError)


def done_lines(output: Path) -> tuple[DoneLines, set[int]]:
    """The lines an earlier run settled (a state, or an answer such as "no such bill") with their ids, and which of
    them ended in an error answer."""
    done = DoneLines()
    errored: set[int] = set()
    for record in read_records(output, KIND):
        line, bill_id, error = record["line"], record.get("bill_id"), record.get("error")
        if _no_answer(error) or not isinstance(bill_id, str) or line < 1:
            done.discard(line)
            errored.discard(line)
            continue
        done.add(line, bill_id)
        if error is None:
            errored.discard(line)
        else:
            errored.add(line)
    return done, errored


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
    stamp: Stamp
    output: Path
    column: str | None
    csv_output: Path | None
    concurrency: int
    done: DoneLines
    errored: set[int]
    already_done: int = 0
    earlier_errors: int = 0

    def pending(self) -> Iterator[tuple[int, str]]:
        """The (line, id) pairs still to read."""
        return (
            (line, bill_id) for line, bill_id in ids(self.source, self.column) if not self.done.holds(line, bill_id)
        )

    def total(self) -> int:
        """How many ids the file holds (a streaming pass, for the progress bar's total)."""
        return sum(1 for _ in ids(self.source, self.column))

    def report(self) -> ReconcileReport:
        return ReconcileReport(Counter(), Counter(), self.already_done, self.output, self.earlier_errors)


def prepare(source: object, output: object, column: object, csv_output: object, concurrency: object) -> Reconcile:
    """Check the arguments and the files and read what an earlier run wrote; nothing is read from PaySsam yet."""
    path = path_argument("file", source)
    if column is not None and (not isinstance(column, str) or not column):
        raise ValidationError("column", "must be a column name")
    workers = validation.concurrency(concurrency)
    stamp = stamp_input(path)
    out = optional_path("output", output) or default_output(path)
    csv_path = optional_path("csv_output", csv_output)
    written = {"output": out} if csv_path is None else {"output": out, "csv_output": csv_path}
    check_outputs([path], written)
    if csv_path is not None:
        check_ours(csv_path, KIND, "csv_output", OUTPUT_COLUMNS)
    done, errored = done_lines(out)
    run = Reconcile(path, stamp, out, column, csv_path, workers, done, errored)
    for line, bill_id in ids(path, column):  # also checks the whole file before anything is read from PaySsam
        if done.holds(line, bill_id):
            run.already_done += 1
            run.earlier_errors += line in errored
    return run


def tally(report: ReconcileReport, result: BillStatus | PaySsamError) -> str:
    """Count one result; the label progress shows for it."""
    if isinstance(result, PaySsamError):
        name = type(result).__name__
        report.errors[name] += 1
        return name
    report.states[result.state.name] += 1
    return result.state.name


def _writer(run: Reconcile) -> Writer:
    return Writer(KIND, run.output, OUTPUT_COLUMNS, run.csv_output, csv_name="csv_output")


def run_sync(runner: SyncRunner, run: Reconcile, progress: Progress | None) -> ReconcileReport:
    """Read every pending id with the blocking client's threads, one output line each."""
    report = run.report()
    with _writer(run) as writer:
        for (line, bill_id), result in runner.map(run.pending(), lambda pair: runner.read(pair[1]), run.concurrency):
            _finish(report, writer, progress, line, bill_id, result)
    return report


async def run_async(runner: AsyncRunner, run: Reconcile, progress: Progress | None) -> ReconcileReport:
    """Read every pending id with the awaitable client's tasks, one output line each."""
    report = run.report()
    with _writer(run) as writer:
        async for (line, bill_id), result in runner.map(
            run.pending(), lambda pair: runner.read(pair[1]), run.concurrency
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
