"""payssam_sim: a local, in-memory, stateful stand-in for PaySsam v1, for tests and rehearsals (not the vendor).

It keeps bills through their lifecycle, answers every documented code and POSTs approval callbacks with retries;
it serves over a loopback socket (HTTP/1.1) or in-process as an httpx transport. It judges requests by the
contract it ships with (payssam-v1.json) and shares no code with the SDK.
"""

from .ledger import SANDBOX_CREDENTIALS, Credentials
from .simulator import Simulator

__all__ = ["SANDBOX_CREDENTIALS", "Credentials", "Simulator"]
