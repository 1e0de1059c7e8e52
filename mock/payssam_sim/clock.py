"""Simulated time: the real time plus an offset that tests move forward, in Korea's time zone (UTC+9, no DST).

The clock runs: untouched, it reads as the real time, so ordinary tests see ordinary time. advance() and set()
move it forward; it never goes backwards (only reset() takes it back to where it started). Moving it runs, in
order and before returning, whatever the schedule attached to it (the approval callbacks' retries) has due on
the way, the clock standing still at each one's instant while it runs, so an advance of 25 hours makes every
hourly retry in it, exactly an hour apart, with no real waiting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Protocol

KST = timezone(timedelta(hours=9), "KST")
MAX_STEP = timedelta(days=3650)
"""The longest single move (advance, set or a delivery delay): ten years."""
LATEST = datetime(9000, 1, 1, tzinfo=KST)
"""The clock stays before this, far inside what datetime can hold (a retry or a delay is added to any instant)."""
BUSY = "a callback receiver cannot move the clock while the simulator makes scheduled attempts (it would wait on them)"
"""Why a receiver's move of the clock is refused (RuntimeError; HTTP 409 from POST /_sim/clock)."""
_running: ContextVar[object | None] = ContextVar("payssam_sim_running", default=None)
"""The clock whose scheduled events the current context is running (a move, the retry worker), if any."""
_DURATION = re.compile(
    r"P(?:(?P<days>[0-9]+)D)?(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+(?:\.[0-9]+)?)S)?)?"
)


class Schedule(Protocol):
    """What the clock runs as it moves: events due at instants of simulated time."""

    def run_until(self, when: datetime, forward: Callable[[datetime], None]) -> None:
        """Bring time to `when` with forward(), stopping at each event due on the way (in order) to run it."""


def kst_now() -> datetime:
    """The real time in Korea."""
    return datetime.now(KST)


