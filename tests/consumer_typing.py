"""A consumer's module, type-checked by `make package-check` with mypy --strict against the installed wheel.

If the generated models were untyped for consumers, `raw`'s fields would be Any and the functions
below would return Any where they promise str: mypy --strict refuses that (warn_return_any).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import httpx

from payssam import (
    CONTRACT_VERSIONS,
    UNSET,
    BatchRefusedError,
    BatchReport,
    BillStatus,
    Cancellation,
    ExperimentalWarning,
    HashMismatchError,
    PartnerNotEnabledError,
    PaySsam,
    PointBalance,
    PointsExhaustedError,
    ReconcileReport,
    SentBill,
    Unset,
)
from payssam_api_client.types import UNSET as GENERATED_UNSET
from payssam_sim import Simulator


def approval_price(status: BillStatus) -> str | Unset:
    """A field only the raw model has as the vendor wrote it."""
    return status.raw.appr_price


def card_issuer(status: BillStatus) -> str:
    issuer = status.raw.appr_issuer
    return "-" if isinstance(issuer, Unset) else issuer


def short_url(sent: SentBill) -> str | None:
    if sent.raw is None:  # recovered: the answer that carried it was lost
        return None
    value = sent.raw.short_url
    return None if isinstance(value, Unset) else value


def cancel_time(cancellation: Cancellation) -> str | Unset:
    return UNSET if cancellation.raw is None else cancellation.raw.appr_cancel_dt


assert UNSET is GENERATED_UNSET


def batch_outcomes(client: PaySsam, source: Path) -> dict[str, int]:
    """What a consumer does with a batch: every type it meets is importable from payssam and typed."""
    try:
        report: BatchReport = client.send_batch(source, callback_url="https://erp.example/payssam/approval")
    except BatchRefusedError as refused:
        return {str(problem): problem.line for problem in refused.problems}
    return dict(report.outcomes)


def reconciled(client: PaySsam, source: Path) -> bool:
    report: ReconcileReport = client.reconcile(source)
    return report.complete


def simulated_client() -> PaySsam:
    """A test's client bound to the in-process simulator, as the README shows (payssam_sim ships py.typed)."""
    sim: Simulator = Simulator()
    http = httpx.Client(transport=sim.transport())
    return PaySsam(
        "TEST-API-KEY-TALK", "TEST-MEMBER-FOR-API", "TEST-MERCHANT-FOR-API", "http://127.0.0.1", http_client=http
    )


def v2_points() -> tuple[int, str | None]:
    """API v2: the same client class, a typed balance, the typed errors a consumer catches."""
    v2 = PaySsam.from_env(api_version=2)
    try:
        balance: PointBalance = v2.point_balance()
    except (PointsExhaustedError, PartnerNotEnabledError, HashMismatchError):
        return 0, None
    sent = v2.send_bill(
        "B1", 1000, phone=None, customer_name="A", product_name="B", callback_url="https://x.example", send_type="URL"
    )
    v2.cancel_bill("B1", 1000, reason="고객 요청")
    return balance.balance, sent.short_url


def experimental_filtered() -> None:
    warnings.filterwarnings("ignore", category=ExperimentalWarning)
    assert CONTRACT_VERSIONS[2]
