"""Run the pinned Prism on a free loopback port for tests: a mock of the contract, or a proxy.

As a proxy (``upstream=``) with ``--errors`` it forwards to a real server and turns any
request or answer that breaks the contract into an error, which is how the simulator's
answers are held to the contract. Prism has no readiness endpoint, so start() polls until
it answers HTTP; stop() ends the process by its PID (the node process, not an npx shim).
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

import processes
from processes import HOST, free_port

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "mock" / "node_modules" / ".bin" / "prism"
"""The pinned Prism, installed by `make install` (npm ci in mock/, which holds its package.json and lock)."""
INSTALL_HINT = "run `make install` (or `cd mock && npm ci`)"
SPEC = ROOT / "openapi" / "payssam-v1.json"


class Prism:
    """A Prism mock of the contract, or a proxy to upstream, with ``--errors``; started and stopped by this object."""

    def __init__(
        self, spec: Path = SPEC, *, upstream: str | None = None, port: int | None = None, ready_timeout: float = 20.0
    ) -> None:
        self.spec = spec
        self.upstream = upstream
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the mock answers."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The Prism process id while it runs."""
        return self._process.pid if self._process else None

    def start(self) -> Self:
        """Start Prism and return once it answers HTTP (or raise with its log)."""
        if not PRISM.exists():
            raise RuntimeError(f"{PRISM} is missing: {INSTALL_HINT}")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server, closed in stop()
        started = time.monotonic()
        self._process = subprocess.Popen(
            [str(PRISM), *self._mode(), "--host", HOST, "--port", str(self.port), "--errors"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = started + self.ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Prism exited with {self._process.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                httpx.get(self.base_url + "/", timeout=0.5)
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Prism did not answer within {self.ready_timeout} s:\n{self.log()}")

    def _mode(self) -> list[str]:
        if self.upstream is None:
            return ["mock", str(self.spec)]
        return ["proxy", str(self.spec), self.upstream]

    def log(self) -> str:
        """What Prism printed so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def stop(self) -> None:
        """Terminate the process by PID and wait for it; kill it if it lingers."""
        process, self._process = self._process, None
        if process is not None:
            processes.stop(process)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
