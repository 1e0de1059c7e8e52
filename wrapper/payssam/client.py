"""PaySsam and AsyncPaySsam: the same calls, blocking or awaitable.

Everything but the send itself lives in operations (request, parsing) and in
_ClientBase (configuration, logging, error mapping), so the two cannot drift.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date
from types import TracebackType
from typing import Self, TypeVar

import httpx

from payssam_api_client import Client as GeneratedClient

from . import operations
from .config import DEFAULT_TIMEOUT, Config, Timeout, make_config, settings_from_env
from .errors import TransportError, TransportTimeoutError
from .hashing import DEFAULT_DIGEST, Digest
from .operations import Call
from .redaction import redact
from .results import BillStatus, Cancellation, Destruction, Resend, SentBill

logger = logging.getLogger("payssam")
logger.addHandler(logging.NullHandler())

Result = TypeVar("Result")


class _ClientBase:
    """Configuration, logging and error mapping shared by both clients."""

    _config: Config
    _api: GeneratedClient
    _owns_http: bool
    _closed: bool

    def _setup(
        self,
        apikey: str,
        member: str,
        merchant: str,
        base_url: str,
        timeout: Timeout,
        digest: Digest,
    ) -> None:
        self._config = make_config(apikey, member, merchant, base_url, timeout, digest)
        self._api = GeneratedClient(base_url=self._config.base_url, timeout=self._config.timeout)
        self._closed = False

    @property
    def base_url(self) -> str:
        """Where requests go."""
        return self._config.base_url

    @property
    def member(self) -> str:
        """The partner's user code."""
        return self._config.member

    @property
    def merchant(self) -> str:
        """The partner's store code."""
        return self._config.merchant

    def __repr__(self) -> str:
        cfg = self._config
        return (
            f"{type(self).__name__}(member={cfg.member!r}, merchant={cfg.merchant!r}, "
            f"base_url={cfg.base_url!r}, apikey={cfg.apikey!r})"
        )

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")

    @staticmethod
    def _before(call: Call[Result]) -> float:
        logger.debug("payssam %s bill_id=%s: sending", call.operation, call.bill_id)
        return time.perf_counter()

    @staticmethod
    def _after(call: Call[Result], started: float, response: httpx.Response) -> Result:
        logger.debug(
            "payssam %s bill_id=%s: HTTP %d in %.0f ms",
            call.operation,
            call.bill_id,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return call.parse(response.status_code, response.content)

    def _transport_error(self, call: Call[Result], exc: httpx.HTTPError) -> TransportError:
        kind = TransportTimeoutError if isinstance(exc, httpx.TimeoutException) else TransportError
        logger.debug("payssam %s bill_id=%s: %s", call.operation, call.bill_id, type(exc).__name__)
        detail = redact(f"{type(exc).__name__}: {exc}", self._config.secrets)
        return kind(f"{call.operation} got no answer from {self._config.base_url}: {detail}")


class PaySsam(_ClientBase):
    """Blocking client for the PaySsam partner API v1."""

    def __init__(
        self,
        apikey: str,
        member: str,
        merchant: str,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
        digest: Digest = DEFAULT_DIGEST,
    ) -> None:
        self._setup(apikey, member, merchant, base_url, timeout, digest)
        self._owns_http = http_client is None
        if http_client is not None:
            self._api.set_httpx_client(http_client)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
        digest: Digest = DEFAULT_DIGEST,
    ) -> Self:
        """Configure from PAYSSAM_APIKEY, PAYSSAM_MEMBER, PAYSSAM_MERCHANT and PAYSSAM_BASE_URL."""
        return cls(**settings_from_env(environ), timeout=timeout, http_client=http_client, digest=digest)

    def read_bill(self, bill_id: str) -> BillStatus:
        """A bill's payment state."""
        return self._send(operations.read(self._config, bill_id))

    def cancel_bill(self, bill_id: str, price: int | str) -> Cancellation:
        """Cancel a paid bill's approval; price is the paid amount in won."""
        return self._send(operations.cancel(self._config, bill_id, price))

    def send_bill(
        self,
        bill_id: str,
        price: int | str,
        *,
        phone: str,
        customer_name: str,
        product_name: str,
        callback_url: str,
        message: str | None = None,
        issuer: str | None = None,
        expires_on: date | None = None,
    ) -> SentBill:
        """Create a bill and send it to the customer's phone by KakaoTalk; the answer has its short URL."""
        return self._send(
            operations.send(
                self._config,
                bill_id,
                price,
                phone=phone,
                customer_name=customer_name,
                product_name=product_name,
                callback_url=callback_url,
                message=message,
                issuer=issuer,
                expires_on=expires_on,
            )
        )

    def resend_bill(self, bill_id: str) -> Resend:
        """Send an unpaid bill's KakaoTalk message again."""
        return self._send(operations.resend(self._config, bill_id))

    def destroy_bill(self, bill_id: str, price: int | str) -> Destruction:
        """Destroy an unpaid bill so it can no longer be paid; price is the bill's price in won."""
        return self._send(operations.destroy(self._config, bill_id, price))

    def _send(self, call: Call[Result]) -> Result:
        self._check_open()
        started = self._before(call)
        try:
            response = self._api.get_httpx_client().request(**call.request)
        except httpx.HTTPError as exc:
            raise self._transport_error(call, exc) from exc
        return self._after(call, started, response)

    def close(self) -> None:
        """Release the connection pool (a client passed in by the caller stays open)."""
        if not self._closed and self._owns_http:
            self._api.get_httpx_client().close()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncPaySsam(_ClientBase):
    """Awaitable client for the PaySsam partner API v1."""

    def __init__(
        self,
        apikey: str,
        member: str,
        merchant: str,
        base_url: str,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
        digest: Digest = DEFAULT_DIGEST,
    ) -> None:
        self._setup(apikey, member, merchant, base_url, timeout, digest)
        self._owns_http = http_client is None
        if http_client is not None:
            self._api.set_async_httpx_client(http_client)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
        digest: Digest = DEFAULT_DIGEST,
    ) -> Self:
        """Configure from PAYSSAM_APIKEY, PAYSSAM_MEMBER, PAYSSAM_MERCHANT and PAYSSAM_BASE_URL."""
        return cls(**settings_from_env(environ), timeout=timeout, http_client=http_client, digest=digest)

    async def read_bill(self, bill_id: str) -> BillStatus:
        """A bill's payment state."""
        return await self._send(operations.read(self._config, bill_id))

    async def cancel_bill(self, bill_id: str, price: int | str) -> Cancellation:
        """Cancel a paid bill's approval; price is the paid amount in won."""
        return await self._send(operations.cancel(self._config, bill_id, price))

    async def send_bill(
        self,
        bill_id: str,
        price: int | str,
        *,
        phone: str,
        customer_name: str,
        product_name: str,
        callback_url: str,
        message: str | None = None,
        issuer: str | None = None,
        expires_on: date | None = None,
    ) -> SentBill:
        """Create a bill and send it to the customer's phone by KakaoTalk; the answer has its short URL."""
        return await self._send(
            operations.send(
                self._config,
                bill_id,
                price,
                phone=phone,
                customer_name=customer_name,
                product_name=product_name,
                callback_url=callback_url,
                message=message,
                issuer=issuer,
                expires_on=expires_on,
            )
        )

    async def resend_bill(self, bill_id: str) -> Resend:
        """Send an unpaid bill's KakaoTalk message again."""
        return await self._send(operations.resend(self._config, bill_id))

    async def destroy_bill(self, bill_id: str, price: int | str) -> Destruction:
        """Destroy an unpaid bill so it can no longer be paid; price is the bill's price in won."""
        return await self._send(operations.destroy(self._config, bill_id, price))

    async def _send(self, call: Call[Result]) -> Result:
        self._check_open()
        started = self._before(call)
        try:
            response = await self._api.get_async_httpx_client().request(**call.request)
        except httpx.HTTPError as exc:
            raise self._transport_error(call, exc) from exc
        return self._after(call, started, response)

    async def close(self) -> None:
        """Release the connection pool (a client passed in by the caller stays open)."""
        if not self._closed and self._owns_http:
            await self._api.get_async_httpx_client().aclose()
        self._closed = True

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
