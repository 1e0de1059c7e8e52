"""Send a month of bills from a CSV file: every row checked before the first send, each bill sent exactly once.

The output file (JSONL) gets one line per row as it finishes. Beside it, `<output>.ids` records each
row's bill id before the row is sent (an id the file leaves out is made with new_bill_id), so a run
killed at any moment and started again with the same arguments sends no row twice and skips none:
a row that was being sent is sent again as a resumed write, which the exactly-once machinery
settles by reading the bill back.
"""

from __future__ import annotations

import csv
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import validation
from .bulk_files import BATCH_COLUMNS as COLUMNS
from .bulk_files import BATCH_CONCURRENCY, BATCH_SUFFIX
from .bulk_files import BATCH_REQUIRED as REQUIRED
from .errors import OutcomeUnknownError, PaySsamError, ValidationError
from .ids import new_bill_id
from .progress import table
from .records import LineSet, Writer, open_source, optional_path, path_argument, read_lines
from .redaction import mask_name, mask_phone

if TYPE_CHECKING:
    from .client import AsyncPaySsam, PaySsam
    from .config import Config
    from .progress import Progress
    from .results import SentBill

OUTPUT_COLUMNS = ("line", "bill_id", "outcome", "short_url", "error", "message")
SETTLED = ("sent", "recovered")
"""Outcomes a later run leaves alone. `failed` and `unknown` rows are sent again as resumed writes (read back
first when PaySsam says the bill exists, so never twice): a fixed row or a passing outage then goes through."""
_CHECK_ID = "A" * validation.BILL_ID_MAX
"""A stand-in id for a row that leaves its id to be made: the send is checked whole with it."""


@dataclass(frozen=True, slots=True)
class Row:
    """One bill of the file; `line` is its line in the CSV (2 for the first after the header)."""

    line: int
    bill_id: str | None
    price: str
    phone: str = field(repr=False)
    customer_name: str = field(repr=False)
    product_name: str
    message: str | None
    issuer: str | None
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class Problem:
    """A row the batch refuses, before anything is sent."""

    line: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.problem}"


class BatchRefusedError(ValidationError):
    """Rows of the file are not valid: nothing was sent. `.problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        super().__init__("rows", f"{len(problems)} row(s) refused, nothing sent: {shown}")


@dataclass(slots=True)
class BatchReport:
    """How a batch run went: rows in the file, rows a previous run had settled, outcomes of this run."""

    rows: int
    already_settled: int
    outcomes: Counter[str]
    output: Path

    @property
    def complete(self) -> bool:
        """Every row of the file is sent (or proved sent), by this run or an earlier one."""
        settled = sum(count for name, count in self.outcomes.items() if name in SETTLED)
        return self.already_settled + settled == self.rows

    def table(self) -> str:
        """The counts as a small table for people."""
        return table([*self.outcomes.items(), ("earlier runs", self.already_settled), ("rows", self.rows)])


def default_output(source: Path) -> Path:
    """Where results go when no output is named: beside the file, so a re-run finds them."""
    return source.with_name(source.name + BATCH_SUFFIX)


def _optional(value: str | None) -> str | None:
    return value if value else None


def load(source: Path) -> tuple[list[Row], list[Problem]]:
    """The rows of a CSV file with a header row, and what is wrong with the file's shape."""
    problems: list[Problem] = []
    rows: list[Row] = []
    with open_source(source) as stream:
        reader = csv.DictReader(stream)
        header = reader.fieldnames or []
        if not header:
            raise BatchRefusedError([Problem(1, "header", "the file has no header row")])
        missing = [Problem(1, "header", f"missing column {name}") for name in REQUIRED if name not in header]
        if missing:  # every row would fail on the missing fields: the header alone says what is wrong
            raise BatchRefusedError(missing)
        problems += [
            Problem(1, "header", f"unknown column {name!r} (known: {', '.join(COLUMNS)})")
            for name in header
            if name not in COLUMNS
        ]
        for record in reader:
            if None in record:  # more values than the header has columns: an unquoted comma shifts them
                problems.append(Problem(reader.line_num, "row", "has more values than the header has columns"))
            rows.append(_row(reader.line_num, record, problems))
    return rows, problems


def _row(line: int, record: dict[str, str | None], problems: list[Problem]) -> Row:
    expires: date | None = None
    text = record.get("expires_on")
    if text:
        try:
            expires = date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(line, "expires_on", "must be a date as YYYY-MM-DD"))
    return Row(
        line=line,
        bill_id=_optional(record.get("bill_id")),
        price=record.get("price") or "",
        phone=record.get("phone") or "",
        customer_name=record.get("customer_name") or "",
        product_name=record.get("product_name") or "",
        message=_optional(record.get("message")),
        issuer=_optional(record.get("issuer")),
        expires_on=expires,
    )


