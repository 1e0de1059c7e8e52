"""Send a month of bills from a CSV file: every row checked before the first send, each customer billed once.

A row is known by what it is, not by where it stands: its customer's phone and name and its product
(its "who"). The journal (_journal.py) gives each row one bill id, written before its first send and
never changed, so a kill, a lost answer or an edit of the file between runs cannot bill a customer
twice: PaySsam refuses a second bill under one id, and the exactly-once machinery reads it back.

What a later run does with each row of the file:
- not in the journal: sent under the file's bill_id, or a new one;
- sent before with the same content: left alone;
- sent before with other content (a price fixed, a phone corrected: a row sharing two of phone, name
  and product with an entry whose own row left the file counts as that row corrected): not sent
  again, reported `changed` with its bill id; once that bill is destroyed or cancelled, the next run
  sends the row as it is now, under a new id (a row naming its own bill_id needs a new one);
- refused for sure earlier: sent again, under its id;
- unknown or cut short earlier: sent again under its id as a resumed write, which settles it: done
  by the earlier send (recovered, or `changed` if that send carried another version), or done now.
Two rows of one file for the same phone, name and product are refused: a file bills a customer once
per product. Bills of rows that left the file are reported, never touched.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import _validation as validation
from ._bulk_files import BATCH_COLUMNS as COLUMNS
from ._bulk_files import BATCH_CONCURRENCY, BATCH_SUFFIX
from ._bulk_files import BATCH_REQUIRED as REQUIRED
from ._errors import (
    BatchRefusedError,
    BillNotFoundError,
    DuplicateBillIdError,
    OutcomeUnknownError,
    PaySsamError,
    Problem,
    ValidationError,
)
from ._ids import new_bill_id
from ._inputs import Stamp, csv_records, open_lines, optional_path, path_argument, stamp_input
from ._journal import SETTLED, Entry, Journal, Keys
from ._outputs import Writer, check_ours, check_outputs
from ._progress import table
from ._results import BillStatus, SentBill
from ._states import BillState
from .redaction import mask_name, mask_phone

if TYPE_CHECKING:
    from ._config import Config
    from ._progress import Progress
    from ._runners import AsyncRunner, SyncRunner
    from ._settlement import Write

KIND = "send-batch"
OUTPUT_COLUMNS = ("line", "bill_id", "outcome", "short_url", "error", "message")
OUTCOMES = ("sent", "recovered", "failed", "unknown", "changed")
MAX_PROBLEMS = 1000
"""Problems kept and listed when a file is refused; beyond them only their number."""
MAX_MISSING = 100
"""Bills of rows no longer in the file listed in a report; beyond them only their number."""
_CHECK_ID = "A" * validation.BILL_ID_MAX
"""A stand-in id for a row that leaves its id to be made: the send is checked whole with it."""
_UNKNOWN_CONTENT = b"?"
"""The content of a bill that holds one of several versions of its row, which one unknown."""


@dataclass(frozen=True, slots=True)
class Row:
    """One bill of the file; `line` is the line its record starts on (2 for the first after the header)."""

    line: int
    bill_id: str | None
    price: str
    phone: str = field(repr=False)
    customer_name: str = field(repr=False)
    product_name: str
    message: str | None
    issuer: str | None
    expires_on: date | None

    def keys(self) -> Keys:
        """The row's identity and content as digests (no personal data is kept, only these)."""
        return Keys(
            who=_digest("who", self.phone, self.customer_name, self.product_name),
            phone_name=_digest("phone+name", self.phone, self.customer_name),
            phone_product=_digest("phone+product", self.phone, self.product_name),
            name_product=_digest("name+product", self.customer_name, self.product_name),
            content=_digest(
                "content",
                self.price,
                self.phone,
                self.customer_name,
                self.product_name,
                self.message or "",
                self.issuer or "",
                self.expires_on.isoformat() if self.expires_on else "",
            ),
        )


def _digest(*parts: str) -> bytes:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).digest()[:16]


