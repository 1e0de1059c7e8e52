"""The command line's client settings and how clients are made from them: shared by every command (cli, review).

Nothing heavy at import time: `payssam --help` loads this module.
"""

from __future__ import annotations

from collections.abc import Callable

from ._cli_common import PROG

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    import httpx

    from ._client import AsyncPaySsam, PaySsam

    Client = TypeVar("Client")


class Settings:
    """What a client needs, gathered from the flags and the environment (its repr leaves the apikey out).

    A plain class, not a dataclass: `payssam --help` does not pay for importing dataclasses.
    """

    __slots__ = ("api_version", "apikey", "base_url", "member", "merchant", "timeout")

    def __init__(
        self,
        *,
        apikey: str,
        member: str,
        merchant: str,
        base_url: str,
        timeout: float | httpx.Timeout | None,
        api_version: int = 1,
    ) -> None:
        self.apikey = apikey
        self.member = member
        self.merchant = merchant
        self.base_url = base_url
        self.timeout = timeout  # None: the SDK's default
        self.api_version = api_version

    def __repr__(self) -> str:
        return (
            f"Settings(member={self.member!r}, merchant={self.merchant!r}, base_url={self.base_url!r}, "
            f"api_version={self.api_version})"
        )


def _options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"api_version": settings.api_version}
    if settings.timeout is not None:
        options["timeout"] = settings.timeout
    return options


def _quietly(make: Callable[[], Client]) -> Client:
    """A client made without API v2's ExperimentalWarning: the command prints its own one-line note instead."""
    import warnings

    from ._errors import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        return make()


def make_client(settings: Settings) -> PaySsam:
    """The client for these settings (one place, so tests can answer offline)."""
    from ._client import PaySsam

    args = (settings.apikey, settings.member, settings.merchant, settings.base_url)
    return _quietly(lambda: PaySsam(*args, **_options(settings)))


def make_async_client(settings: Settings) -> AsyncPaySsam:
    """The awaitable client for these settings (one place, so tests can answer offline)."""
    from ._client import AsyncPaySsam

    args = (settings.apikey, settings.member, settings.merchant, settings.base_url)
    return _quietly(lambda: AsyncPaySsam(*args, **_options(settings)))


V2_NOTE = f"{PROG}: note: PaySsam API v2 support is experimental (see the README's API v2 section)"