def _write_for(config: Config, row: Row, bill_id: str, callback_url: str) -> Any:
    """The send of a row, validated (operations.send checks every field)."""
    from . import operations  # the generated client: only when rows are checked or sent, never for --help

    return operations.send(
        config,
        bill_id,
        row.price,
        phone=row.phone,
        customer_name=row.customer_name,
        product_name=row.product_name,
        callback_url=callback_url,
        message=row.message,
        issuer=row.issuer,
        expires_on=row.expires_on,
    )


def check(config: Config, rows: list[Row], problems: list[Problem], callback_url: object) -> None:
    """Every row as send_bill would check it, and ids unique in the file; raise with every problem found."""
    seen: dict[str, int] = {}
    if not rows and not problems:
        problems.append(Problem(1, "file", "has no rows"))
    callback_ok = True
    try:
        validation.callback_url(callback_url)
    except ValidationError as exc:
        callback_ok = False
        problems.append(Problem(1, "--callback-url", exc.problem))
    for row in rows:
        found = _field_problems(row)
        if not found and callback_ok:
            try:  # every field passed: the send as a whole (its hash, the contract's other rules)
                _write_for(config, row, row.bill_id or _CHECK_ID, callback_url)  # type: ignore[arg-type]
            except ValidationError as exc:
                found.append(Problem(row.line, exc.field, exc.problem))
        problems += found
        if row.bill_id is not None:
            if row.bill_id in seen:
                problems.append(Problem(row.line, "bill_id", f"is also on line {seen[row.bill_id]}"))
            seen.setdefault(row.bill_id, row.line)
    if problems:
        raise BatchRefusedError(sorted(problems, key=lambda p: (p.line, p.field)))


def _field_problems(row: Row) -> list[Problem]:
    """Every field of the row checked on its own, so one run lists all of a row's problems."""
    checks: list[tuple[str, Callable[[], object]]] = [
        ("price", lambda: validation.price(row.price)),
        ("phone", lambda: validation.phone(row.phone)),
        ("customer_name", lambda: validation.text("customer_name", row.customer_name)),
        ("product_name", lambda: validation.text("product_name", row.product_name)),
    ]
    if row.bill_id is not None:
        checks.append(("bill_id", lambda: validation.bill_id(row.bill_id)))
    if row.message is not None:
        checks.append(("message", lambda: validation.text("message", row.message)))
    if row.issuer is not None:
        checks.append(("issuer", lambda: validation.text("issuer", row.issuer, validation.ISSUER_MAX)))
    if row.expires_on is not None:
        checks.append(("expires_on", lambda: validation.expiry(row.expires_on)))
    found: list[Problem] = []
    for name, run in checks:
        try:
            run()
        except ValidationError as exc:
            found.append(Problem(row.line, name, exc.problem))
    return found


def plan_lines(rows: list[Row], settled: LineSet) -> Iterator[str]:
    """What a run would do, one line per row (the phone and the name masked)."""
    for row in rows:
        state = "already settled" if row.line in settled else "to send"
        bill = row.bill_id or "(new id)"
        yield (
            f"line {row.line}: {state}: {bill} {int(row.price):,} won to {mask_name(row.customer_name)} "
            f"{mask_phone(row.phone)} for {row.product_name}"
        )


@dataclass(slots=True)
class _Journal:
    """`<output>.ids`: each row's bill id, written before the row is sent (what earlier runs wrote is read once)."""

    writer: Writer
    ids: dict[int, str]
    starts: Counter[int]
    """How many sends of each row began (one journal line each)."""

    @classmethod
    def open(cls, output: Path) -> _Journal:
        path = output.with_name(output.name + ".ids")
        ids: dict[int, str] = {}
        starts: Counter[int] = Counter()
        writer = Writer(path, ("line", "bill_id"))
        for record in read_lines(path):
            ids[record["line"]] = str(record["bill_id"])
            starts[record["line"]] += 1
        return cls(writer, ids, starts)


@dataclass(frozen=True, slots=True)
class _Job:
    row: Row
    bill_id: str
    resumed: bool


def _jobs(rows: list[Row], earlier: Earlier, journal: _Journal) -> Iterator[_Job]:
    """The rows still to send with their ids: from the file, from the journal, or new (journaled first).

    A row is sent as a resumed write (read back when PaySsam says the bill exists) when an earlier send of
    it may have landed: one began and wrote no result (killed), or its result was `unknown`. A `failed` row
    is sent afresh: its failure proved nothing landed, so an "exists" answer then is someone else's bill.
    Not thread-safe: workers take jobs one at a time (under a lock when they are threads).
    """
    for row in rows:
        if row.line in earlier.settled:
            continue
        known = journal.ids.get(row.line)
        bill_id = row.bill_id or known or new_bill_id()
        cut_short = journal.starts[row.line] > earlier.results[row.line]
        resumed = cut_short or earlier.last.get(row.line) == "unknown"
        journal.writer.write({"line": row.line, "bill_id": bill_id})
        yield _Job(row, bill_id, resumed=resumed)


