"""Fuzz of the `payssam` command line: seeded hostile invocations, none may end in a traceback or break a promise.

Each invocation (tests/cli_fuzz.py draws it from its seed and index) combines hostile paths (., .., directories,
missing files, NUL, control characters, 5,000 characters, symlinks, hard links, /dev/zero, /dev/null, FIFOs, the
input as its own output, read-only directories, someone else's files), hostile files (empty, header only, columns
named twice, unknown or missing, a BOM, CRLF, quoted newlines, EUC-KR, NUL bytes, a 70,000-character line, prices,
phones, names with terminal escapes, formulas, bad dates and ids, identical rows, a cut-off last line), hostile
flags (--rate, --concurrency, --timeout, --base-url, --apikey-file, unknown flags, --apikey VALUE, --json before
and after the subcommand, --dry-run, --help) and a hostile environment. It runs in-process through
payssam.cli.main(argv) against the in-process simulator, in its own working directory, and must keep every
promise: nothing escapes main, the exit status is in the table and never 5, --json prints one JSON object, no raw
control character or traceback is printed, the apikey never shows in any case or %-encoding, a refused run bills
no one, and the files it was given keep every byte.

`make test` runs QUICK_COUNT invocations of a fixed seed; PAYSSAM_FUZZ=1 (`make fuzz`) runs FUZZ_COUNT of a random
seed printed at the start. PAYSSAM_FUZZ_SEED=N picks the seed, PAYSSAM_FUZZ_ONLY=i,j replays those invocations,
PAYSSAM_FUZZ_COUNT=N runs N. Totals are printed at the end. Failures that a known product bug explains (see
cli_fuzz.KNOWN_BUGS; each has its strict xfail test below) are counted apart; any other fails the test with the
argv and the files of the invocation. A sample also runs as real processes against the simulator on a socket.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import payssam
from payssam import cli
from payssam_sim import Simulator

from cli_fuzz import (
    BASE,
    CALLBACK,
    GOOD_ENV,
    KNOWN_BUGS,
    RAW_CONTROL,
    SECRET,
    Failure,
    FifoWriter,
    Invocation,
    RunResult,
    check,
    draw,
    environment,
    fingerprints,
    materialise,
    remove,
    run_main,
)
from kit import APIKEY, FUZZING, MEMBER, MERCHANT, NO_BACKOFF, PROXY_VARIABLES, print_at_session_end

QUICK_SEED = 20261206
QUICK_COUNT = 150
FUZZ_COUNT = 1200
SAMPLE_SEED = 7
ROOT = os.geteuid() == 0
ENV_KEY = "PAYSSAM_APIKEY"
WAIT = 120.0
"""Seconds a real `payssam` process may take (generous: a loaded machine is only slower, never failed)."""


# --------------------------------------------------------------------------- totals


class InvocationTotals:
    """Counts of every run, printed at the end of the session."""

    def __init__(self) -> None:
        self.seeds: list[int] = []
        self.invocations = 0
        self.processes = 0
        self.statuses: collections.Counter[str] = collections.Counter()
        self.broken = 0
        """Invocations with a failure no known bug explains."""
        self.known: collections.Counter[str] = collections.Counter()
        """Invocations showing each known bug."""
        self.explained = 0
        """Invocations whose every failure a known bug explains."""

    def record(self, result: RunResult, failures: list[Failure], *, process: bool = False) -> None:
        if process:
            self.processes += 1
        else:
            self.invocations += 1
            self.statuses[str(result.status) if result.raised is None else "raised"] += 1
        known = {failure.known for failure in failures if failure.known is not None}
        self.known.update(known)
        if any(failure.known is None for failure in failures):
            self.broken += 1
        elif known:
            self.explained += 1

    def lines(self) -> Iterator[str]:
        """What the session's runs did, printed once the session ends."""
        if not self.invocations and not self.processes:
            return
        statuses = ", ".join(f"{status}: {count:,}" for status, count in sorted(self.statuses.items()))
        seeds = ", ".join(str(seed) for seed in self.seeds) or "none"
        known = ", ".join(f"{bug} {count}" for bug, count in sorted(self.known.items())) or "none"
        yield (
            f"payssam cli fuzz: {self.invocations:,} invocations in-process (seed {seeds}), "
            f"{self.processes} in a process"
        )
        yield f"payssam cli fuzz: exit status {statuses}"
        yield (
            f"payssam cli fuzz: failures: {self.broken} invocations broke a promise; {self.explained} more only "
            f"showed known product bugs (invocations per bug: {known})"
        )


