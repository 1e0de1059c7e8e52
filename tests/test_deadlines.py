"""The async attempts' deadlines: one watch per loop cancels what overran, and only that.

Nothing here measures time: each test waits on events and checks what ended how.
"""

from __future__ import annotations

import asyncio
import gc
import weakref

import httpx
import pytest

import payssam
from payssam import _deadlines as deadlines

from kit import APIKEY, MEMBER, MERCHANT, OFFLINE_URL


async def test_only_the_overrunning_attempts_are_cancelled_and_the_watch_stops_when_idle() -> None:
    loop = asyncio.get_running_loop()
    watch = deadlines.for_loop(loop)
    assert deadlines.for_loop(loop) is watch
    release = asyncio.Event()

    async def attempt(seconds: float) -> str:
        task = asyncio.current_task()
        assert task is not None
        watch.start(task, seconds)
        try:
            await release.wait()
        except asyncio.CancelledError:
            return "timed out" if watch.stop(task) and task.uncancel() == 0 else "cancelled"
        return "timed out" if watch.stop(task) else "finished"

    short = [asyncio.create_task(attempt(0.01)) for _ in range(50)]
    long = [asyncio.create_task(attempt(3600)) for _ in range(50)]
    assert set(await asyncio.gather(*short)) == {"timed out"}
    release.set()
    assert set(await asyncio.gather(*long)) == {"finished"}
    # The pending check is due before this sleep ends (the loop runs timers in order of their time):
    # it finds nothing in flight and schedules no other.
    await asyncio.sleep(2 * deadlines.TICK)
    assert watch._ticking is False
    assert watch._due == {}
    assert watch._fired == set()


async def test_many_async_reads_past_their_time_all_end_as_timeouts() -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(never))
    async with payssam.AsyncPaySsam(
        APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http, timeout=0.05, max_retries=0
    ) as client:
        outcomes = await asyncio.gather(*(client.read_bill(f"A{index}") for index in range(20)), return_exceptions=True)
    await http.aclose()
    assert {type(outcome) for outcome in outcomes} == {payssam.TransportTimeoutError}


def test_a_client_used_on_successive_loops_keeps_bounding_its_attempts() -> None:
    """asyncio.run makes a new loop each time: the watch follows the loop, not the client."""

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(never))
    client = payssam.AsyncPaySsam(APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http, timeout=0.05, max_retries=0)
    watches = []
    for _ in range(3):
        with pytest.raises(payssam.TransportTimeoutError):
            asyncio.run(client.read_bill("A1"))
        watches.append(client._last_deadlines)
    assert len({id(watch) for watch in watches}) == 3


def test_a_finished_loop_is_freed_with_its_watch() -> None:
    """The watch is kept per loop but must not keep the loop alive: each asyncio.run would leak one."""

    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    async def read_once(loops: list[weakref.ref[asyncio.AbstractEventLoop]]) -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
        async with payssam.AsyncPaySsam(
            APIKEY, MEMBER, MERCHANT, OFFLINE_URL, http_client=http, max_retries=0
        ) as client:
            with pytest.raises(payssam.PaySsamError):
                await client.read_bill("A1")
        await http.aclose()

    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []
    for _ in range(3):
        asyncio.run(read_once(loops))
    gc.collect()
    assert [loop() for loop in loops] == [None, None, None]
