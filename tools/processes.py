"""Server processes we start: a free loopback port to give them, reading the line that says where they
listen, and stopping them by PID, politely first, and always waited for (the last two are the SDK's own, the
ones `payssam review` uses for the simulator it starts)."""

from __future__ import annotations

import socket
import subprocess

from payssam._review_sim import first_line as _first_line
from payssam._review_sim import stop_process

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def first_line(process: subprocess.Popen[bytes], timeout: float = 30.0) -> str:
    """What the process printed up to its first newline, or before EOF or the timeout (its stdout is a pipe)."""
    assert process.stdout is not None
    return _first_line(process.stdout, timeout)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 5.0) -> int | None:
    """SIGTERM, wait up to grace seconds, then SIGKILL; returns the exit code (None if already reaped elsewhere)."""
    return stop_process(process, grace)
