"""send-batch's journal: which bill id each row of a file has, and what became of every send of it.

A SQLite file beside the results (`<output>.journal`), created by send-batch and refused if it is not
ours. A row's bill id is written before its first send and never changes, so whatever a kill, a lost
answer or an edit of the file does, a customer's row can only ever be billed under that one id, which
PaySsam will not accept twice. Each send begun is recorded with a fingerprint of what it carried, so a
later run can tell which version of a row may have landed. WAL mode: every commit survives a kill of the
process; EXCLUSIVE locking: a second run on the same output is refused instead of racing the first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ._errors import ValidationError

FORMAT = "payssam send-batch journal 2"
LIVE = ("sending", "sent", "recovered", "unknown", "changed")
"""States of a row whose bill exists or may exist at PaySsam (`changed`: its row changed after it was sent, and
the bill is read again on every run until it is destroyed, cancelled, or matches the row again)."""
SETTLED = ("sent", "recovered")

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    bill_id TEXT PRIMARY KEY,
    who BLOB NOT NULL,
    phone_name BLOB NOT NULL,
    phone_product BLOB NOT NULL,
    name_product BLOB NOT NULL,
    content BLOB NOT NULL,
    price TEXT NOT NULL,
    state TEXT NOT NULL,
    line INTEGER NOT NULL,
    seen INTEGER NOT NULL
);
CREATE UNIQUE INDEX rows_live_who ON rows(who) WHERE state != 'replaced';
CREATE INDEX rows_phone_name ON rows(phone_name);
CREATE INDEX rows_phone_product ON rows(phone_product);
CREATE INDEX rows_name_product ON rows(name_product);
CREATE TABLE attempts (bill_id TEXT NOT NULL, content BLOB NOT NULL, price TEXT NOT NULL);
CREATE INDEX attempts_bill ON attempts(bill_id);
"""