TOTALS = InvocationTotals()


@pytest.fixture(scope="module", autouse=True)
def _totals(request: pytest.FixtureRequest) -> None:
    print_at_session_end(request.config, "payssam-cli-fuzz-totals", TOTALS.lines)


def announce(request: pytest.FixtureRequest, line: str) -> None:
    """A line on the terminal now (not at the end), even under -q and output capture."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


# --------------------------------------------------------------------------- running an invocation


@dataclass
class Outcome:
    """One run checked: its result and the broken promises (each with the known bug explaining it, if any)."""

    inv: Invocation
    argv: list[str]
    workspace: Path
    result: RunResult
    failures: list[Failure]

    @property
    def unexpected(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.known is None]

    def report(self) -> str:
        lines = [
            self.inv.describe(),
            f"workspace (kept): {self.workspace}",
            f"argv as run: {self.argv!r}",
            f"exit status: {self.result.status!r}",
            f"stdout: {self.result.out[:1500]!r}",
            f"stderr: {self.result.err[:1500]!r}",
            "broken promises:",
        ]
        for failure in self.failures:
            known = f" (known bug {failure.known})" if failure.known else ""
            lines.append(f"  [{failure.code}]{known} {failure.message}")
        return "\n".join(lines)


class Harness:
    """Runs invocations against one simulator: in-process through cli.main, or as `python -m payssam` processes."""

    def __init__(self, sim: Simulator, base_url: str, *, process: bool) -> None:
        self.sim = sim
        self.base_url = base_url
        self.process = process
        self.control = httpx.Client(transport=sim.transport(), base_url=BASE)
        self.client = payssam.PaySsam(
            APIKEY, MEMBER, MERCHANT, BASE, backoff=NO_BACKOFF, http_client=httpx.Client(transport=sim.transport())
        )

    def close(self) -> None:
        self.client.close()
        self.control.close()

    def bills(self) -> int:
        answer = self.control.get("/_sim/bills")
        assert answer.status_code == 200, answer.text
        return len(answer.json()["bills"])

    def prepare(self, inv: Invocation) -> None:
        """A ledger holding only the invocation's bills."""
        assert self.control.post("/_sim/reset", json={}).status_code == 200
        for bill in inv.bills:
            self.client.send_bill(
                bill.bill_id,
                bill.price,
                phone=bill.phone,
                customer_name="고객",
                product_name="이전 청구",
                callback_url=CALLBACK,
            )

    def run(self, inv: Invocation, root: Path) -> Outcome:
        workspace = root / f"{inv.index:05d}"
        argv = materialise(inv, workspace)
        before = fingerprints(inv, workspace)
        self.prepare(inv)
        bills_before = self.bills()
        fifos = {workspace / name: role for name, role in inv.fifos.items()}
        with FifoWriter(fifos) as writer:
            result = self.in_a_process(inv, argv, workspace) if self.process else self.in_process(inv, argv, workspace)
        after = fingerprints(inv, workspace)
        changed = {name: (was, after.get(name, "gone")) for name, was in before.items() if after.get(name) != was}
        failures = check(
            inv,
            result,
            changed=changed,
            bills_before=bills_before,
            bills_after=self.bills(),
            fifos_opened=dict(writer.opened),
        )
        return Outcome(inv, argv, workspace, result, failures)

    def in_process(self, inv: Invocation, argv: list[str], workspace: Path) -> RunResult:
        cwd = os.getcwd()
        os.chdir(workspace)
        try:
            with environment(inv, self.base_url):
                return run_main(argv)
        finally:
            os.chdir(cwd)

    def in_a_process(self, inv: Invocation, argv: list[str], workspace: Path) -> RunResult:
        """`python -m payssam ARGV` in workspace, with the sandbox settings of this simulator and no proxy."""
        env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
        env.update(GOOD_ENV, PAYSSAM_BASE_URL=self.base_url, NO_PROXY="127.0.0.1,localhost")
        for name, value in inv.env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        done = subprocess.run(
            [sys.executable, "-m", "payssam", *argv],
            cwd=workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=WAIT,
            check=False,
        )
        return RunResult(
            done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        )


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh in-process simulator (no socket); its callback worker is stopped afterwards."""
    simulator = Simulator(callback_retry_interval=3600.0)
    yield simulator
    simulator.stop()


@pytest.fixture
def harness(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """cli.main's clients answered by the in-process simulator; no proxy; the working directory restored."""

    def timeout(settings: cli.Settings) -> dict[str, Any]:
        return {} if settings.timeout is None else {"timeout": settings.timeout}

    def make_client(settings: cli.Settings) -> payssam.PaySsam:
        http = httpx.Client(transport=sim.transport())
        return payssam.PaySsam(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            **timeout(settings),
            backoff=NO_BACKOFF,
            http_client=http,
        )

    def make_async_client(settings: cli.Settings) -> payssam.AsyncPaySsam:
        http = httpx.AsyncClient(transport=sim.async_transport())
        return payssam.AsyncPaySsam(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            **timeout(settings),
            backoff=NO_BACKOFF,
            http_client=http,
        )

    monkeypatch.setattr(cli, "_make_client", make_client)
    monkeypatch.setattr(cli, "_make_async_client", make_async_client)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(os.getcwd())  # restored afterwards, whatever a run did
    running = Harness(sim, BASE, process=False)
    yield running
    running.close()


