"""Daemon threads that run sync in-process callback receivers, each call waited on for at most a timeout.

httpx's timeouts bound network I/O only: a receiver called in-process (MockTransport, WSGITransport) is a Python
function nothing can cut short. So it runs in a thread of its own and the caller waits at most the timeout; a call
past it is left to finish on its own, its thread a daemon, so it never holds up the interpreter's exit.

Idle threads are kept for the next call rather than one started per call: on a loaded 2-core machine a thread
started per attempt made an in-process payment 1.5 to 4 times slower, a kept one about 10 % (sim.pay with an
acknowledging MockTransport receiver, measured side by side with and without the thread).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Call(Generic[T]):
    """One call handed to a thread, in a copy of the caller's context, and how it ended."""

    def __init__(self, function: Callable[[], T]) -> None:
        self.function = function
        self.context = contextvars.copy_context()
        self.done = threading.Lock()
        self.done.acquire()
        self.outcome: tuple[T] | None = None
        """(what it returned,) once it returned."""
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.outcome = (self.context.run(self.function),)
        except BaseException as exc:  # the caller's to see, as if the function had run in its own thread
            self.error = exc
        finally:
            self.done.release()


class Workers:
    """Threads for bounded calls: an idle one takes the next call, a new one is started when none is idle (so calls
    made at once, or from inside a call, never wait on each other); close() lets the idle ones end."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[_Call[Any] | None]] = []
        self._closed = False

    def call(self, function: Callable[[], T], seconds: float, late: T) -> T:
        """function() in a worker thread, in a copy of the caller's context: its result (its exception raised here),
        or `late` once `seconds` pass, whatever it returns afterwards."""
        job = _Call(function)
        self._inbox().put(job)
        if not job.done.acquire(timeout=seconds):
            return late
        if job.outcome is None:
            assert job.error is not None
            raise job.error
        return job.outcome[0]

    def close(self) -> None:
        """End the idle threads; a busy one ends once its call returns."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)

    def _inbox(self) -> queue.SimpleQueue[_Call[Any] | None]:
        """An idle thread's inbox, or a new thread's."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        inbox: queue.SimpleQueue[_Call[Any] | None] = queue.SimpleQueue()
        threading.Thread(target=self._serve, args=(inbox,), name=self._name, daemon=True).start()
        return inbox

    def _serve(self, inbox: queue.SimpleQueue[_Call[Any] | None]) -> None:
        """Run the calls put in this inbox, going back to the idle ones after each, until close()."""
        while (job := inbox.get()) is not None:
            job.run()
            with self._lock:
                if self._closed:
                    return
                self._idle.append(inbox)
