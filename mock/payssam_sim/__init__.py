"""payssam_sim: a local, in-memory, stateful stand-in for PaySsam v1 and v2, for tests and rehearsals (not the vendor).

It keeps bills through their lifecycle, one ledger for both API versions, answers every documented code, charges
v2's points and POSTs approval callbacks with retries; it serves over a loopback socket (HTTP/1.1) or in-process
as an httpx transport. It judges requests by the contracts it ships with (payssam-v1.json, payssam-v2.json) and
shares no code with the SDK.
"""

MOCK_EXTRA = ("h11", "jsonschema", "regress", "anyio")
"""What the `mock` extra installs beside the SDK: the simulator's own dependencies."""

try:
    from .ledger import SANDBOX_CREDENTIALS, Credentials, NotPaidError, NotPayableError, UnknownBillError
    from .simulator import Simulator
except ModuleNotFoundError as missing:
    if missing.name not in MOCK_EXTRA:
        raise
    raise ModuleNotFoundError(
        f"payssam_sim needs the 'mock' extra ({missing.name} is not installed): install payssam with it, "
        "e.g. pip install 'payssam[mock] @ git+https://<your-git-host>/payssam.git@<commit>'",
        name=missing.name,
    ) from missing

__all__ = ["SANDBOX_CREDENTIALS", "Credentials", "NotPaidError", "NotPayableError", "Simulator", "UnknownBillError"]
