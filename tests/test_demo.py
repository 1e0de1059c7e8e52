"""`make demo` is a thin call of `payssam review` over API v1 then v2, each against a simulator it starts and stops.

Its recipe is read from the Makefile and run as make would (the venv's console script), so what the README promises
for `make demo` is what is tested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from kit import ROOT

PID = re.compile(r"simulator started here at \S+ \(pid (\d+)")


def demo_recipe() -> list[str]:
    """The demo target's command lines, as written in the Makefile."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if line.startswith("demo:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_demo_is_payssam_review_over_v1_then_v2() -> None:
    assert demo_recipe() == [
        "$(BIN)/payssam review --api-version 1",
        "$(BIN)/payssam review --api-version 2",
    ]


def test_each_demo_line_shows_the_five_flows_and_stops_its_simulator(no_proxy: None) -> None:
    bin_dir = Path(sys.executable).parent
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PAYSSAM_")}
    for line in demo_recipe():
        argv = line.replace("$(BIN)", str(bin_dir)).split()
        if not Path(argv[0]).is_file():  # no console script (a bare interpreter): the same command as a module
            argv = [sys.executable, "-m", "payssam", *argv[1:]]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=environment)
        assert done.returncode == 0, done.stderr
        version = argv[-1]
        assert f"5/5 review flows shown (API v{version}, the simulator)" in done.stdout
        assert ("/partner" in done.stderr) is (version == "2")
        pid = PID.search(done.stderr)
        assert pid is not None, done.stderr
        try:
            os.kill(int(pid[1]), 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"the simulator (pid {pid[1]}) outlived `{line}`")
