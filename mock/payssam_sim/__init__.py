"""payssam_sim: a local, in-memory, stateful stand-in for PaySsam v1, for tests and rehearsals (not the vendor).

It keeps bills through their lifecycle, answers every documented code and POSTs approval callbacks with retries.
"""

from .ledger import SANDBOX_CREDENTIALS, Credentials
from .server import Simulator

__all__ = ["SANDBOX_CREDENTIALS", "Credentials", "Simulator"]