def duration(value: object, name: str = "duration") -> timedelta:
    """A span of time from seconds (a JSON number, not a boolean) or an ISO 8601 duration ("PT25H", "P1DT2H30M",
    "PT0.5S"; days, hours, minutes, seconds): not negative, at most ten years. ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | timedelta):
        raise ValueError(f"{name}: must be seconds or an ISO 8601 duration such as PT25H")
    if isinstance(value, timedelta):
        span = value
    elif isinstance(value, str):
        text = value.strip().upper()
        match = _DURATION.fullmatch(text)
        if match is None or text.endswith("T") or not any(match.groupdict().values()):
            raise ValueError(f"{name}: is not an ISO 8601 duration such as PT25H, P1D or PT90S")
        parts = {unit: float(amount) for unit, amount in match.groupdict().items() if amount is not None}
        span = _bounded(name, lambda: timedelta(**parts))
    else:
        span = _bounded(name, lambda: timedelta(seconds=value))
    if span < timedelta(0):
        raise ValueError(f"{name}: must not be negative (time never goes backwards)")
    if span > MAX_STEP:
        raise ValueError(f"{name}: must be at most {MAX_STEP.days} days")
    return span


def _bounded(name: str, make: Callable[[], timedelta]) -> timedelta:
    """The span, or ValueError when it is not a finite number datetime can hold."""
    try:
        return make()
    except (OverflowError, ValueError):
        raise ValueError(f"{name}: must be a finite number of seconds") from None


def instant(text: object, name: str = "set") -> datetime:
    """An ISO 8601 date and time with its offset ("2026-12-31T23:59:59+09:00", or "Z"), in KST; a time without an
    offset is refused, since it could mean any zone."""
    if not isinstance(text, str):
        raise ValueError(f"{name}: must be an ISO 8601 date and time such as 2026-12-31T23:59:59+09:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: is not an ISO 8601 date and time such as 2026-12-31T23:59:59+09:00") from None
    return aware(when, name)


def aware(when: datetime, name: str = "when") -> datetime:
    """The instant in KST; a naive datetime is refused (ValueError), since it could mean any zone, anything but a
    datetime too (TypeError)."""
    if not isinstance(when, datetime):
        raise TypeError(
            f"{name}: must be an aware datetime such as datetime(2026, 12, 31, tzinfo=KST), not "
            f"{type(when).__name__} (POST /_sim/clock takes ISO 8601 text)"
        )
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name}: needs a time zone offset (e.g. +09:00): a time without one could mean any zone")
    try:
        return when.astimezone(KST)
    except OverflowError:
        raise ValueError(f"{name}: must be before {LATEST.year}") from None


def _before_latest(when: datetime, name: str) -> datetime:
    if when >= LATEST:
        raise ValueError(f"{name}: the simulated time must stay before {LATEST.year}")
    return when


class Clock:
    """The simulator's time: now() in KST, moved forward by advance() and set(), back to its start by reset().

    start: the instant it reads when created (and again after reset()); None for the real time. It runs on from
    there with real time. A Schedule attached to it (the callback deliveries) runs its due events as it moves:
    during a move time stands still at each event's instant while the event runs (a receiver reading the clock
    sees that instant), then the clock runs on from the target. One move at a time; a callback receiver called
    while scheduled events run (a move, or the retry worker making a retry) cannot move it: RuntimeError, since
    the move would wait on the very run that called it.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = None if start is None else _before_latest(aware(start, "start"), "start")
        self._lock = threading.Lock()
        self._moving = threading.Lock()
        self._offset = timedelta(0)
        self._held: datetime | None = None
        """While a move runs: the instant the clock stands at."""
        self._schedule: Schedule | None = None
        self.reset()

    def attach(self, schedule: Schedule) -> None:
        """Run `schedule`'s due events whenever the clock is moved."""
        self._schedule = schedule

    def now(self) -> datetime:
        """The simulated time, aware, in KST."""
        with self._lock:
            return self._held if self._held is not None else kst_now() + self._offset

    def advance(self, by: float | timedelta | str) -> datetime:
        """Move forward by `by` (seconds, a timedelta or an ISO 8601 duration such as "PT25H", not negative), running
        what falls due on the way; the new now. TypeError for anything else (ValueError for a boolean, as in a
        POST /_sim/clock body)."""
        if not isinstance(by, int | float | timedelta | str):
            raise TypeError(
                "advance: must be seconds (a number), a timedelta or an ISO 8601 duration such as 'PT25H', not "
                f"{type(by).__name__}"
            )
        span = duration(by, "advance")
        return self._travel(lambda now: _before_latest(now + span, "advance"))

    def set(self, when: datetime) -> datetime:
        """Move forward to `when` (an aware datetime; naive or earlier than now: ValueError; not a datetime:
        TypeError), running what falls due on the way; the new now."""
        target = aware(when, "set")

        def checked(now: datetime) -> datetime:
            if target < now:
                raise ValueError(
                    f"set: {target.isoformat()} is before the simulated now {now.isoformat()} "
                    "(time never goes backwards)"
                )
            if target - now > MAX_STEP:
                raise ValueError(f"set: must be at most {MAX_STEP.days} days ahead")
            return _before_latest(target, "set")

        return self._travel(checked)

    def reset(self) -> None:
        """Back to the start: the instant given when created, or the real time. The only move backwards."""
        with self._lock:
            self._offset = timedelta(0) if self._start is None else self._start - kst_now()
            if self._held is not None:
                self._held = kst_now() + self._offset

    def forward(self, when: datetime) -> None:
        """Move to `when` if it is later than now, running nothing (the schedule calls this between its events)."""
        with self._lock:
            if self._held is not None:
                self._held = max(self._held, when)
            else:
                self._offset = max(self._offset, when - kst_now())

    @contextmanager
    def running(self) -> Iterator[None]:
        """Mark the current context as running this clock's scheduled events: a move from it, or from a receiver's
        thread started in a copy of it, is refused (it would wait on the run that called it)."""
        token = _running.set(self)
        try:
            yield
        finally:
            _running.reset(token)

    def _travel(self, target_of: Callable[[datetime], datetime]) -> datetime:
        """Hold the clock at now, move it to target_of(now) through the schedule's events, then let it run on."""
        if _running.get() is self:
            raise RuntimeError(BUSY)
        with self._moving, self.running():
            try:
                with self._lock:
                    start = kst_now() + self._offset
                    target = target_of(start)
                    self._held = start
                if self._schedule is None:
                    self.forward(target)
                else:
                    self._schedule.run_until(target, self.forward)
            finally:
                with self._lock:
                    if self._held is not None:
                        self._offset = self._held - kst_now()
                        self._held = None
        return self.now()
