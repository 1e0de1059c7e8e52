"""`payssam review`: the vendor's five review flows, one bill each, over v1 and v2.

main() runs in-process. Against a simulator this test starts (Simulator on a free loopback port, given as
--base-url), each BILL-ID the command prints is looked up in that simulator's ledger; against the simulator the
command starts itself, its process must be gone afterwards. A sandbox-like run (--no-autopay, or the target not
recognised as a simulator) waits for a payment that, here, nobody or a helper thread makes. Signals are sent to
the command run as a process of its own (in a session of its own, so they reach nothing else), stopped by PID.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from payssam import _review, _review_payers, _review_sim, cli
from payssam._env import ENV_API_VERSION, ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT
from payssam_sim import Credentials, Simulator

from kit import MEMBER, MERCHANT, PROXY_VARIABLES, free_port, wait_for
from processes import stop

SECRET_KEY = "REVIEW-KEY-7f3a9c1e"
"""A distinctive apikey: it must never appear in anything the command prints."""
FLOWS = ("payment approval", "approval callback", "bill read", "approval cancel", "bill destroy")
ROW = re.compile(rf"^({'|'.join(FLOWS)})\s+(\S+)\s+(shown|to check|NOT SHOWN)\b", re.MULTILINE)
PID = re.compile(r"simulator started here at \S+ \(pid (\d+)")
TEST_PHONE, TEST_NAME = "01012345678", "홍길동"


def review(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(["review", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def rows(out: str) -> dict[str, tuple[str, str]]:
    """Each flow's BILL-ID and result, from the table."""
    return {name: (bill_id, result) for name, bill_id, result in ROW.findall(out)}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, no_proxy: None) -> None:
    """The settings of a partner whose key is SECRET_KEY; no base URL (the review never reads it)."""
    monkeypatch.setenv(ENV_APIKEY, SECRET_KEY)
    monkeypatch.setenv(ENV_MEMBER, MEMBER)
    monkeypatch.setenv(ENV_MERCHANT, MERCHANT)
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:9")  # never used: sending bills takes --base-url
    monkeypatch.delenv(ENV_API_VERSION, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulator of the test's own on a free loopback port, accepting SECRET_KEY."""
    with Simulator(credentials=Credentials(apikey=SECRET_KEY, member=MEMBER, merchant=MERCHANT)) as simulator:
        yield simulator


def ledger(sim: Simulator, bill_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=sim.base_url, trust_env=False, timeout=10) as http:
        answer = http.get(f"/_sim/bills/{bill_id}")
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


def base_url(sim: Simulator, version: int) -> str:
    return sim.base_url + ("/partner" if version == 2 else "")


@pytest.mark.parametrize("version", [1, 2])
def test_the_five_flows_leave_their_bills_in_the_ledger(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator, version: int
) -> None:
    status, out, err = review(capsys, "--base-url", base_url(sim, version), "--api-version", str(version))
    assert status == 0, err
    found = rows(out)
    assert set(found) == set(FLOWS)
    assert {result for _, result in found.values()} == {"shown"}
    assert len({bill_id for bill_id, _ in found.values()}) == 5
    assert f"5/5 review flows shown (API v{version}, the simulator)" in out

    approval = ledger(sim, found["payment approval"][0])
    assert approval["state"] == "F"
    assert approval["appr_num"]
    assert f"approval {approval['appr_num']}" in out
    callback = ledger(sim, found["approval callback"][0])
    assert callback["state"] == "F"
    assert callback["callback"]["acknowledged"] is True
    assert ledger(sim, found["bill read"][0])["state"] == "W"
    assert ledger(sim, found["approval cancel"][0])["state"] == "C"
    assert ledger(sim, found["bill destroy"][0])["state"] == "D"
    if version == 2:
        assert ledger(sim, found["approval cancel"][0])["cancel_reason"]
    # Every step as it happens on stderr; the summary for the vendor on stdout, marked as a rehearsal.
    assert "[5/5] bill destroy (청구서 파기)" in err
    assert "through the simulator's control route" in err
    assert "[리허설]" in out
    assert "1. 결제 승인: BILL-ID " + found["payment approval"][0] in out


@pytest.mark.parametrize("version", [1, 2])
def test_the_review_starts_its_own_simulator_and_stops_it(
    capsys: pytest.CaptureFixture[str], environment: None, version: int
) -> None:
    status, out, err = review(capsys, "--api-version", str(version))
    assert status == 0, err
    found = rows(out)
    assert len({bill_id for bill_id, _ in found.values()}) == 5, out
    assert {result for _, result in found.values()} == {"shown"}
    pid = int(PID.search(err)[1])  # type: ignore[index]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped and reaped: no such process any more
    assert ("/partner" in err) is (version == 2)
    assert SECRET_KEY not in out + err  # the simulator started here takes the public sandbox key, not the partner's


def test_nobody_pays_so_the_paid_flows_time_out_honestly(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_review_payers, "POLL_INTERVAL", 0.05)
    status, out, err = review(capsys, "--base-url", sim.base_url, "--no-autopay", "--timeout-pay", "0.3")
    assert status == 3, err  # nothing known to have happened: the payments never came
    found = rows(out)
    for name in ("payment approval", "approval callback", "approval cancel"):
        bill_id, result = found[name]
        assert result == "NOT SHOWN"
        assert ledger(sim, bill_id)["state"] == "W"
    assert found["bill read"][1] == found["bill destroy"][1] == "shown"
    assert out.count("not shown: not paid within 0.3 s") == 3
    assert "0/5 review flows shown" not in out
    assert "2/5 review flows shown" in out
    assert "waiting for " in err
    assert "Ctrl-C" in err


class Payer(threading.Thread):
    """Pays, as a tester would, every bill the review waits on (its product name says which flow it is for)."""

    PAID_FLOWS = ("결제 승인", "승인 콜백", "승인 취소")

    def __init__(self, sim: Simulator) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self._http = httpx.Client(transport=sim.transport(), base_url="http://127.0.0.1")

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            for bill in self._http.get("/_sim/bills").json()["bills"]:
                if bill["state"] == "W" and any(name in bill["product_nm"] for name in self.PAID_FLOWS):
                    self._http.post(f"/_sim/bills/{bill['bill_id']}/pay", json={})

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        self._http.close()


def test_against_paysam_the_callback_is_left_to_check(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target that is not a simulator: a tester pays (here a thread), and the approval's delivery cannot be seen."""
    monkeypatch.setattr(_review_payers, "POLL_INTERVAL", 0.05)
    monkeypatch.setattr(_review_sim, "is_simulator", lambda base_url: False)
    payer = Payer(sim)
    payer.start()
    try:
        status, out, err = review(
            capsys,
            "--base-url",
            sim.base_url,
            "--phone",
            "01098765432",
            "--callback-url",
            "http://127.0.0.1:9/approval?token=abc123",
            "--timeout-pay",
            "60",
        )
    finally:
        payer.stop()
    assert status == 0, err
    found = rows(out)
    assert found["approval callback"][1] == "to check"
    assert {found[name][1] for name in FLOWS if name != "approval callback"} == {"shown"}
    assert "4/5 review flows shown" in out
    assert "1 to check on your side: approval callback" in out
    assert "this command cannot see it arrive" in err
    assert "[결제선생 연동 검수 결과] API v1" in out
    assert "[리허설]" not in out
    assert "abc123" not in out  # a token in the callback URL's query stays out of the summary
    assert "01098765432" not in out + err
    assert "010****5432" not in out


def test_nothing_secret_is_printed(capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator) -> None:
    for json_flag in ([], ["--json"]):
        status, out, err = review(capsys, "--base-url", sim.base_url, *json_flag)
        assert status == 0, err
        # every flow ran (so the key, phone and name were sent and answered): their absence below means something
        if json_flag:
            assert json.loads(out)["shown"] == 5
        else:
            assert "5/5 review flows shown" in out
        for secret in (SECRET_KEY, TEST_PHONE, TEST_NAME):
            assert secret not in out + err, secret


def test_json_is_one_object_with_every_flow(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator
) -> None:
    status, out, _ = review(capsys, "--base-url", sim.base_url, "--json")
    data = json.loads(out)
    assert status == 0
    assert [flow["flow"] for flow in data["flows"]] == list(FLOWS)
    assert {flow["result"] for flow in data["flows"]} == {"shown"}
    assert data["shown"] == 5
    assert data["target"] == "simulator"
    assert "결제 승인" in data["summary"]


def test_ctrl_c_stops_the_flows_and_reports_what_was_sent(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: object, bill_id: str, short_url: str | None) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(_review_payers.Tester, "pay", interrupted)
    status, out, _ = review(capsys, "--base-url", sim.base_url, "--no-autopay")
    assert status == 130
    found = rows(out)
    assert found["payment approval"][1] == "NOT SHOWN"
    assert ledger(sim, found["payment approval"][0])["state"] == "W"
    assert "interrupted (Ctrl-C)" in out
    assert "not run: interrupted" in out


def test_against_paysam_the_phone_and_the_callback_url_are_required(
    capsys: pytest.CaptureFixture[str], environment: None
) -> None:
    sandbox = "https://sandbox.example.invalid"  # not loopback: never asked whether it is a simulator
    status, _, err = review(capsys, "--base-url", sandbox, "--callback-url", "https://erp.example/approval")
    assert (status, err.startswith("payssam: error: phone:")) == (2, True), err
    status, _, err = review(capsys, "--base-url", sandbox, "--phone", "01098765432")
    assert (status, err.startswith("payssam: error: callback_url:")) == (2, True), err


def test_credentials_flags_need_a_base_url(capsys: pytest.CaptureFixture[str], environment: None) -> None:
    status, _, err = review(capsys, "--member", "SOMEONE")
    assert status == 2
    assert "only with --base-url" in err


def test_without_the_mock_extra_it_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The simulator's own dependency missing (jsonschema, which the SDK never imports): exit 2 and the pip line."""
    (tmp_path / "jsonschema.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'jsonschema'\", name='jsonschema')\n", encoding="utf-8"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    status, out, err = review(capsys)
    assert (status, out) == (2, "")
    assert "pip install 'payssam[mock]'" in err
    assert err.count("\n") == 1


def test_the_simulator_started_here_is_stopped_whatever_happens(
    capsys: pytest.CaptureFixture[str], environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payssam import _review_flows

    def broken(ctx: object, flow: object) -> None:
        raise RuntimeError("a bug in a flow")

    monkeypatch.setattr(_review_flows, "run", broken)
    status, _, err = review(capsys)
    assert status == 5  # an internal error, said in one line
    assert "internal error" in err
    pid = int(PID.search(err)[1])  # type: ignore[index]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_an_approval_your_receiver_does_not_acknowledge_is_not_shown(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator
) -> None:
    """Against a simulator with --callback-url, the simulator's ledger says whether the receiver acknowledged."""
    nobody = f"http://127.0.0.1:{free_port()}/approval"  # refused at once: nothing listens there
    status, out, err = review(capsys, "--base-url", sim.base_url, "--callback-url", nobody)
    assert status == 1, err
    found = rows(out)
    assert found["approval callback"][1] == "NOT SHOWN"
    assert "not shown: the approval was not acknowledged (1 attempt)" in out
    assert {found[name][1] for name in FLOWS if name != "approval callback"} == {"shown"}


def test_help_lists_review_and_says_where_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "    review " in capsys.readouterr().out
    assert cli.main(["review", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: payssam review")
    words = " ".join(out.split())  # argparse wraps to the terminal's width
    assert "PAYSSAM_BASE_URL is not read" in words
    assert "--timeout-pay SECONDS" in words


# --------------------------------------------------------------------------- stopping: signals, a silent target

PROCESS_WAIT = 120.0
"""Seconds a review run as a process may take to reach a step or to end: a bound for hangs, never a measurement."""
SIGINT_IGNORED = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "from payssam.cli import main; sys.exit(main(sys.argv[1:]))"
)
"""The command as nohup or a shell's background job starts it: SIGINT ignored (the simulator it starts does not)."""


def review_process(*argv: str, sigint_ignored: bool = False) -> subprocess.Popen[bytes]:
    """`payssam review` as a process in a session of its own, without the partner's settings or a proxy."""
    hidden = {*PROXY_VARIABLES}
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PAYSSAM_")}
    environment = {name: value for name, value in environment.items() if name not in hidden}
    start = ["-c", SIGINT_IGNORED] if sigint_ignored else ["-m", "payssam"]
    return subprocess.Popen(
        [sys.executable, *start, "review", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        start_new_session=True,
    )


def stderr_until(process: subprocess.Popen[bytes], marker: str) -> str:
    """What the process wrote on stderr up to and including `marker` (failing after PROCESS_WAIT)."""
    assert process.stderr is not None
    fd = process.stderr.fileno()
    deadline = time.monotonic() + PROCESS_WAIT
    data = b""
    while marker.encode() not in data:
        remaining = deadline - time.monotonic()
        assert remaining > 0, data.decode(errors="replace")
        assert select.select([fd], [], [], remaining)[0], data.decode(errors="replace")
        chunk = os.read(fd, 4096)
        assert chunk, data.decode(errors="replace")
        data += chunk
    return data.decode("utf-8", errors="replace")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("which", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_simulator_started_here(which: signal.Signals) -> None:
    """What CI cancellation, timeout and docker stop send: handled as Ctrl-C is (exit 130), the simulator stopped."""
    process = review_process("--no-autopay", "--timeout-pay", "600")
    pid = 0
    try:
        err = stderr_until(process, "waiting for ")
        pid = int(PID.search(err)[1])  # type: ignore[index]
        process.send_signal(which)
        out, rest = process.communicate(timeout=PROCESS_WAIT)
        assert process.returncode == 130, rest
        wait_for(lambda: gone(pid), timeout=30)
        text = out.decode()
        assert f"interrupted ({which.name})" in text
        assert "not run: interrupted" in text
    finally:
        stop(process)
        if pid and not gone(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_simulator_stopped_under_the_review_stops_the_flows() -> None:
    """Started with SIGINT ignored, the review outlives a SIGINT to its process group; the simulator it started
    does not: the review says the simulator stopped instead of running the other flows against a dead port."""
    process = review_process("--no-autopay", "--timeout-pay", "600", sigint_ignored=True)
    pid = 0
    try:
        err = stderr_until(process, "waiting for ")
        pid = int(PID.search(err)[1])  # type: ignore[index]
        os.killpg(process.pid, signal.SIGINT)
        out, rest = process.communicate(timeout=PROCESS_WAIT)
        assert process.returncode == 3, rest
        assert "the simulator stopped (pid" in rest.decode()
        text = out.decode()
        found = rows(text)
        assert found["payment approval"][1] == "NOT SHOWN"
        assert text.count("not run: the simulator stopped") == 4
        assert "no flow was shown: there is no summary for the vendor" in text
        assert "[리허설]" not in text
        assert gone(pid)
    finally:
        stop(process)
        if pid and not gone(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_signal_ignored_at_start_stays_ignored() -> None:
    """Under nohup SIGHUP is ignored: the review keeps ignoring it, takes SIGTERM, and gives both back after."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    term = signal.getsignal(signal.SIGTERM)
    try:
        with _review._TerminationsInterrupt():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (term, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGTERM) == term
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def test_a_loopback_port_nothing_listens_on_stops_before_the_flows(
    capsys: pytest.CaptureFixture[str], environment: None
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    status, out, err = review(capsys, "--base-url", closed)
    assert (status, out) == (3, "")
    assert f"the target did not answer: nothing listens at {closed}" in err
    status, out, _ = review(capsys, "--base-url", closed, "--json")
    assert status == 3
    assert '"type": "NoAnswer"' in out


SANDBOX_LIKE = ("--phone", "01098765432", "--callback-url", "https://erp.example/payssam/approval")


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_target_that_refuses_stops_at_the_first_flow(
    capsys: pytest.CaptureFixture[str], environment: None, monkeypatch: pytest.MonkeyPatch, json_flag: list[str]
) -> None:
    """A refusal the loopback probe did not see (it came after): the first send gets no answer, and the run stops."""
    monkeypatch.setattr(_review_sim, "nothing_listens", lambda base_url: False)
    closed = f"http://127.0.0.1:{free_port()}"
    status, out, err = review(capsys, "--base-url", closed, *SANDBOX_LIKE, *json_flag)
    assert status == 3, err
    assert f"the target did not answer ({closed}): the flows stop here" in err
    assert "[2/5]" not in err
    if json_flag:
        data = json.loads(out)
        assert data["summary"] is None
        assert data["stopped"] == f"the target did not answer ({closed})"
        assert [flow["result"] for flow in data["flows"]] == ["not shown"] * 5
        return
    found = rows(out)
    assert {result for _, result in found.values()} == {"NOT SHOWN"}
    assert out.count(f"not run: the target did not answer ({closed})") == 4
    assert "no flow was shown: there is no summary for the vendor" in out
    assert "[결제선생 연동 검수 결과]" not in out
    assert "Review flows, API" not in out


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers them (held open until the test ends)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # so the accepting thread sees `stopping` soon
    stopping = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stopping.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stopping.set()
        thread.join(timeout=10)
        server.close()
        for connection in held:
            connection.close()


def test_a_target_that_never_answers_stops_at_the_first_flow(
    capsys: pytest.CaptureFixture[str], environment: None, monkeypatch: pytest.MonkeyPatch, silent_port: int
) -> None:
    """The send times out and its read-back too: no answer at all, so no other flow waits out its own timeouts."""
    monkeypatch.setattr(_review_sim, "is_simulator", lambda base_url: False)
    silent = f"http://127.0.0.1:{silent_port}"
    status, out, err = review(capsys, "--base-url", silent, *SANDBOX_LIKE, "--timeout", "0.5")
    assert status == 3, err
    found = rows(out)
    assert found["payment approval"][1] == "NOT SHOWN"
    assert "TransportTimeoutError" in out
    assert out.count(f"not run: the target did not answer ({silent})") == 4
    assert "no flow was shown: there is no summary for the vendor" in out


def test_a_simulator_given_without_settings_says_which_to_set(
    capsys: pytest.CaptureFixture[str], environment: None, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (ENV_APIKEY, ENV_MEMBER, ENV_MERCHANT):
        monkeypatch.delenv(name)
    status, out, err = review(capsys, "--base-url", sim.base_url)
    assert (status, out) == (2, "")
    assert "apikey, member, merchant are not set" in err
    assert "accepts the public sandbox credentials by default" in err
    assert "TEST-API-KEY-TALK" not in err
