"""Reading the bulk commands' input files: streamed, every line bounded, never written.

A file is read line by line with a bound on each line, so neither a huge line nor a file with no line
breaks at all (/dev/zero) can hold more than one line in memory; a file is read twice by the commands
that check before they act, so it must be a regular file.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ._errors import ValidationError

MAX_LINE = 65_536
"""The longest input line accepted, in characters; a longer one is refused, naming its line."""


def path_argument(name: str, value: object) -> Path:
    """A path argument (a non-empty str or a Path); anything else is a ValidationError naming it."""
    if isinstance(value, str | Path) and str(value) and "\0" not in str(value):
        return Path(value)
    if isinstance(value, str):
        problem = "must not be empty" if not value else "must not contain a NUL character"
    else:
        problem = f"must be a path, not {type(value).__name__}"
    raise ValidationError(name, problem)


def optional_path(name: str, value: object) -> Path | None:
    """A path argument that may be left out (None)."""
    return None if value is None else path_argument(name, value)


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a file is at one moment (device, inode, size, modification time): a changed stamp is a changed file."""

    device: int
    inode: int
    size: int
    modified: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        info = path.stat()
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def stamp_input(path: Path, name: str = "file") -> Stamp:
    """The input's stamp; it must be a regular file that can be read (checked, then read again to act on it)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ValidationError(name, f"{path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ValidationError(name, f"{path} is {kind}: give a regular file (it is read twice: checked, then used)")
    if not os.access(path, os.R_OK):
        raise ValidationError(name, f"{path} cannot be read: permission denied")
    return Stamp(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class Lines:
    """The lines of an open binary stream as UTF-8 text, each at most MAX_LINE characters; counts them as it goes.

    Each line is decoded on its own, so a byte that is not UTF-8 is reported on its own line.
    """

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline(4 * MAX_LINE + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if self.number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if len(raw) > 4 * MAX_LINE:
                self._too_long()
            raise ValidationError("file", f"{self._name} line {self.number} is not UTF-8 text") from None
        if len(text) > MAX_LINE and not (len(text) == MAX_LINE + 1 and text.endswith("\n")):
            self._too_long()
        if len(raw) > 4 * MAX_LINE and not raw.endswith(b"\n"):
            self._too_long()
        if "\0" in text:
            raise ValidationError("file", f"{self._name} line {self.number} holds a NUL character: not a text file")
        return text

    def _too_long(self) -> None:
        raise ValidationError("file", f"{self._name} line {self.number} is longer than {MAX_LINE:,} characters")


@contextmanager
def open_lines(path: Path) -> Iterator[Lines]:
    """An input file opened read-only as UTF-8 text (a byte order mark allowed), as bounded lines."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ValidationError("file", f"{path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    with stream:
        yield Lines(stream, path.name)


def csv_records(lines: Lines) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, its cells) for every record of a CSV text; a malformed one is refused."""
    reader = csv.reader(lines)
    while True:
        start = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationError("file", f"line {start} is not valid CSV ({exc})") from None
        yield start, cells
