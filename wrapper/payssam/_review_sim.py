"""The simulator as `payssam review`'s stand-in for PaySsam, reached over HTTP only (the SDK never imports it).

Started as a process of its own (`python -m payssam sim --port 0`) and stopped by its PID, or found already
running at a loopback base URL; then played as the customer through its control routes: POST
/_sim/bills/{id}/pay pays a bill, GET /_sim/bills/{id} shows it with its callback deliveries.
"""

from __future__ import annotations

import ipaddress
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import IO, Any, Self
from urllib.parse import urlsplit

import httpx

from ._cli_common import EXIT_FAILURE, EXIT_INPUT, EXIT_LOCAL

HOST = "127.0.0.1"
SANDBOX_APIKEY = "TEST-API-KEY-TALK"
SANDBOX_MEMBER = "TEST-MEMBER-FOR-API"
SANDBOX_MERCHANT = "TEST-MERCHANT-FOR-API"
"""The public sandbox credentials: the ones the simulator started here accepts, and the review sends to it."""
READY_TIMEOUT = 60.0
"""Seconds the simulator may take to say it listens (a loaded machine imports slowly)."""
STOP_GRACE = 5.0
CONTROL_TIMEOUT = 30.0
"""Seconds a control request may take: a payment waits on the approval callback's first attempt."""
STOPPED_WAIT = 5.0
"""Seconds to wait for the simulator started here to be seen stopped, once a request to it got no answer."""
HEALTH_PATH = "/_sim/health"
LISTENING = re.compile(r"payssam sim listening on (http://\S+)")
INSTALL_HINT = "install it with: pip install 'payssam[mock]'"


class SimulatorError(Exception):
    """The simulator could not be started or did not answer its control route as expected; `status` is the exit
    status to end with (EXIT_INPUT when it is not installed)."""

    def __init__(self, message: str, status: int = EXIT_LOCAL) -> None:
        self.status = status
        super().__init__(message)


