"""Run by `make package-check` inside a fresh venv holding only the built wheel: no Node, no checkout."""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from importlib.metadata import files

import httpx

import payssam
import payssam_api_client


def main() -> int:
    assert shutil.which("node") is None, "this check must run without Node on PATH"
    for package in (payssam, payssam_api_client):
        assert "site-packages" in (package.__file__ or ""), f"{package.__name__} not imported from the install"
    assert resources.files("payssam").joinpath("py.typed").is_file(), "py.typed is not shipped"
    shipped = {str(f).split("/")[0] for f in files("payssam") or []}
    assert shipped <= {"payssam", "payssam_api_client", f"payssam-{payssam.__version__}.dist-info"}, shipped

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "0000", "appr_state": "F", "appr_price": "10000"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with payssam.PaySsam("key", "member", "merchant", "https://example.invalid", http_client=http) as client:
        status = client.read_bill("ABC123")
    assert status.state is payssam.BillState.PAID, status
    assert status.price == 10000, status
    print(f"package-check: payssam {payssam.__version__} installs and runs without Node ({sorted(shipped)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