def _record(job: _Job, result: SentBill | PaySsamError) -> dict[str, Any]:
    record: dict[str, Any] = {"line": job.row.line, "bill_id": job.bill_id}
    if isinstance(result, PaySsamError):
        outcome = "unknown" if isinstance(result, OutcomeUnknownError) else "failed"
        return {**record, "outcome": outcome, "short_url": None, "error": type(result).__name__, "message": str(result)}
    outcome = "recovered" if result.recovered else "sent"
    return {**record, "outcome": outcome, "short_url": result.short_url, "error": None, "message": result.message}


@dataclass(slots=True)
class Earlier:
    """What earlier runs wrote: rows settled, results per row, each row's latest outcome."""

    settled: LineSet = field(default_factory=LineSet)
    results: Counter[int] = field(default_factory=Counter)
    last: dict[int, str] = field(default_factory=dict)

    @classmethod
    def read(cls, output: Path) -> Earlier:
        earlier = cls()
        for record in read_lines(output):
            line, outcome = record["line"], str(record.get("outcome"))
            earlier.results[line] += 1
            earlier.last[line] = outcome
            if outcome in SETTLED:
                earlier.settled.add(line)
        return earlier


class _Rate:
    """At most `per_second` sends begin each second, shared by every worker."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Seconds the caller must wait before its send begins (reserving its slot)."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
            return start - now


class _Run:
    """One run's files and counts: jobs are journaled as they are taken, results written as they end."""

    def __init__(self, batch: Batch, progress: Progress | None) -> None:
        self.journal = _Journal.open(batch.output)
        self.writer = Writer(batch.output, OUTPUT_COLUMNS, batch.csv_output)
        self.jobs = _jobs(batch.rows, batch.earlier, self.journal)
        self.outcomes: Counter[str] = Counter()
        self.progress = progress

    def finish(self, job: _Job, result: SentBill | PaySsamError) -> None:
        record = _record(job, result)
        self.writer.write(record)
        self.outcomes[record["outcome"]] += 1
        if self.progress is not None:
            self.progress.update(record["outcome"])

    def close(self) -> None:
        self.writer.close()
        self.journal.writer.close()


@dataclass(slots=True)
class Batch:
    """One run over a file: its rows (checked), where results go, how fast, and what earlier runs settled."""

    config: Config
    rows: list[Row]
    output: Path
    callback_url: str
    csv_output: Path | None = None
    concurrency: int = BATCH_CONCURRENCY
    rate: float | None = None
    earlier: Earlier = field(default_factory=Earlier)

    @property
    def settled(self) -> LineSet:
        """Rows an earlier run sent (or proved sent): this run leaves them alone."""
        return self.earlier.settled

    @property
    def already_settled(self) -> int:
        """How many rows of the file an earlier run settled."""
        return sum(1 for row in self.rows if row.line in self.settled)

    @classmethod
    def prepare(
        cls,
        config: Config,
        source: object,
        output: object,
        callback_url: object,
        csv_output: object,
        concurrency: object = BATCH_CONCURRENCY,
        rate: object = None,
    ) -> Batch:
        """Check the arguments and every row (BatchRefusedError lists all problems); nothing is sent."""
        path = path_argument("file", source)
        rows, problems = load(path)
        check(config, rows, problems, callback_url)
        out = optional_path("output", output) or default_output(path)
        return cls(
            config,
            rows,
            out,
            str(callback_url),
            optional_path("csv_output", csv_output),
            validation.concurrency(concurrency),
            validation.rate(rate),
            Earlier.read(out),
        )

    def report(self, outcomes: Counter[str]) -> BatchReport:
        return BatchReport(
            rows=len(self.rows), already_settled=self.already_settled, outcomes=outcomes, output=self.output
        )

    def run_sync(self, client: PaySsam, progress: Progress | None) -> BatchReport:
        """Send every unsettled row with the blocking client's threads."""
        limiter = _Rate(self.rate)

        def send(job: _Job) -> SentBill | PaySsamError:
            time.sleep(limiter.delay())
            try:
                sent: SentBill = client._write(self._write(job), resumed=job.resumed)
            except PaySsamError as exc:
                return exc
            return sent

        run = _Run(self, progress)
        try:
            for job, result in client._map(run.jobs, send, self.concurrency):
                run.finish(job, result)
        finally:
            run.close()
        return self.report(run.outcomes)

    async def run_async(self, client: AsyncPaySsam, progress: Progress | None) -> BatchReport:
        """Send every unsettled row with the awaitable client's tasks."""
        import asyncio  # only for an async run, never for --help

        limiter = _Rate(self.rate)

        async def send(job: _Job) -> SentBill | PaySsamError:
            await asyncio.sleep(limiter.delay())
            try:
                return await client._write(self._write(job), resumed=job.resumed)
            except PaySsamError as exc:
                return exc

        run = _Run(self, progress)
        try:
            async for job, result in client._map(run.jobs, send, self.concurrency):
                run.finish(job, result)
        finally:
            run.close()
        return self.report(run.outcomes)

    def _write(self, job: _Job) -> Any:
        return _write_for(self.config, job.row, job.bill_id, self.callback_url)