def plan() -> tuple[int, list[int]]:
    """The seed and the indexes of the invocations to run."""
    seed = random.SystemRandom().randrange(2**32) if FUZZING else QUICK_SEED
    seed = int(os.environ.get("PAYSSAM_FUZZ_SEED", "") or seed)
    count = int(os.environ.get("PAYSSAM_FUZZ_COUNT", "") or (FUZZ_COUNT if FUZZING else QUICK_COUNT))
    only = os.environ.get("PAYSSAM_FUZZ_ONLY", "")
    return seed, [int(index) for index in only.split(",")] if only else list(range(count))


# --------------------------------------------------------------------------- the fuzz


def test_hostile_invocations_in_process_keep_every_promise(
    harness: Harness, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seed, indexes = plan()
    TOTALS.seeds.append(seed)
    if FUZZING:
        announce(request, f"payssam cli fuzz: seed {seed}, {len(indexes):,} invocations (PAYSSAM_FUZZ_SEED={seed})")
    broken: list[Outcome] = []
    for index in indexes:
        outcome = harness.run(draw(seed, index, root=ROOT), tmp_path)
        TOTALS.record(outcome.result, outcome.failures)
        if outcome.unexpected:
            broken.append(outcome)
        else:
            remove(outcome.workspace)
    if broken:
        shown = "\n\n".join(outcome.report() for outcome in broken[:5])
        pytest.fail(f"{len(broken)} of {len(indexes)} invocations (seed {seed}) broke a promise:\n\n{shown}")


SLOTS: list[tuple[str, Callable[[Invocation], bool]]] = [
    ("send-batch that sends", lambda inv: inv.command == "send-batch" and inv.may_bill and not inv.refused),
    ("send-batch refused", lambda inv: inv.command == "send-batch" and bool(inv.refused)),
    ("send-batch dry run", lambda inv: inv.command == "send-batch" and "--dry-run" in inv.argv),
    ("reconcile", lambda inv: inv.command == "reconcile" and not inv.refused),
    ("reconcile refused", lambda inv: inv.command == "reconcile" and bool(inv.refused)),
    ("send", lambda inv: inv.command == "send"),
    ("a single bill", lambda inv: inv.command in ("read", "cancel", "destroy", "resend")),
    ("offline", lambda inv: inv.command in ("hash", "new-id")),
    ("help or the simulator's", lambda inv: inv.command in ("help", "sim")),
    ("no valid command", lambda inv: inv.command == "junk"),
]
"""The kinds of run the real-process sample holds, one invocation each."""


def sample() -> list[Invocation]:
    """For each slot, the first invocation of SAMPLE_SEED that fills it and that a real process can be given the
    same way (no NUL, no FIFO, no other base URL, no timing: --timeout and --rate left out)."""
    chosen: list[Invocation] = []
    for _, fits in SLOTS:
        for index in range(5000):
            inv = draw(SAMPLE_SEED, index, root=ROOT)
            timing = {"--base-url", "--timeout", "--rate"} & set(inv.argv) or any("--rate=" in a for a in inv.argv)
            if not inv.passable or inv.fifos or timing or "PAYSSAM_BASE_URL" in inv.env:
                continue
            if fits(inv) and inv not in chosen:
                chosen.append(inv)
                break
    assert len(chosen) == len(SLOTS)
    return chosen


def test_a_sample_keeps_its_promises_in_a_real_process(harness: Harness, tmp_path: Path) -> None:
    """The in-process results hold for `python -m payssam` against the simulator on a loopback socket."""
    served = Simulator(callback_retry_interval=3600.0)
    served.start()
    real = Harness(served, served.base_url, process=True)
    try:
        broken: list[str] = []
        for inv in sample():
            here = harness.run(inv, tmp_path / "in-process")
            there = real.run(inv, tmp_path / "process")
            TOTALS.record(there.result, there.failures, process=True)
            if there.unexpected or here.unexpected:
                broken.append(there.report() if there.unexpected else here.report())
            elif here.result.status != there.result.status:
                broken.append(
                    f"exit {here.result.status} in-process, {there.result.status} in a process:\n" + there.report()
                )
            assert "Traceback" not in there.result.err
    finally:
        real.close()
        served.stop()
    assert not broken, "\n\n".join(broken)


# --------------------------------------------------------------------------- the bugs the fuzz found


def run_in(workspace: Path, argv: list[str], env: dict[str, str | None] | None = None) -> RunResult:
    """One cli.main run in workspace (the harness's simulator answers), the environment the sandbox's."""
    cwd = os.getcwd()
    os.chdir(workspace)
    try:
        inv = Invocation(seed=0, index=0, env=env or {})
        with environment(inv, BASE):
            return run_main(argv)
    finally:
        os.chdir(cwd)


def bills_csv(path: Path, count: int = 2) -> Path:
    rows = "".join(f",{1000 * (n + 1)},0105555{n:04d},고객{n},12월 수강료\n" for n in range(count))
    path.write_text("bill_id,price,phone,customer_name,product_name\n" + rows, encoding="utf-8")
    return path


def bug(name: str) -> pytest.MarkDecorator:
    """A strict xfail for a known product bug: the test passes the day it is fixed, and then must be unmarked."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"product bug: {KNOWN_BUGS[name]}")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "y" * 300], id="output"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "y" * 300], id="csv"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "y" * 250], id="journal"),
        pytest.param(["reconcile", "in.csv", "--csv", "y" * 300], id="reconcile-csv"),
        pytest.param(["reconcile", "b" * 246 + ".csv"], id="reconcile-default-output"),
    ],
)
def test_an_output_name_over_255_bytes_is_refused_with_exit_2(
    argv: list[str], harness: Harness, tmp_path: Path
) -> None:
    """Found by this fuzz before 0.3.0: `payssam send-batch in.csv --callback-url URL --output $(printf 'y%.0s'
    {1..300})` exits 5 with 'payssam: error: File name too long (yyy…)': Path.is_symlink() raises ENAMETOOLONG in
    check_outputs, which _dispatch reports as a local failure; the same name as FILE is refused with exit 2."""
    bills_csv(tmp_path / "in.csv")
    bills_csv(tmp_path / ("b" * 246 + ".csv"))
    result = run_in(tmp_path, argv)
    assert result.status == 2, (result.status, result.err[:300])
    assert harness.bills() == 0


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_the_root_directory_as_output_is_refused_with_exit_2(dry_run: bool, harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `payssam send-batch in.csv --callback-url URL --output /` exits 5 'internal
    error (ValueError)': journal_path names the journal after the output, and Path('/') has no name even made
    absolute; reconcile --output / and --csv / are refused as directories (exit 2)."""
    bills_csv(tmp_path / "in.csv")
    argv = ["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "/", *(["--dry-run"] if dry_run else [])]
    result = run_in(tmp_path, argv)
    assert result.status == 2, (result.status, result.err)
    assert "is a directory" in result.err
    assert harness.bills() == 0


@pytest.mark.parametrize("key", ["1", " "], ids=["one-digit", "a-space"])
def test_an_apikey_of_one_character_never_breaks_the_json_output(key: str, harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `PAYSSAM_APIKEY=' ' payssam --json send-batch in.csv --callback-url URL` prints
    {..., "outcomes": {"failed":***1}, ...}: such a key passes validation.credential (1 to 32 characters), and
    cli_common.emit masks it by substring in the JSON text of each value. With a key of '1', `payssam --json read
    ABC` names an ApiError of code '***003': the answer is scrubbed (protocol._scrub) before its code is classified.
    Either the key must be refused (exit 2), or stdout must stay one JSON object with the answer's code."""
    bills_csv(tmp_path / "in.csv")
    sent = run_in(tmp_path, ["--json", "send-batch", "in.csv", "--callback-url", CALLBACK], {ENV_KEY: key})
    read = run_in(tmp_path, ["--json", "read", "ABC"], {ENV_KEY: key})
    assert sent.status in (1, 2), sent
    assert read.status in (1, 2), read
    assert one_json_object(sent.out), sent.out
    assert one_json_object(read.out), read.out
    if read.status == 1:
        assert json.loads(read.out)["error"]["code"] == "1003", read.out


def one_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict) and text.count("\n") == 1
    except ValueError:
        return False


def test_an_apikey_file_path_with_a_nul_is_refused_with_exit_2(harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `cli.main(["--apikey-file", "key\\0.txt", "read", "ABC"])` exits 5 'internal
    error (ValueError)': Path.read_text raises ValueError (embedded null byte), which _read_apikey does not catch;
    FILE, --output and --csv with a NUL are refused with exit 2 ('must not contain a NUL character')."""
    result = run_in(tmp_path, ["--apikey-file", "key\0.txt", "read", "ABC"])
    assert result.status == 2, (result.status, result.err)
    assert "apikey_file" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["hash", "ABC", "1000", "--apikey", SECRET], id="hash"),
        pytest.param(["hash", "ABC", "1000", f"--apikey={SECRET}", "--json"], id="hash-json"),
        pytest.param(["new-id", f"--apikey={SECRET}"], id="new-id"),
    ],
)
def test_offline_commands_refuse_the_apikey_flag_without_echoing_it(argv: list[str], tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `payssam hash ABC 1000 --apikey SECRET` prints 'payssam: error: unrecognized
    arguments: --apikey SECRET': hash and new-id lack the hidden --apikey that refuses the flag without its value,
    so argparse echoes it."""
    result = run_in(tmp_path, argv)
    assert result.status == 2
    assert SECRET.lower() not in (result.out + result.err).lower(), result.out + result.err


@pytest.mark.parametrize("argv", [["sim", "--bogus\x1b[31m"], ["sim", "--\x9bx", "--help\u202e"]])
def test_sim_usage_errors_never_print_control_characters_raw(argv: list[str], tmp_path: Path) -> None:
    """`payssam sim $'--bogus\\e[31m'` prints the ESC byte raw on stderr: payssam_sim.cli's argparse errors echo
    the arguments as they are, where the rest of payssam escapes them (cli_common.printable)."""
    result = run_in(tmp_path, argv)
    assert result.status == 2
    assert not RAW_CONTROL.search(result.out + result.err), repr(result.err)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "out.fifo"], id="output"),
        pytest.param(["send-batch", "in.csv", "--callback-url", CALLBACK, "--csv", "out.fifo"], id="csv"),
        pytest.param(
            ["send-batch", "in.csv", "--callback-url", CALLBACK, "--output", "out.fifo", "--dry-run"], id="dry-run"
        ),
        pytest.param(["reconcile", "in.csv", "--output", "out.fifo"], id="reconcile-output"),
        pytest.param(["reconcile", "in.csv", "--csv", "out.fifo"], id="reconcile-csv"),
    ],
)
def test_a_fifo_given_as_an_output_is_refused_without_being_opened(
    argv: list[str], harness: Harness, tmp_path: Path
) -> None:
    """Found by this fuzz before 0.3.0: `mkfifo out.fifo; payssam reconcile in.csv --output out.fifo` never ends:
    outputs.check_ours (and read_records) open the FIFO for reading, which blocks until some writer comes. Here a
    writer comes as soon as the FIFO is opened for reading (so the run ends), and that it came is the bug."""
    bills_csv(tmp_path / "in.csv")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    with FifoWriter({fifo: "output"}) as writer:
        result = run_in(tmp_path, argv)
    assert not writer.opened, (
        f"the FIFO was opened for reading: without a writer the run would block for ever ({result})"
    )
    assert result.status == 2
    assert harness.bills() == 0