class NoAnswer(SimulatorError):
    """No answer at all (refused, reset or timed out): to a control request (the simulator may have stopped), or
    from a loopback --base-url nothing listens on."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_FAILURE)


def origin(base_url: str) -> str:
    """scheme://host[:port] of a base URL: where the control routes are, whatever prefix (/partner) it has."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(base_url: str) -> bool:
    """The base URL names this machine: the only place a simulator can serve (it refuses any other address)."""
    try:
        host = urlsplit(base_url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_simulator(base_url: str, timeout: float = 5.0) -> bool:
    """A loopback base URL where GET /_sim/health answers 200 with a JSON object: a simulator, which the review
    can pay through. A remote host is never asked (the sandbox and production are never sent a control request)."""
    if not is_loopback(base_url):
        return False
    try:
        with httpx.Client(trust_env=False, timeout=timeout) as http:
            answer = http.get(origin(base_url) + HEALTH_PATH)
        return answer.status_code == 200 and isinstance(answer.json(), dict)
    except (httpx.HTTPError, ValueError):
        return False


def nothing_listens(base_url: str, timeout: float = 5.0) -> bool:
    """A loopback base URL whose port refuses connections: nothing there can take a bill, so the review stops before
    its flows. A remote host is never probed (a refusal there may be a passing network fault)."""
    if not is_loopback(base_url):
        return False
    parts = urlsplit(base_url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or HOST, port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except (OSError, ValueError):
        return False


def ended(status: int) -> str:
    """A process's exit status as people read it: "exit status 0", or "killed by SIGKILL"."""
    if status >= 0:
        return f"exit status {status}"
    try:
        return f"killed by {signal.Signals(-status).name}"
    except ValueError:
        return f"killed by signal {-status}"


class Control:
    """One simulator's control routes, played as the customer; loopback only, never through a proxy."""

    def __init__(self, base_url: str, timeout: float = CONTROL_TIMEOUT) -> None:
        self.origin = origin(base_url)
        self._http = httpx.Client(base_url=self.origin, trust_env=False, timeout=timeout)

    def pay(self, bill_id: str) -> dict[str, Any]:
        """The customer pays with the simulator's default card; its answer: `{"bill": view, "callback": delivery}`."""
        return self._call("POST", f"/_sim/bills/{bill_id}/pay")

    def bill(self, bill_id: str) -> dict[str, Any]:
        """The bill as the simulator holds it, with its callback deliveries."""
        return self._call("GET", f"/_sim/bills/{bill_id}")

    def _call(self, method: str, path: str) -> dict[str, Any]:
        """One control request's JSON object; NoAnswer when it got no answer (the simulator gone: status 3),
        SimulatorError when the answer is not the one expected."""
        try:
            answer = self._http.request(method, path, json={} if method == "POST" else None)
        except httpx.TransportError as exc:
            raise NoAnswer(f"{method} {path}: no answer from the simulator ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise SimulatorError(
                f"{method} {path}: an unreadable answer ({type(exc).__name__})", EXIT_FAILURE
            ) from None
        return self._json(answer, f"{method} {path}")

    @staticmethod
    def _json(answer: httpx.Response, what: str) -> dict[str, Any]:
        try:
            data = answer.json()
        except ValueError:
            data = None
        if answer.status_code != 200 or not isinstance(data, dict):
            error = data.get("error") if isinstance(data, dict) else None
            raise SimulatorError(f"the simulator answered {what} with HTTP {answer.status_code}: {error or '-'}")
        return data

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def first_line(stream: IO[bytes], timeout: float) -> str:
    """What a process printed up to its first newline, or before EOF or the timeout (its stdout is a pipe); the
    test tooling's launchers read it with this one too."""
    fd = stream.fileno()
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


def stop_process(process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = STOP_GRACE) -> int | None:
    """Stop a process started here by its PID: SIGTERM, wait up to grace seconds, then SIGKILL; its exit status.
    The test tooling's launchers stop theirs with this one too."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)
    return process.returncode


class SimulatorProcess:
    """`payssam sim` on a free loopback port as a process of its own, accepting the public sandbox credentials;
    stopped by its PID (SIGTERM, then SIGKILL after a grace period) whatever happens."""

    def __init__(self) -> None:
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The simulator's process id while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> Self:
        """Start it and wait until it listens; SimulatorError (status 2 when it is not installed) otherwise."""
        environment = {
            **{name: value for name, value in os.environ.items() if not name.startswith("PAYSSAM_")},
            "PAYSSAM_SIM_APIKEY": SANDBOX_APIKEY,
            "PAYSSAM_SIM_MEMBER": SANDBOX_MEMBER,
            "PAYSSAM_SIM_MERCHANT": SANDBOX_MERCHANT,
        }
        command = [sys.executable, "-m", "payssam", "sim", "--host", HOST, "--port", "0", "--quiet"]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (kept until stop(): why it did not start, if it did not)
        try:
            self._process = subprocess.Popen(  # noqa: S603  (a fixed command: this interpreter running payssam sim)
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, env=environment
            )
            assert self._process.stdout is not None
            match = LISTENING.search(first_line(self._process.stdout, READY_TIMEOUT))
            if match is None:
                status = self._halt()
                raise SimulatorError(self._why(status), EXIT_INPUT if status == EXIT_INPUT else EXIT_LOCAL)
        except BaseException:
            self.stop()
            raise
        self.base_url = match[1]
        return self

    def exited(self, wait: float = 0.0) -> int | None:
        """Its exit status once it has stopped on its own (a signal sent to the whole process group, say), waiting
        up to `wait` seconds for it; None while it runs."""
        process = self._process
        if process is None:
            return None
        try:
            return process.wait(timeout=wait) if wait > 0 else process.poll()
        except subprocess.TimeoutExpired:
            return None

    def _why(self, status: int | None) -> str:
        """Why it did not start: the last lines it wrote on stderr, or its exit status."""
        said = ""
        if self._log is not None:
            self._log.seek(0)
            lines = self._log.read().decode("utf-8", errors="replace").strip().splitlines()
            said = " ".join(line.strip() for line in lines[-3:])
        if status == EXIT_INPUT and "payssam[mock]" not in said:
            said = f"{said}; {INSTALL_HINT}" if said else f"the simulator is not installed; {INSTALL_HINT}"
        if status is None or status < 0:
            return f"the simulator did not say it listens within {READY_TIMEOUT:g} s" + (f": {said}" if said else "")
        return said or f"the simulator exited with status {status}"

    def _halt(self) -> int | None:
        """stop_process; its exit status (None when it was never started)."""
        return None if self._process is None else stop_process(self._process)

    def stop(self) -> int | None:
        """Stop it by its PID (see _halt) and close its pipe and log; its exit status."""
        status = self._halt()
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        if self._log is not None:
            self._log.close()
        return status

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
