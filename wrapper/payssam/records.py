"""The files bulk work writes and resumes from: one JSON object per line, each line's write flushed at once.

A run killed at any moment (SIGINT, SIGKILL) leaves at most one cut-off last line, which the next
run drops before appending; everything flushed before the kill is in the kernel and survives it.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from .errors import ValidationError


def path_argument(name: str, value: object) -> Path:
    """A path argument (a non-empty str or a Path); anything else is a ValidationError naming it."""
    if isinstance(value, str | Path) and str(value):
        return Path(value)
    problem = "must not be empty" if isinstance(value, str) else f"must be a path, not {type(value).__name__}"
    raise ValidationError(name, problem)


def optional_path(name: str, value: object) -> Path | None:
    """A path argument that may be left out (None)."""
    return None if value is None else path_argument(name, value)


@contextmanager
def open_source(path: Path) -> Iterator[IO[str]]:
    """An input file opened as UTF-8 text (a byte order mark allowed); a file that can't be read or decoded,
    or a CSV that can't be parsed, is a ValidationError naming the file, however far into it."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ValidationError("file", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    with stream:
        try:
            yield stream
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ValidationError("file", f"is not a UTF-8 text or CSV file ({type(exc).__name__})") from None


def repair(path: Path) -> None:
    """Drop a last line cut off by a kill (no newline at its end), so appending starts on a line of its own."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - 1))
        if stream.read(1) == b"\n":
            return
        stream.seek(0)
        data = stream.read()
        stream.truncate(data.rfind(b"\n") + 1)


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Every whole JSON object of a JSONL file, one at a time; a last line cut off by a kill is not one.

    A line that is not a JSON object anywhere else means the file is not ours: ValidationError naming it.
    """
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for number, text in enumerate(stream, start=1):
            if not text.endswith("\n"):
                return  # cut off by a kill; the next Writer drops it
            if not text.strip():
                continue
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict) or not isinstance(loaded.get("line"), int):
                raise ValidationError("output", f"{path.name} line {number} is not a result line of this tool")
            yield loaded


class Writer:
    """Appends records to a JSONL file, and to a CSV file of the same records when one is asked for."""

    def __init__(self, path: Path, columns: Sequence[str], csv_path: Path | None = None) -> None:
        repair(path)
        self.path = path
        self._jsonl: IO[str] = path.open("a", encoding="utf-8")
        self._csv_file: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None
        if csv_path is not None:
            repair(csv_path)
            fresh = not csv_path.exists() or csv_path.stat().st_size == 0
            self._csv_file = csv_path.open("a", encoding="utf-8", newline="")
            self._csv = csv.DictWriter(self._csv_file, fieldnames=list(columns), extrasaction="ignore")
            if fresh:
                self._csv.writeheader()

    def write(self, record: Mapping[str, Any]) -> None:
        """One record, flushed: a kill after this returns cannot lose it.

        The CSV line goes first: the JSONL file is what a re-run resumes from, so a kill between the two
        can repeat a CSV line (the later one counts) but never lose one.
        """
        if self._csv is not None and self._csv_file is not None:
            self._csv.writerow({k: "" if v is None else v for k, v in record.items()})
            self._csv_file.flush()
        self._jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._jsonl.flush()

    def close(self) -> None:
        self._jsonl.close()
        if self._csv_file is not None:
            self._csv_file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class LineSet:
    """Which input lines are done, one bit each: a million lines cost 125 kB, so resuming stays lean."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, line: int) -> None:
        index, bit = divmod(line, 8)
        if index >= len(self._bits):
            self._bits.extend(bytes(index - len(self._bits) + 1))
        self._bits[index] |= 1 << bit

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int):
            return False
        index, bit = divmod(line, 8)
        return index < len(self._bits) and bool(self._bits[index] & (1 << bit))