def test_an_apikey_file_that_is_a_fifo_is_refused_without_being_opened(harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `mkfifo key; payssam --apikey-file key read ABC` never ends: _read_apikey reads
    the FIFO, which blocks until a writer comes (and then reads whatever the writer sends, for as long as it sends
    it)."""
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    with FifoWriter({fifo: "apikey_file"}) as writer:
        result = run_in(tmp_path, ["--apikey-file", "key.fifo", "read", "ABC"])
    assert not writer.opened, (
        f"the FIFO was opened for reading: without a writer the run would block for ever ({result})"
    )
    assert result.status == 2


def test_a_file_that_is_not_utf8_is_refused_naming_the_line_of_the_bad_bytes(harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `payssam reconcile ids.txt`, whose line 41 is EUC-KR, says 'ids.txt line 1 is
    not UTF-8 text': the text stream decodes a whole chunk ahead of the line being read, so the error surfaces at
    the first readline."""
    lines = [f"ID{number:08d}\n".encode() for number in range(60)]
    lines[40] = "ID한글\n".encode("euc-kr")
    (tmp_path / "ids.txt").write_bytes(b"".join(lines))
    result = run_in(tmp_path, ["reconcile", "ids.txt"])
    assert result.status == 2
    assert "line 41 is not UTF-8 text" in result.err, result.err


def test_a_rerun_shows_progress_within_its_total(harness: Harness, tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `payssam send-batch in.csv --callback-url URL` run twice: the second prints
    'send-batch: 2/1 (200%), …, ETA -0 s; earlier runs 1' on stderr (each line's done count must stay at most its
    total)."""
    bills_csv(tmp_path / "in.csv", 1)
    argv = ["send-batch", "in.csv", "--callback-url", CALLBACK]
    first = run_in(tmp_path, argv)
    assert (first.status, harness.bills()) == (0, 1), first
    again = run_in(tmp_path, argv)
    assert (again.status, harness.bills()) == (0, 1), again
    counts = re.findall(r"send-batch: (\d+)/(\d+) ", again.err)
    assert counts, again.err
    assert all(int(done) <= int(total) for done, total in counts), again.err


def test_an_apikey_file_of_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    """Found by this fuzz before 0.3.0: `payssam --apikey-file /dev/zero read ABC` reads until memory runs out. Run as
    a process with its address space limited to 1 GiB, so the machine keeps its memory: it must be refused (exit 2)
    naming apikey_file."""
    resource = pytest.importorskip("resource")

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    env.update(PAYSSAM_MEMBER=MEMBER, PAYSSAM_MERCHANT=MERCHANT, PAYSSAM_BASE_URL="http://127.0.0.1:9")

    def payssam_limited(key_file: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "payssam", "--apikey-file", key_file, "read", "ABC"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
            preexec_fn=limit_memory,
        )

    probe = payssam_limited("/dev/null")
    if probe.returncode != 2:
        pytest.skip(f"payssam does not run within 1 GiB of address space here: {probe.stderr[-300:]}")
    done = payssam_limited("/dev/zero")
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert "apikey_file" in done.stderr
