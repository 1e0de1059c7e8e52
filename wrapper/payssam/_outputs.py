"""The files the bulk commands write: results as JSONL (and CSV when asked), only files they created.

Every file starts with a header naming what wrote it. An existing output is appended to only when it
starts with exactly that header; anything else (someone's file, an input, a directory, a symlink) is
refused before anything is sent. A run killed at any moment leaves at most one cut-off last line, which
the next run drops, after checking the header, before appending. CSV cells a spreadsheet would run as
a formula are neutralised (OWASP's CSV-injection guidance: a leading quote).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ._errors import ValidationError
from ._inputs import MAX_LINE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet read a cell as a formula (full-width forms too)."""


def safe_cell(value: object) -> str:
    """A CSV cell that opens as text in a spreadsheet: None is empty, a formula-looking text gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def check_outputs(inputs: Sequence[Path], outputs: Mapping[str, Path]) -> None:
    """Refuse, naming the argument, an output that is a directory, a symlink or not a regular file, sits in a
    missing or read-only directory, or is the same file as an input or another output (under any name)."""
    taken: dict[tuple[int, int], str] = {}
    for path in inputs:
        with contextlib.suppress(OSError, ValueError):
            info = path.stat()
            taken[(info.st_dev, info.st_ino)] = f"the input {path}"
    seen: dict[Path, str] = {}
    for name, path in outputs.items():
        try:
            _check_output(name, path, taken, seen)
        except ValidationError:
            raise
        except (OSError, ValueError) as exc:  # a name too long, a NUL, a loop of links: no file can be made there
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ValidationError(name, f"{path} cannot be used: {reason}") from None


def _check_output(name: str, path: Path, taken: dict[tuple[int, int], str], seen: dict[Path, str]) -> None:
    absolute = Path(os.path.abspath(path))
    if absolute in seen:
        raise ValidationError(name, f"{path} is also the {seen[absolute]}")
    seen[absolute] = name
    if path.is_symlink():
        raise ValidationError(name, f"{path} is a symbolic link: name the file itself")
    if path.is_dir():
        raise ValidationError(name, f"{path} is a directory: name a file")
    parent = absolute.parent
    if not parent.is_dir():
        raise ValidationError(name, f"{path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValidationError(name, f"{path}: the directory {parent} is not writable")
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(name, f"{path} is not a regular file (a device or a pipe): name a file")
    clash = taken.get((info.st_dev, info.st_ino))
    if clash is not None:
        raise ValidationError(name, f"{path} is {clash}: a command never writes into its input")
    taken[(info.st_dev, info.st_ino)] = f"the {name}"


def check_ours(path: Path, kind: str, name: str, columns: Sequence[str] | None = None) -> None:
    """An existing output must start with the header this package writes (JSONL of `kind`, or CSV of `columns`);
    checked before anything is sent, and again when the file is opened to append."""
    header = _jsonl_header_bytes(kind) if columns is None else _csv_header_bytes(columns)
    try:
        with path.open("rb") as stream:
            start = stream.read(len(header))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ValidationError(name, f"{path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    if start != header:
        raise ValidationError(
            name, f"{path} was not written by payssam {kind} (its first line differs): name a new file"
        )


def _create(path: Path, header: bytes) -> None:
    """Create path holding only header, atomically: it never exists empty or half-written, and an existing file
    (one that appeared meanwhile included) is never replaced."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(header)
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive creation instead
            with open(path, "xb") as stream:
                stream.write(header)
    finally:
        os.unlink(temporary)


def _adopt(path: Path, header: bytes, name: str, what: str) -> None:
    """Make path ready to append to: created with header if missing; else it must start with header (ours), and a
    last line cut off by a kill is dropped."""
    try:
        _create(path, header)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise ValidationError(name, f"{path} cannot be created: {exc.strerror or type(exc).__name__}") from None
    try:
        with path.open("rb+") as stream:
            if stream.read(len(header)) != header:
                raise ValidationError(
                    name, f"{path} was not written by {what} (its first line differs): name a new file"
                )
            end = stream.seek(0, os.SEEK_END)
            whole = _whole_lines_end(stream, len(header))
            if whole != end:
                stream.truncate(whole)
    except OSError as exc:
        raise ValidationError(name, f"{path} cannot be written: {exc.strerror or type(exc).__name__}") from None


def _whole_lines_end(stream: IO[bytes], start: int) -> int:
    """The offset just after the last newline at or past start (the header's end): where whole lines end."""
    end = stream.seek(0, os.SEEK_END)
    position = end
    while position > start:
        step = min(65_536, position - start)
        stream.seek(position - step)
        chunk = stream.read(step)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            return position - step + cut + 1
        position -= step
    return start


def jsonl_header(kind: str) -> dict[str, object]:
    """The first line of a JSONL file this package writes."""
    return {"payssam": kind, "format": 2}


def _jsonl_header_bytes(kind: str) -> bytes:
    return (json.dumps(jsonl_header(kind)) + "\n").encode("utf-8")


def _csv_header_bytes(columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(columns)
    return buffer.getvalue().encode("utf-8")


def read_records(path: Path, kind: str, name: str = "output") -> Iterator[dict[str, Any]]:
    """Every whole record of a JSONL file of ours, after its header; a missing file has none; a last line cut off by
    a kill is not one. A file that is not ours, or a line that is not a record, is a ValidationError."""
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ValidationError(name, f"{path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    header = _jsonl_header_bytes(kind)
    with stream:
        if stream.read(len(header)) != header:
            raise ValidationError(name, f"{path} was not written by payssam {kind} (its first line differs)")
        number = 1
        while True:
            text = stream.readline(4 * MAX_LINE)
            if not text:
                return
            number += 1
            if not text.endswith(b"\n"):
                if stream.read(1):
                    raise ValidationError(name, f"{path} line {number} is too long to be a result line")
                return  # cut off by a kill; the next Writer drops it
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if not isinstance(loaded, dict) or not isinstance(loaded.get("line"), int):
                raise ValidationError(name, f"{path} line {number} is not a result line of payssam {kind}")
            yield loaded


class Writer:
    """Appends records to a JSONL file of ours, and to a CSV file of the same records when one is asked for."""

    def __init__(
        self, kind: str, path: Path, columns: Sequence[str], csv_path: Path | None = None, *, csv_name: str = "csv"
    ) -> None:
        _adopt(path, _jsonl_header_bytes(kind), "output", f"payssam {kind}")
        if csv_path is not None:
            _adopt(csv_path, _csv_header_bytes(columns), csv_name, f"payssam {kind}")
        self.path = path
        self._columns = list(columns)
        self._jsonl: IO[str] = path.open("a", encoding="utf-8")
        self._csv_file: IO[str] | None = None
        self._csv: Any = None
        if csv_path is not None:
            self._csv_file = csv_path.open("a", encoding="utf-8", newline="")
            self._csv = csv.writer(self._csv_file)

    def write(self, record: Mapping[str, Any]) -> None:
        """One record, flushed: a kill after this returns cannot lose it.

        The CSV line goes first: the JSONL file is what a re-run resumes from, so a kill between the two
        can repeat a CSV line (the later one counts) but never lose one.
        """
        if self._csv is not None and self._csv_file is not None:
            self._csv.writerow([safe_cell(record.get(column)) for column in self._columns])
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
