"""Attempt deadlines on an asyncio loop: one timer per loop checks the attempts in flight.

asyncio.timeout schedules a timer and cancels it on every call; here an attempt only notes its task and
deadline, and a single check every TICK seconds (only while attempts are in flight) cancels the tasks
whose time is up. The attempt turns that cancel into a TimeoutError, as asyncio.timeout does.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

TICK = 0.05
"""Seconds between checks: an attempt ends at most this much after its deadline."""

_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Deadlines] = weakref.WeakKeyDictionary()


class Deadlines:
    """The attempts in flight on one loop (task -> deadline), and those cancelled because theirs passed."""

    __slots__ = ("__weakref__", "_due", "_fired", "_loop", "_ticking")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)  # weak: the loop owns its Deadlines, so both go when the loop does
        self._due: dict[asyncio.Task[Any], float] = {}
        self._fired: set[asyncio.Task[Any]] = set()
        self._ticking = False  # a check is scheduled (its handle is not kept: it refers to the loop)

    def serves(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether these are the deadlines of that loop."""
        return self._loop() is loop

    def start(self, task: asyncio.Task[Any], seconds: float) -> None:
        """The task's attempt must end within `seconds`."""
        loop = task.get_loop()
        self._due[task] = loop.time() + seconds
        if not self._ticking:
            self._ticking = True
            loop.call_later(TICK, self._check)

    def stop(self, task: asyncio.Task[Any]) -> bool:
        """The task's attempt is over; whether its deadline passed (and the task was cancelled for it)."""
        if self._due.pop(task, None) is not None:
            return False
        if task in self._fired:
            self._fired.discard(task)
            return True
        return False

    def _check(self) -> None:
        loop = self._loop()
        if loop is None:
            return
        now = loop.time()
        for task in [task for task, due in self._due.items() if due <= now]:
            del self._due[task]
            self._fired.add(task)
            task.cancel()
        self._ticking = bool(self._due)
        if self._ticking:
            loop.call_later(TICK, self._check)


def for_loop(loop: asyncio.AbstractEventLoop) -> Deadlines:
    """The loop's Deadlines, made on first use and gone with the loop."""
    deadlines = _BY_LOOP.get(loop)
    if deadlines is None:
        deadlines = _BY_LOOP[loop] = Deadlines(loop)
    return deadlines
