"""Server processes we start: a free loopback port to give them, reading the line that says where they
listen, and stopping them by PID, politely first, and always waited for."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import time

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def first_line(process: subprocess.Popen[bytes], timeout: float = 30.0) -> str:
    """What the process printed up to its first newline, or before EOF or the timeout (its stdout is a pipe)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", errors="replace")


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 5.0) -> int | None:
    """SIGTERM, wait up to grace seconds, then SIGKILL; returns the exit code (None if already reaped elsewhere)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)
    return process.returncode
