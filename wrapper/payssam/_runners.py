"""The seam bulk work reaches a client through: _batch.py, _reconcile.py and the bulk commands use nothing else.

A runner hands out the client's configuration, its pool of workers, exactly-once sends and reads, each
returning its PaySsamError instead of raising it (one failed row or id never stops the others). The
client module makes runners (client.runner, client.async_runner); bulk code never imports it, so the
arrows point one way: client -> bulk -> runners.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from ._config import Config
from ._errors import PaySsamError
from ._results import BillStatus, SentBill
from ._settlement import Write

Item = TypeVar("Item")
Out = TypeVar("Out")


class SyncRunner(Protocol):
    """What bulk work needs of a blocking client."""

    @property
    def config(self) -> Config:
        """The client's credentials, base URL and policies."""
        ...

    def map(self, items: Iterable[Item], work: Callable[[Item], Out], concurrency: int) -> Iterator[tuple[Item, Out]]:
        """(item, work(item)) as each ends, at most `concurrency` at once; items taken only when a worker is free."""
        ...

    def send(self, write: Write[SentBill], *, resumed: bool) -> SentBill | PaySsamError:
        """The send, settled exactly once (resumed: an earlier run may have sent it)."""
        ...

    def read(self, bill_id: str) -> BillStatus | PaySsamError:
        """The bill's state, retried per the client's policy."""
        ...


class AsyncRunner(Protocol):
    """What bulk work needs of an awaitable client."""

    @property
    def config(self) -> Config:
        """The client's credentials, base URL and policies."""
        ...

    def map(
        self, items: Iterable[Item], work: Callable[[Item], Awaitable[Out]], concurrency: int
    ) -> AsyncIterator[tuple[Item, Out]]:
        """(item, await work(item)) as each ends, `concurrency` tasks sharing the items."""
        ...

    async def send(self, write: Write[SentBill], *, resumed: bool) -> SentBill | PaySsamError:
        """The send, settled exactly once (resumed: an earlier run may have sent it)."""
        ...

    async def read(self, bill_id: str) -> BillStatus | PaySsamError:
        """The bill's state, retried per the client's policy."""
        ...
