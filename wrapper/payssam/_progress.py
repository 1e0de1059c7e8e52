"""Progress of bulk work: a live bar on a terminal (tqdm), plain periodic lines otherwise or with --json.

tqdm is imported here only, when a bulk command shows a bar, so `import payssam` never loads it.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from types import TracebackType
from typing import IO, Any, Self

PLAIN_EVERY = 2.0
"""Seconds between plain progress lines."""


class Progress:
    """done/total, rate, ETA and counts by outcome, updated once per finished item."""

    def __init__(self, label: str, total: int, *, bar: bool, stream: IO[str] | None = None, done: int = 0) -> None:
        self.label = label
        self.total = total
        self.done = done
        self.counts: Counter[str] = Counter()
        self._stream = stream or sys.stderr
        self._started = time.monotonic()
        self._start_done = done
        self._last = 0.0
        self._bar: Any = None
        if bar:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=label, unit="bill", file=self._stream, dynamic_ncols=True)

    def update(self, outcome: str) -> None:
        """One more item finished with this outcome."""
        self.done += 1
        self.counts[outcome] += 1
        if self._bar is not None:
            self._bar.update(1)
            if self.done % 50 == 0 or self.done == self.total:
                self._bar.set_postfix_str(self._summary(), refresh=False)
            return
        now = time.monotonic()
        if now - self._last >= PLAIN_EVERY:
            self._last = now
            self._line()

    def _summary(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in sorted(self.counts.items()))

    def _line(self) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = (self.done - self._start_done) / elapsed
        left = self.total - self.done
        eta = f", ETA {left / rate:.0f} s" if rate > 0 and left > 0 else ""
        percent = 100 * self.done / self.total if self.total else 100.0
        counts = f"; {self._summary()}" if self.counts else ""
        print(
            f"{self.label}: {self.done}/{self.total} ({percent:.0f}%), {rate:.0f}/s{eta}{counts}",
            file=self._stream,
            flush=True,
        )

    def close(self) -> None:
        """The bar's last state, or a last plain line."""
        if self._bar is not None:
            self._bar.set_postfix_str(self._summary(), refresh=True)
            self._bar.close()
        else:
            self._line()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def on_stderr(label: str, total: int, done: int, *, plain: bool = False) -> Progress:
    """Progress on stderr: a live bar on a terminal (unless plain is asked), periodic lines otherwise."""
    return Progress(label, total, bar=sys.stderr.isatty() and not plain, done=done)


def table(rows: list[tuple[str, int]]) -> str:
    """Counts as a small two-column table for people."""
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {count:>8}" for name, count in rows)
