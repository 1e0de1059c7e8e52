"""The simulator as a command and an import: its pid file, and what it says without the mock extra."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kit import ROOT


def test_without_the_mock_extra_importing_the_simulator_says_how_to_install_it(tmp_path: Path) -> None:
    """0.2.1 raised a bare ModuleNotFoundError for h11; the message now names the extra."""
    blocker = tmp_path / "h11.py"
    blocker.write_text("raise ModuleNotFoundError(\"No module named 'h11'\", name='h11')\n", encoding="utf-8")
    probe = "import payssam_sim"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "mock")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False)
    assert done.returncode != 0
    assert "needs the 'mock' extra (h11 is not installed)" in done.stderr
    assert "payssam[mock]" in done.stderr


def test_the_pid_file_is_removed_when_the_simulator_stops(tmp_path: Path) -> None:
    """0.2.1 left the pid file behind after SIGTERM."""
    pid_file, log_file = tmp_path / "sim.pid", tmp_path / "sim.log"
    command = [sys.executable, "-m", "payssam", "sim", "--port", "0", "--detach", "--quiet"]
    started = subprocess.run(
        [*command, "--pid-file", str(pid_file), "--log-file", str(log_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    pid = int(pid_file.read_text(encoding="utf-8"))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_file.exists()
