"""Which wire a client speaks: one module per API version, each with the same calls (the Wire protocol)."""

from __future__ import annotations

from typing import Protocol

from . import _wire_v1, _wire_v2
from ._calls import Call
from ._config import Config
from ._results import BillStatus, Cancellation, Destruction, PointBalance, Resend, SentBill
from ._settlement import Write


class Wire(Protocol):
    """An API version's calls, built and read in its own field names, envelope and codes."""

    VERSION: int

    def read(self, config: Config, bill_id: object) -> Call[BillStatus]: ...

    def send(
        self,
        config: Config,
        bill_id: object,
        price: object,
        *,
        phone: object,
        customer_name: object,
        product_name: object,
        callback_url: object,
        message: object = None,
        issuer: object = None,
        expires_on: object = None,
        send_type: object = None,
        redirect_url: object = None,
    ) -> Write[SentBill]: ...

    def cancel(self, config: Config, bill_id: object, price: object, reason: object = None) -> Write[Cancellation]: ...

    def destroy(self, config: Config, bill_id: object, price: object) -> Write[Destruction]: ...

    def resend(self, config: Config, bill_id: object) -> Call[Resend]: ...

    def points(self, config: Config, *, merchant: bool) -> Call[PointBalance]: ...


def wire_for(config: Config) -> Wire:
    """The wire of the configuration's API version."""
    return _wire_v2 if config.api_version == 2 else _wire_v1