@dataclass(slots=True)
class BatchReport:
    """How a batch run went: rows in the file, rows settled by earlier runs, outcomes of this run, and the bills
    of rows no longer in the file."""

    rows: int
    already_settled: int
    outcomes: Counter[str]
    output: Path
    errors: Counter[str] = field(default_factory=Counter)
    """Error classes of this run's failed and unknown rows."""
    missing: list[tuple[str, str]] = field(default_factory=list)
    """(bill id, journal state) of bills whose row the file no longer has (the first MAX_MISSING)."""
    missing_count: int = 0
    file_changed: bool = False
    """The file changed while it was being sent: rows read after the change were skipped."""

    @property
    def complete(self) -> bool:
        """Every row of the file is sent (or proved sent), by this run or an earlier one."""
        settled = self.outcomes["sent"] + self.outcomes["recovered"]
        return not self.file_changed and self.already_settled + settled == self.rows

    def table(self) -> str:
        """The counts as a small table for people."""
        rows = [(name, count) for name in OUTCOMES if (count := self.outcomes[name])]
        rows += [("earlier runs", self.already_settled), ("rows", self.rows)]
        if self.missing_count:
            rows.append(("not in the file", self.missing_count))
        return table(rows)


def default_output(source: Path) -> Path:
    """Where results go when no output is named: beside the file, so a re-run finds them."""
    return Path(f"{source}{BATCH_SUFFIX}")


def journal_path(output: Path) -> Path:
    """Where the journal of an output lives: beside it, its name and `.journal`."""
    return Path(f"{output}.journal")


# --------------------------------------------------------------------------- reading and checking the file


def _header(cells: list[str]) -> dict[str, int]:
    """Each known column's index; duplicate, unknown and missing columns are refused, all named."""
    problems: list[Problem] = []
    names = [cell.strip() for cell in cells]
    if not any(names):
        raise BatchRefusedError([Problem(1, "header", "the file has no header row")])
    for name in sorted({name for name in names if names.count(name) > 1}):
        problems.append(Problem(1, "header", f"column {name!r} appears {names.count(name)} times"))
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        problems.append(Problem(1, "header", f"unknown column(s) {listed} (known: {', '.join(COLUMNS)})"))
    problems += [Problem(1, "header", f"missing column {name!r}") for name in REQUIRED if name not in names]
    if problems:
        raise BatchRefusedError(problems)
    return {name: index for index, name in enumerate(names)}


def _rows(path: Path) -> Iterator[tuple[Row, list[Problem]]]:
    """Every row of the file with the problems of its shape, streamed (the header checked first)."""
    with open_lines(path) as lines:
        records = csv_records(lines)
        first = next(records, None)
        if first is None:
            raise BatchRefusedError([Problem(1, "file", "is empty: no header row")])
        columns = _header(first[1])
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            problems = []
            if len(cells) > len(columns):
                problems.append(Problem(line, "row", "has more values than the header has columns"))
            yield _row(line, columns, cells, problems), problems


def _row(line: int, columns: dict[str, int], cells: list[str], problems: list[Problem]) -> Row:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    expires: date | None = None
    text = cell("expires_on")
    if text:
        try:
            expires = date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(line, "expires_on", "must be a date as YYYY-MM-DD"))
    return Row(
        line=line,
        bill_id=cell("bill_id") or None,
        price=cell("price"),
        phone=cell("phone"),
        customer_name=cell("customer_name"),
        product_name=cell("product_name"),
        message=cell("message") or None,
        issuer=cell("issuer") or None,
        expires_on=expires,
    )