@dataclass(frozen=True, slots=True)
class Keys:
    """What identifies a row (who: phone, customer name and product) and what it says (content), as digests.

    The three pairs find a row whose phone, name or product alone was corrected since it was sent.
    """

    who: bytes
    phone_name: bytes
    phone_product: bytes
    name_product: bytes
    content: bytes


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the journal: a bill id and the last send of it."""

    bill_id: str
    who: bytes
    content: bytes
    price: str
    state: str
    line: int
    seen: int


_COLUMNS = "bill_id, who, content, price, state, line, seen"


def _entry(row: tuple[str, bytes, bytes, str, str, int, int]) -> Entry:
    return Entry(*row)


class Journal:
    """The journal of one output, open for this run (its number counts the runs)."""

    def __init__(self, connection: sqlite3.Connection, run: int, *, writable: bool) -> None:
        self._db = connection
        self.run = run
        self.writable = writable

    @staticmethod
    def check(path: Path) -> None:
        """An existing journal must be ours; a missing one is fine (made by the first run)."""
        if path.exists() or path.is_symlink():
            _check_ours(path)

    @classmethod
    def open(cls, path: Path, *, writable: bool) -> Journal | None:
        """The journal at path: created when writable and missing; None when only read and missing.

        An existing file is first read (as an immutable file, so nothing at all is written) and must be a
        journal of this format; only then is it opened for this run, which takes its lock.
        """
        exists = path.exists()
        if exists:
            _check_ours(path)
        elif not writable:
            return None
        elif Path(f"{path}-wal").exists():
            raise ValidationError("output", f"{path}-wal exists without its journal: move it away first")
        try:
            db = sqlite3.connect(path, timeout=0, isolation_level=None)
            if not exists:  # the schema and the format go into the main file before WAL is switched on
                db.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('format', ?), ('runs', '0')", (FORMAT,))
                db.execute("COMMIT")
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("BEGIN IMMEDIATE")  # takes the lock now: a second run is refused here
            if writable:
                db.execute("UPDATE meta SET value = value + 1 WHERE name = 'runs'")
            (runs,) = db.execute("SELECT value FROM meta WHERE name = 'runs'").fetchone()
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise ValidationError("output", f"{path} is in use by another payssam send-batch run") from None
            raise ValidationError("output", f"{path} cannot be used as a journal: {exc}") from None
        return cls(db, int(runs) + (0 if writable else 1), writable=writable)

    def close(self) -> None:
        self._db.close()

    def by_id(self, bill_id: str) -> Entry | None:
        """The entry of this bill id, whatever its state."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM rows WHERE bill_id = ?", (bill_id,)).fetchone()  # noqa: S608
        return None if row is None else _entry(row)

    def live_by_who(self, who: bytes) -> Entry | None:
        """The one entry not replaced for this phone, name and product."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM rows WHERE who = ? AND state != 'replaced'",  # noqa: S608
            (who,),
        ).fetchone()
        return None if row is None else _entry(row)

    def resembling(self, keys: Keys) -> list[Entry]:
        """Entries not replaced that share two of phone, name and product with these keys (a corrected row)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM rows WHERE state != 'replaced' AND "  # noqa: S608
            "(phone_name = ? OR phone_product = ? OR name_product = ?)",
            (keys.phone_name, keys.phone_product, keys.name_product),
        ).fetchall()
        return [_entry(row) for row in rows]

    def attempts(self, bill_id: str) -> list[tuple[bytes, str]]:
        """(content, price) of every send of this bill that may have landed."""
        return self._db.execute("SELECT content, price FROM attempts WHERE bill_id = ?", (bill_id,)).fetchall()

    def begin(self, bill_id: str, keys: Keys, price: str, line: int) -> None:
        """Record, durably, that a send of this row under bill_id begins now (its entry made if new)."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute(
            "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?) ON CONFLICT(bill_id) DO UPDATE SET "
            "who = excluded.who, phone_name = excluded.phone_name, phone_product = excluded.phone_product, "
            "name_product = excluded.name_product, content = excluded.content, price = excluded.price, "
            "state = 'sending', line = excluded.line, seen = excluded.seen",
            (
                bill_id,
                keys.who,
                keys.phone_name,
                keys.phone_product,
                keys.name_product,
                keys.content,
                price,
                line,
                self.run,
            ),
        )
        self._db.execute("INSERT INTO attempts VALUES (?, ?, ?)", (bill_id, keys.content, price))
        self._db.execute("COMMIT")

    def finish(self, bill_id: str, state: str, content: bytes | None = None) -> None:
        """Record a send's outcome (and what the bill holds, when not what was sent last); once settled or refused
        for sure, no earlier send can land any more."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("UPDATE rows SET state = ? WHERE bill_id = ?", (state, bill_id))
        if content is not None:
            self._db.execute("UPDATE rows SET content = ? WHERE bill_id = ?", (content, bill_id))
        if state != "unknown":
            self._db.execute("DELETE FROM attempts WHERE bill_id = ?", (bill_id,))
        self._db.execute("COMMIT")

    def seen(self, bill_id: str, line: int) -> None:
        """This run's file has the row of this entry, at this line."""
        if self.writable:
            self._db.execute("UPDATE rows SET seen = ?, line = ? WHERE bill_id = ?", (self.run, line, bill_id))

    def mark(self, bill_id: str, state: str) -> None:
        """Record what a read of the bill showed about its row (changed, or settled again)."""
        self._db.execute("UPDATE rows SET state = ? WHERE bill_id = ?", (state, bill_id))

    def replace(self, bill_id: str) -> None:
        """The bill was destroyed or cancelled: its row may now be billed under another id."""
        self._db.execute("UPDATE rows SET state = 'replaced' WHERE bill_id = ?", (bill_id,))

    def missing(self) -> Iterator[Entry]:
        """Entries whose bill exists or may exist and whose row this run's file no longer has."""
        marks = ",".join("?" * len(LIVE))
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM rows WHERE seen < ? AND state IN ({marks}) ORDER BY line",  # noqa: S608
            (self.run, *LIVE),
        )
        for row in cursor:
            yield _entry(row)


def _check_ours(path: Path) -> None:
    """An existing journal must be a SQLite file of this format, read as immutable: nothing is written to it."""
    if path.is_symlink() or not path.is_file():
        raise ValidationError("output", f"{path} is not a regular file: it cannot be send-batch's journal")
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
        try:
            found = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        found = None
    if found is None or found[0] != FORMAT:
        raise ValidationError("output", f"{path} was not written by payssam send-batch: name another --output")
