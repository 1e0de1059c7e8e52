"""make demo: start the mock, read and cancel a bill through the SDK, print typed results, stop the mock."""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime
from enum import Enum

from payssam import BillState, PaySsam, PaySsamError, bill_hash

from prism import Prism

# The public sandbox credentials seen in many integrations; fine against a local mock.
APIKEY = "TEST-API-KEY-TALK"
MEMBER = "TEST-MEMBER-FOR-API"
MERCHANT = "TEST-MERCHANT-FOR-API"
BILL_ID = "1234567890DEMO000001"


def show(title: str, result: object) -> None:
    """Print a typed result field by field (raw, the generated model, left out)."""
    print(f"\n{title} -> {type(result).__name__}")
    for field in dataclasses.fields(result):
        if field.name == "raw":
            continue
        value = getattr(result, field.name)
        if isinstance(value, Enum):
            value = f"{type(value).__name__}.{value.name}"
        elif isinstance(value, datetime):
            value = value.isoformat()
        print(f"  {field.name:<26} {value}")


def main() -> int:
    with Prism() as mock:
        print(f"mock: Prism pid {mock.pid} on {mock.base_url}, ready in {mock.startup_seconds:.1f} s")
        with PaySsam(APIKEY, MEMBER, MERCHANT, mock.base_url) as client:
            print(f"client: {client!r}")
            try:
                status = client.read_bill(BILL_ID)
                show(f"read_bill({BILL_ID!r})", status)
                if status.state is not BillState.PAID or status.price is None:
                    print("expected a paid bill with a price", file=sys.stderr)
                    return 1
                print(f"\nhash for cancel: {bill_hash(BILL_ID, status.price)}")
                cancellation = client.cancel_bill(BILL_ID, status.price)
                show(f"cancel_bill({BILL_ID!r}, {status.price})", cancellation)
            except PaySsamError as exc:
                print(f"demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
    print("\nmock stopped; demo passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