def _send_of(config: Config, row: Row, bill_id: str, callback_url: str) -> Write[SentBill]:
    """The send of a row by the configuration's wire, validated (its send checks every field)."""
    from ._wires import wire_for  # the generated clients: only when rows are checked or sent, never for --help

    return wire_for(config).send(
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


class FileKeys:
    """Which identities and bill ids this file holds, and on which line: a temporary SQLite file, so checking
    a million rows costs no more memory than checking a thousand."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # a private on-disk file, deleted on close
        self._db.execute("CREATE TABLE who (key BLOB PRIMARY KEY, line INTEGER NOT NULL)")
        self._db.execute("CREATE TABLE ids (bill_id TEXT PRIMARY KEY, line INTEGER NOT NULL)")
        self._db.execute("BEGIN")

    def add_who(self, who: bytes, line: int) -> int | None:
        """Record a row's identity at line; the line already holding it, if any."""
        earlier = self.line_of(who)
        if earlier is None:
            self._db.execute("INSERT INTO who VALUES (?, ?)", (who, line))
        return earlier

    def add_id(self, bill_id: str, line: int) -> int | None:
        """Record a bill id the file names at line; the line already naming it, if any."""
        found = self._db.execute("SELECT line FROM ids WHERE bill_id = ?", (bill_id,)).fetchone()
        if found is None:
            self._db.execute("INSERT INTO ids VALUES (?, ?)", (bill_id, line))
            return None
        return int(found[0])

    def line_of(self, who: bytes) -> int | None:
        """The line of the row with this identity, if the file has one."""
        found = self._db.execute("SELECT line FROM who WHERE key = ?", (who,)).fetchone()
        return None if found is None else int(found[0])

    def names(self, bill_id: str) -> bool:
        """Whether a row of the file names this bill id."""
        return self._db.execute("SELECT 1 FROM ids WHERE bill_id = ?", (bill_id,)).fetchone() is not None

    def close(self) -> None:
        self._db.close()


def check(config: Config, path: Path, callback_url: object) -> tuple[int, FileKeys]:
    """Every row as send_bill would check it, identities and ids unique in the file; raise with the problems.

    Streams the file once: memory does not grow with its length. Returns the number of rows and the keys.
    """
    problems: list[Problem] = []
    count = 0

    def note(found: list[Problem]) -> None:
        nonlocal count
        count += len(found)
        room = MAX_PROBLEMS - len(problems)
        problems.extend(found[: max(room, 0)])

    callback_ok = True
    try:
        validation.callback_url(callback_url)
    except ValidationError as exc:
        callback_ok = False
        note([Problem(1, "--callback-url", exc.problem)])
    keys = FileKeys()
    rows = 0
    try:
        for row, found in _rows(path):
            rows += 1
            found = found + _field_problems(row)
            if not found and callback_ok:
                try:  # every field passed: the send as a whole (its hash, the contract's other rules)
                    _send_of(config, row, row.bill_id or _CHECK_ID, str(callback_url))
                except ValidationError as exc:
                    found.append(Problem(row.line, exc.field, exc.problem))
            if not found:
                earlier = keys.add_who(row.keys().who, row.line)
                if earlier is not None:
                    found.append(
                        Problem(
                            row.line,
                            "row",
                            f"same phone, customer_name and product_name as line {earlier}: a file bills a customer "
                            "once per product (give one a distinct product_name if both bills are meant)",
                        )
                    )
            if row.bill_id is not None and validation.is_bill_id(row.bill_id):
                earlier = keys.add_id(row.bill_id, row.line)
                if earlier is not None:
                    found.append(Problem(row.line, "bill_id", f"is also on line {earlier}"))
            note(found)
        if not rows and not count:
            note([Problem(1, "file", "has no rows")])
    except BaseException:
        keys.close()
        raise
    if count:
        keys.close()
        raise BatchRefusedError(problems, count)
    return rows, keys


# --------------------------------------------------------------------------- deciding what to do with a row


@dataclass(frozen=True, slots=True)
class Send:
    """Send the row under bill_id (None: a new id), resumed when an earlier send of it may have landed;
    `retire` an earlier id that never landed, which the row no longer uses."""

    bill_id: str | None
    resumed: bool
    retire: str | None = None


@dataclass(frozen=True, slots=True)
class Settled:
    """Sent before with this very content: nothing to do."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class Check:
    """Sent before with other content (or under another id): read that bill; destroyed or cancelled, the row may be
    billed anew, else it is reported `changed`."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class Report:
    """Nothing can be sent for this row now: reported with this outcome and message."""

    outcome: str
    bill_id: str | None
    message: str


Decision = Send | Settled | Check | Report


def _match(journal: Journal, keys_in_file: FileKeys | None, row: Row, keys: Keys) -> Entry | Report | None:
    """The journal entry of this row: by its bill id, else by its identity, else by resemblance to an entry whose own
    row left the file (a corrected phone, name or product). A resemblance to several is reported, not guessed."""
    if row.bill_id is not None:
        entry = journal.by_id(row.bill_id)
        if entry is not None:
            return entry
    entry = journal.live_by_who(keys.who)
    if entry is None:
        candidates = [
            each
            for each in journal.resembling(keys)
            if each.seen != journal.run and (keys_in_file is None or _left_the_file(keys_in_file, each))
        ]
        if len(candidates) > 1:
            ids = ", ".join(each.bill_id for each in candidates)
            return Report(
                "changed",
                None,
                f"resembles several rows sent earlier (bills {ids}) in phone, name or product: not sent; give the "
                "row its bill_id (or remove the ones that are not it) so the file says which it is",
            )
        entry = candidates[0] if candidates else None
    if entry is not None and entry.seen == journal.run and journal.writable:
        return Report(
            "changed", entry.bill_id, f"another row of this file (line {entry.line}) is bill {entry.bill_id}: not sent"
        )
    return entry


def _left_the_file(keys_in_file: FileKeys, entry: Entry) -> bool:
    """Whether an entry's own row is gone from the file (neither its identity nor its bill id is in it)."""
    return keys_in_file.line_of(entry.who) is None and not keys_in_file.names(entry.bill_id)


def decide(journal: Journal | None, keys_in_file: FileKeys | None, row: Row, keys: Keys) -> Decision:
    """What this run does with a row, given what earlier runs did (see the module's docstring)."""
    matched = None if journal is None else _match(journal, keys_in_file, row, keys)
    if isinstance(matched, Report):
        return matched
    if matched is None:
        return Send(row.bill_id, resumed=False)
    entry = matched
    target = row.bill_id or entry.bill_id
    if entry.state == "replaced":  # the row names, as its bill_id, a bill destroyed or cancelled before
        return Report(
            "changed",
            entry.bill_id,
            f"bill {entry.bill_id} was destroyed or cancelled after this row changed: to bill the row again, "
            "give the row a new bill_id (or none)",
        )
    if target != entry.bill_id:
        if entry.state == "failed":
            return Send(target, resumed=False, retire=entry.bill_id)
        return Check(entry)
    if entry.state == "changed":  # read again every run: destroyed or cancelled frees the row, a revert settles it
        return Check(entry)
    if entry.state in SETTLED:
        return Settled(entry) if entry.content == keys.content else Check(entry)
    return Send(entry.bill_id, resumed=entry.state != "failed")


class Plan:
    """What a run would do, one line per row (phones and names masked) as it is worked out; nothing is written.

    Iterated once (it closes the job); to_send, won and already_sent count the rows seen so far.
    """

    def __init__(self, job: Batch) -> None:
        self.job = job
        self.to_send = 0
        self.won = 0
        self.already_sent = 0

    def __iter__(self) -> Iterator[str]:
        job = self.job
        journal = Journal.open(journal_path(job.output), writable=False)
        try:
            for row, _ in _rows(job.path):
                yield self._line(row, decide(journal, job.keys, row, row.keys()))
        finally:
            if journal is not None:
                journal.close()
            job.close()

    def _line(self, row: Row, decision: Decision) -> str:
        bill = row.bill_id or "(new id)"
        if isinstance(decision, Send):
            state, bill = "to send", decision.bill_id or "(new id)"
            if decision.resumed:
                state = "to settle (an earlier send may have landed)"
            self.to_send += 1
            self.won += int(row.price)
        elif isinstance(decision, Settled):
            state, bill = "already sent", decision.entry.bill_id
            self.already_sent += 1
        elif isinstance(decision, Check):
            state, bill = "changed since it was sent (checked when run)", decision.entry.bill_id
        else:
            state, bill = decision.outcome, decision.bill_id or bill
        return (
            f"line {row.line}: {state}: {bill} {int(row.price):,} won to {mask_name(row.customer_name)} "
            f"{mask_phone(row.phone)} for {row.product_name}"
        )

    def summary(self) -> str:
        """The closing line, once the plan has been iterated."""
        return (
            f"{self.job.rows} rows checked: {self.to_send} to send ({self.won:,} won), "
            f"{self.already_sent} already settled"
        )


# --------------------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class _Job:
    """One piece of work for a worker: a send (write), or the read of an earlier bill (check)."""

    row: Row
    keys: Keys
    bill_id: str
    write: Write[SentBill] | None
    resumed: bool = False
    attempts: tuple[tuple[bytes, str], ...] = ()
    check: Entry | None = None


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


@dataclass(slots=True)
class Batch:
    """One run over a file: how many rows (all checked), where results go, how fast."""

    config: Config
    path: Path
    stamp: Stamp
    keys: FileKeys
    rows: int
    output: Path
    callback_url: str
    csv_output: Path | None = None
    concurrency: int = BATCH_CONCURRENCY
    rate: float | None = None
    already_settled: int = 0

    def close(self) -> None:
        self.keys.close()


def prepare(
    config: Config,
    source: object,
    output: object,
    callback_url: object,
    csv_output: object,
    concurrency: object = BATCH_CONCURRENCY,
    rate: object = None,
) -> Batch:
    """Check the arguments, the files and every row (BatchRefusedError lists the problems); nothing is sent or
    written."""
    path = path_argument("file", source)
    workers = validation.concurrency(concurrency)
    per_second = validation.rate(rate)
    stamp = stamp_input(path)
    out = optional_path("output", output) or default_output(path)
    csv_path = optional_path("csv_output", csv_output)
    written = {"output": out, "journal": journal_path(out)}
    if csv_path is not None:
        written["csv_output"] = csv_path
    check_outputs([path], written)
    check_ours(out, KIND, "output")
    if csv_path is not None:
        check_ours(csv_path, KIND, "csv_output", OUTPUT_COLUMNS)
    Journal.check(journal_path(out))
    rows, keys = check(config, path, callback_url)
    job = Batch(config, path, stamp, keys, rows, out, str(callback_url), csv_path, workers, per_second)
    try:
        job.already_settled = _already_settled(job)
    except BaseException:
        job.close()
        raise
    return job


def _already_settled(job: Batch) -> int:
    """How many rows of the file earlier runs sent with their present content (for progress)."""
    journal = Journal.open(journal_path(job.output), writable=False)
    if journal is None:
        return 0
    try:
        return sum(1 for row, _ in _rows(job.path) if isinstance(decide(journal, job.keys, row, row.keys()), Settled))
    finally:
        journal.close()


class _Run:
    """One run's journal, results and counts: jobs are journaled as they are taken, results recorded as they end."""

    def __init__(self, job: Batch, progress: Progress | None) -> None:
        self.job = job
        journal = Journal.open(journal_path(job.output), writable=True)
        assert journal is not None  # opened writable, it is made when missing
        self.journal = journal
        try:
            self.writer = Writer(KIND, job.output, OUTPUT_COLUMNS, job.csv_output, csv_name="csv_output")
        except BaseException:
            self.journal.close()
            raise
        self.report = BatchReport(rows=job.rows, already_settled=0, outcomes=Counter(), output=job.output)
        self.progress = progress
        self.rate = _Rate(job.rate)
        self.freed: set[int] = set()
        """Lines of rows whose earlier bill a check found destroyed or cancelled: the next pass sends them."""
        self.first_pass = True

    def jobs(self) -> Iterator[_Job]:
        """The rows that need work this pass, journaled before they are handed out; the rest recorded here.

        Not thread-safe: workers take jobs one at a time, in the thread that consumes the results.
        """
        journal = self.journal
        freed, self.freed = self.freed, set()
        for row, _ in _rows(self.job.path):
            if not self.first_pass and row.line not in freed:
                continue
            keys = row.keys()
            if self.job.keys.line_of(keys.who) != row.line:
                self.report.file_changed = True  # the file is not the one checked: leave the rest alone
                return
            decision = decide(journal, self.job.keys, row, keys)
            if isinstance(decision, Settled):
                journal.seen(decision.entry.bill_id, row.line)
                self.report.already_settled += 1
                self._shown("earlier runs")
            elif isinstance(decision, Report):
                if decision.bill_id is not None:
                    journal.seen(decision.bill_id, row.line)
                self._record(row, decision.bill_id, decision.outcome, None, decision.message)
            elif isinstance(decision, Check):
                journal.seen(decision.entry.bill_id, row.line)
                yield _Job(row, keys, decision.entry.bill_id, None, check=decision.entry)
            else:
                job = self._send(row, keys, decision)
                if job is not None:
                    yield job
        self.first_pass = False

    def _send(self, row: Row, keys: Keys, decision: Send) -> _Job | None:
        """The send job of a row, journaled before it is handed out; None if the row no longer passes its checks
        (the file changed, or a day passed its expiry): recorded as failed, nothing sent."""
        bill_id = decision.bill_id or new_bill_id()
        try:
            write = _send_of(self.job.config, row, bill_id, self.job.callback_url)
        except ValidationError as exc:
            self.report.errors[type(exc).__name__] += 1
            self._record(row, decision.bill_id, "failed", None, f"not sent: {exc}", exc)
            return None
        if decision.retire is not None:
            self.journal.replace(decision.retire)
        self.journal.begin(bill_id, keys, _amount(row.price), row.line)
        attempts = tuple(self.journal.attempts(bill_id)) if decision.resumed else ()
        return _Job(row, keys, bill_id, write, decision.resumed, attempts)

    def finish(self, job: _Job, result: SentBill | BillStatus | PaySsamError) -> None:
        """Record what a job found, in the results, then in the journal."""
        if job.check is not None:
            self._checked(job, job.check, result)
            return
        outcome, message = _send_outcome(job, result)
        short_url = result.short_url if isinstance(result, SentBill) else None
        error = result if isinstance(result, PaySsamError) else None
        if error is not None and outcome in ("failed", "unknown"):
            self.report.errors[type(error).__name__] += 1
        # The result line first: a kill before the journal's entry is settled only means the row is settled
        # again next run (read back, never sent twice), while its line is never missing from the results.
        self._record(job.row, job.bill_id, outcome, short_url, message, error)
        if outcome == "changed":  # the bill holds one of the row's versions, which one unknown
            self.journal.finish(job.bill_id, "sent", _UNKNOWN_CONTENT)
        else:
            self.journal.finish(job.bill_id, outcome)

    def _checked(self, job: _Job, entry: Entry, found: SentBill | BillStatus | PaySsamError) -> None:
        """The earlier bill of a changed row, read: destroyed or cancelled frees the row (sent anew in the next
        pass); unpaid or paid with the row back as it was sent settles it again; otherwise it stays `changed`."""
        state = found.state if isinstance(found, BillStatus) else None
        if state in (BillState.DESTROYED, BillState.CANCELLED):
            self.journal.replace(entry.bill_id)
            if job.row.bill_id != entry.bill_id:
                self.freed.add(job.row.line)
                return
            message = (
                f"bill {entry.bill_id} is {state.name}: to bill this row again, give the row a new bill_id (or none)"
            )
            self._record(job.row, entry.bill_id, "changed", None, message)
            return
        if isinstance(found, BillNotFoundError) and entry.state not in (*SETTLED, "changed"):
            message = (
                f"bill {entry.bill_id}, an earlier send of this row, may still land: run again later to settle it "
                "before the row can be sent under another id"
            )
            self.report.errors[type(found).__name__] += 1
            self._record(job.row, entry.bill_id, "unknown", None, message, found)
            return
        same_bill = (job.row.bill_id or entry.bill_id) == entry.bill_id
        if state is not None and same_bill and job.keys.content == entry.content:
            self.journal.mark(entry.bill_id, "sent")  # the row is back as its bill was sent
            self.report.already_settled += 1
            self._shown("earlier runs")
            return
        if state is not None:
            self.journal.mark(entry.bill_id, "changed")
        self._record(job.row, entry.bill_id, "changed", None, _changed_message(job.row, entry, found))

    def _record(
        self,
        row: Row,
        bill_id: str | None,
        outcome: str,
        short_url: str | None,
        message: str,
        error: PaySsamError | None = None,
    ) -> None:
        record = {
            "line": row.line,
            "bill_id": bill_id,
            "outcome": outcome,
            "short_url": short_url,
            "error": None if error is None else type(error).__name__,
            "message": message,
        }
        self.writer.write(record)
        self.report.outcomes[outcome] += 1
        self._shown(outcome)

    def _shown(self, label: str) -> None:
        if self.progress is not None:
            self.progress.update(label)

    def close(self) -> BatchReport:
        """Close the files; the report with the bills of rows no longer in the file."""
        try:
            if not self.report.file_changed:
                for entry in self.journal.missing():
                    self.report.missing_count += 1
                    if len(self.report.missing) < MAX_MISSING:
                        self.report.missing.append((entry.bill_id, entry.state))
            if Stamp.of(self.job.path) != self.job.stamp:
                self.report.file_changed = True
        finally:
            self.writer.close()
            self.journal.close()
            self.job.close()
        return self.report


def _amount(price: str) -> str:
    """A valid price as its amount in won, without leading zeros: the form the journal compares."""
    return str(int(validation.price(price)))


def _send_outcome(job: _Job, result: SentBill | BillStatus | PaySsamError) -> tuple[str, str]:
    """A send's outcome for the results, given which versions of the row earlier sends carried."""
    price = _amount(job.row.price)
    if isinstance(result, SentBill):
        if not result.recovered:
            return "sent", result.message
        if {content for content, _ in job.attempts} <= {job.keys.content}:
            return "recovered", "the answer was lost; a read-back proved the bill exists"
        return "changed", (  # which version landed is unknown: an unpaid bill's read shows no amount
            f"bill {job.bill_id} exists, but an earlier send of this row carried other content (an amount or "
            "details since changed) and a read cannot tell which landed: check it (payssam read); destroy it if "
            "unpaid or cancel it if paid, then run again to bill the row as it is now"
        )
    if isinstance(result, OutcomeUnknownError):
        return "unknown", f"{result}; run again later to settle it (never under a new id)"
    if isinstance(result, DuplicateBillIdError) and any(paid != price for _, paid in job.attempts):
        return "changed", (
            f"bill {job.bill_id} holds an earlier version of this row at another amount: the customer is not "
            "billed again; destroy it (unpaid) or cancel it (paid), then run again to bill the row as it is now"
        )
    if isinstance(result, PaySsamError):
        return "failed", str(result)
    return "failed", "the send answered with a read"


def _changed_message(row: Row, entry: Entry, found: SentBill | BillStatus | PaySsamError) -> str:
    """What a changed row's operator sees: the bill, its state, and what to do."""
    price = _amount(row.price)
    was = f" (sent at {int(entry.price):,} won, now {int(price):,})" if entry.price != price else ""
    if isinstance(found, BillStatus):
        state = found.state
        if state is BillState.PAID:
            act = f"cancel it (payssam cancel {entry.bill_id} {entry.price})"
        elif state is BillState.UNPAID:
            act = f"destroy it (payssam destroy {entry.bill_id} {entry.price})"
        else:
            act = "give the row a new bill_id (or none)"
        seen = f"it is {state.name}"
    else:
        act = "destroy it if unpaid or cancel it if paid"
        seen = f"reading it failed ({type(found).__name__})"
    return (
        f"bill {entry.bill_id} was sent for this row with other content{was}; {seen}; the customer is not billed "
        f"again: {act}, then run again to bill the row as it is now"
    )


def run_sync(runner: SyncRunner, job: Batch, progress: Progress | None) -> BatchReport:
    """Send every row that needs it with the blocking client's threads; a second pass sends rows freed by a check."""
    run = _open(job, progress)
    try:

        def work(item: _Job) -> SentBill | BillStatus | PaySsamError:
            if item.write is None:
                return runner.read(item.bill_id)
            time.sleep(run.rate.delay())
            return runner.send(item.write, resumed=item.resumed)

        while True:
            for done, result in runner.map(run.jobs(), work, job.concurrency):
                run.finish(done, result)
            if not run.freed or run.report.file_changed:
                break
    finally:
        report = run.close()
    return report


async def run_async(runner: AsyncRunner, job: Batch, progress: Progress | None) -> BatchReport:
    """Send every row that needs it with the awaitable client's tasks; a second pass sends rows freed by a check."""
    import asyncio  # only for an async run, never for --help

    run = _open(job, progress)
    try:

        async def work(item: _Job) -> SentBill | BillStatus | PaySsamError:
            if item.write is None:
                return await runner.read(item.bill_id)
            await asyncio.sleep(run.rate.delay())
            return await runner.send(item.write, resumed=item.resumed)

        while True:
            async for done, result in runner.map(run.jobs(), work, job.concurrency):
                run.finish(done, result)
            if not run.freed or run.report.file_changed:
                break
    finally:
        report = run.close()
    return report


def _open(job: Batch, progress: Progress | None) -> _Run:
    try:
        return _Run(job, progress)
    except BaseException:
        job.close()
        raise
