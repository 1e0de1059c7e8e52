"""Stopping a server process we started: by its PID, politely first, and always waited for."""

from __future__ import annotations

import subprocess


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
