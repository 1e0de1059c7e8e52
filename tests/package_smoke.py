"""Run by `make package-check` inside a fresh venv holding only the built wheel: no Node, no checkout.

Checks what another team gets from `pip install "payssam[mock]"`: the SDK, and a `payssam sim`
that starts with one line and runs a bill through send, pay and read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from importlib import resources
from importlib.metadata import entry_points, files
from pathlib import Path

import httpx

import payssam
import payssam_api_client
import payssam_api_client_v2
import payssam_pytest
import payssam_sim

SANDBOX = ("TEST-API-KEY-TALK", "TEST-MEMBER-FOR-API", "TEST-MERCHANT-FOR-API")


def check_install() -> set[str]:
    assert shutil.which("node") is None, "this check must run without Node on PATH"
    for package in (payssam, payssam_api_client, payssam_api_client_v2, payssam_sim, payssam_pytest):
        assert "site-packages" in (package.__file__ or ""), f"{package.__name__} not imported from the install"
    assert resources.files("payssam").joinpath("py.typed").is_file(), "py.typed is not shipped"
    assert resources.files("payssam_sim").joinpath("py.typed").is_file(), "payssam_sim's py.typed is not shipped"
    assert resources.files("payssam_pytest").joinpath("py.typed").is_file(), "payssam_pytest's py.typed is not shipped"
    plugin = [entry.value for entry in entry_points(group="pytest11", name="payssam")]
    assert plugin == ["payssam_pytest.plugin"], f"the pytest plugin's entry point: {plugin}"
    assert resources.files("payssam_pytest").joinpath("plugin.py").is_file(), "the pytest plugin is not shipped"
    shipped = {str(f).split("/")[0] for f in files("payssam") or []}
    expected = {
        "payssam",
        "payssam_api_client",
        "payssam_api_client_v2",
        "payssam_sim",
        "payssam_pytest",
        f"payssam-{payssam.__version__}.dist-info",
    }
    assert shipped <= expected | {".."}, shipped  # ".." holds the bin/payssam console script
    return shipped


def check_simulator() -> None:
    """`payssam sim --port 0` from the venv's own script; one bill through it; stopped by PID."""
    script = Path(sys.executable).with_name("payssam")
    assert script.is_file(), f"console script missing: {script}"
    process = subprocess.Popen(
        [str(script), "sim", "--host", "127.0.0.1", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        base_url = line.split()[-1]
        bill_id = payssam.new_bill_id()
        with payssam.PaySsam(*SANDBOX, base_url) as client:
            sent = client.send_bill(
                bill_id, 1000, phone="01012345678", customer_name="A", product_name="B", callback_url=base_url + "/x"
            )
            assert sent.short_url.startswith("http"), sent
            httpx.post(f"{base_url}/_sim/bills/{bill_id}/pay", json={}, timeout=10).raise_for_status()
            status = client.read_bill(bill_id)
        assert status.state is payssam.BillState.PAID, status
        assert status.price == 1000, status
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, process.returncode


def check_in_process() -> None:
    """The simulator as an httpx transport, with the contract it ships: no socket, no start()."""
    for contract in ("payssam-v1.json", "payssam-v2.json"):
        assert resources.files("payssam_sim").joinpath(contract).is_file(), f"{contract} is not shipped"
    simulator = payssam_sim.Simulator()
    http = httpx.Client(transport=simulator.transport())
    try:
        with payssam.PaySsam(*SANDBOX, "http://127.0.0.1", http_client=http) as client:
            bill_id = payssam.new_bill_id()
            client.send_bill(
                bill_id,
                1000,
                phone="01012345678",
                customer_name="A",
                product_name="B",
                callback_url="http://127.0.0.1/x",
            )
            assert client.read_bill(bill_id).state is payssam.BillState.UNPAID
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", payssam.ExperimentalWarning)
            v2 = payssam.PaySsam(*SANDBOX, "http://127.0.0.1/partner", http_client=http, api_version=2)
        with v2:
            assert v2.read_bill(bill_id).state is payssam.BillState.UNPAID  # one ledger, both versions
            assert v2.point_balance().balance > 0
    finally:
        http.close()
        simulator.close()
    assert Path(sys.executable).with_name("payssam-sim").is_file(), "console script payssam-sim missing"


def main() -> int:
    shipped = check_install()
    check_simulator()
    check_in_process()
    print(f"package-check: payssam {payssam.__version__} installs and runs without Node, `payssam sim` included")
    print(f"  shipped: {sorted(shipped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
