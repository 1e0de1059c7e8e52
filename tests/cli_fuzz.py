"""Hostile invocations of the `payssam` command line, for tests/test_cli_fuzz.py: drawn, materialised, checked.

An invocation is drawn from random.Random(f"...:{seed}:{index}") alone, so any one of them can be rebuilt from
its seed and index without drawing the others (PAYSSAM_FUZZ_SEED and PAYSSAM_FUZZ_ONLY replay it). It is an argv,
environment overrides, the files of its workspace (the working directory of the run), the bills the simulator
holds beforehand, and what the run must show: an exit 2 when something it was given is surely refused, a line
named in the message when only that line is wrong. check() holds every run to the command line's promises.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import stat
import string
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from payssam import _validation as validation
from payssam import cli

from kit import APIKEY, MEMBER, MERCHANT

SECRET = "Key-%SECRET%-42"
"""A distinctive apikey (the simulator answers 1003): it must never show, in any case or %-encoded."""
BASE = "http://127.0.0.1"
CALLBACK = "http://127.0.0.1:9/payssam/approval"
ENV_NAMES = ("PAYSSAM_APIKEY", "PAYSSAM_MEMBER", "PAYSSAM_MERCHANT", "PAYSSAM_BASE_URL")
GOOD_ENV = {"PAYSSAM_APIKEY": APIKEY, "PAYSSAM_MEMBER": MEMBER, "PAYSSAM_MERCHANT": MERCHANT, "PAYSSAM_BASE_URL": BASE}
ALLOWED_STATUSES = frozenset({0, 1, 2, 3, 4, 130})
NETWORK = ("send", "read", "cancel", "destroy", "resend", "send-batch", "reconcile")
OFFLINE = ("hash", "new-id")
WS = "\ue000/"
"""Prefix of an argument naming a path inside the workspace absolutely (replaced when the run is materialised)."""
NAME_MAX = 255
PROC_SYS_READ_ONLY = not os.access("/proc/sys", os.W_OK | os.X_OK)
BATCH_HEADER = ["bill_id", "price", "phone", "customer_name", "product_name", "message", "issuer", "expires_on"]
SEND_BATCH_JSONL = '{"payssam": "send-batch", "format": 2}\n'
RECONCILE_JSONL = '{"payssam": "reconcile", "format": 2}\n'
SEND_BATCH_CSV = "line,bill_id,outcome,short_url,error,message\r\n"
RECONCILE_CSV = "line,bill_id,state,price,approved_at,approval_number,pay_type,error,message\r\n"
NAMES = ["홍길동", "김철수", "이영희", "박민수", "최지우", "정하늘", "한가람"]
PRODUCTS = ["수강료", "교재비", "급식비", "체험학습비", "Tuition"]
FUTURE = (date.today() + timedelta(days=40)).isoformat()
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal acts on (C0 but the newline, DEL, C1) and bidirectional controls: never printed raw."""
KNOWN_BUGS: dict[str, str] = {}
"""Product bugs this fuzz finds (each has its own strict xfail test): failures they explain are counted apart."""


# --------------------------------------------------------------------------- an invocation


@dataclass(frozen=True, slots=True)
class Spec:
    """One entry of a workspace: a file with its bytes, a directory, a link to another entry or a path, a FIFO."""

    kind: str  # file, dir, rodir, symlink, hardlink, fifo
    data: bytes = b""
    target: str = ""
    ours: bool = False
    """A results file payssam wrote (its header first): a run may append to it, so its bytes are not held."""


@dataclass(frozen=True, slots=True)
class Seed:
    """A bill the simulator holds before the run (sent with the sandbox credentials)."""

    bill_id: str
    price: int
    phone: str


@dataclass
class Invocation:
    """One hostile run of `payssam`: what to build, what to run, and what it must show."""

    seed: int
    index: int
    command: str = ""
    argv: list[str] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)
    files: dict[str, Spec] = field(default_factory=dict)
    fifos: dict[str, str] = field(default_factory=dict)
    """FIFO name -> the argument it is given as (file, output, csv_output, apikey_file)."""
    bills: list[Seed] = field(default_factory=list)
    secrets: set[str] = field(default_factory=lambda: {APIKEY})
    json: bool = False
    help: bool = False
    may_bill: bool = False
    refused: list[tuple[str, str | None]] = field(default_factory=list)
    """Why the run must exit 2 (and the text its message must hold, when only that is wrong)."""
    tags: list[str] = field(default_factory=list)

    @property
    def passable(self) -> bool:
        """Whether a real process can be given this run (no NUL in an argument or the environment)."""
        values = [*self.argv, *(value for value in self.env.values() if value is not None)]
        return not any("\0" in value for value in values)

    def replay(self) -> str:
        return (
            f"PAYSSAM_FUZZ=1 PAYSSAM_FUZZ_SEED={self.seed} PAYSSAM_FUZZ_ONLY={self.index} "
            ".venv/bin/pytest -q tests/test_cli_fuzz.py -k in_process"
        )

    def describe(self) -> str:
        """Everything needed to rebuild the run by hand: argv, environment, files."""
        lines = [
            f"invocation {self.index} of seed {self.seed}: {self.command} [{', '.join(self.tags)}]",
            f"replay: {self.replay()}",
            f"argv: {self.argv!r}",
            f"environment (over {sorted(GOOD_ENV)} set to the sandbox): {self.env!r}",
        ]
        if self.bills:
            lines.append(f"bills held beforehand: {[bill.bill_id for bill in self.bills]}")
        if self.refused:
            lines.append(f"must be refused (exit 2): {[reason for reason, _ in self.refused]}")
        lines.append("files (in the working directory; \\ue000/ is its absolute path):")
        for name, spec in self.files.items():
            if spec.kind == "file":
                digest = hashlib.sha256(spec.data).hexdigest()[:16]
                shown = f"{len(spec.data)} bytes sha256 {digest}… {spec.data[:160]!r}"
                lines.append(f"  {name!r}: file{' (ours)' if spec.ours else ''} {shown}")
            else:
                lines.append(f"  {name!r}: {spec.kind} {spec.target!r}".rstrip())
        return "\n".join(lines)


# --------------------------------------------------------------------------- drawing


HOSTILE_IDS = ["AB-CD", "AB CD", "A" * 21, "가나다", "\x1b[31mX", "ABC\u202e", " ABC", "\uff11\uff12\uff13"]
HOSTILE_PRICES = ["1,000", "-1", "99999999999", "\uff11\uff10\uff10\uff10", " 1000", "1e3", "", "10000000000", "1000원"]
HOSTILE_PHONES = [
    "010-1234-5678",
    "+82 10 1234 5678",
    "\uff10\uff11\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
    "0101234",
    "010123456789",
    "",
]
ESCAPED_NAMES = [
    "\x1b[31m홍길동\x1b[0m",
    "\x9b31m김철수",
    "이영희\x07",
    "\u202e박민수",
    "\x1b]0;title\x07정하늘",
    "한\r가람",
]
FORMULAS = ['=HYPERLINK("http://evil.example/","x")', "+SUM(1,2)", "@cmd", "-1+1", "\uff1d1+1", "\t=1"]
BAD_EXPIRY = ["2020-01-01", "2026/12/01", "tomorrow", "2026-02-30", "2026-13-01", " 2026-12-01"]
HOSTILE_URLS = [
    "http://127.0.0.1:-1",
    "http://127.0.0.1:0",
    "http://127.0.0.1:65536",
    "ftp://x",
    "http://",
    "http://a b",
    "http://[::1",
    "http://127.0.0.1\0/",
    "http://user:pw@127.0.0.1",
    "http://127.0.0.1/?q=1",
    "",
    " ",
    "\x1b[31mhttp://127.0.0.1",
    "http://xn--a.example",
    "http://" + "a" * 300,
]
ODD_VALUES = ["", " ", "\t", "\x1b[31m", "a\nb", "\u202e", "x" * 300, "-x", "%00", "멤버"]
RATES = ["0", "-1", "1e-300", "1e300", "nan", "inf", "10/s", "abc", "1000", "500/s", "-inf", "10/s/s", ""]
CONCURRENCIES = ["0", "-1", "257", "1.5", "x", "", "1", "256", "4"]
TIMEOUTS = ["0", "-1", "nan", "inf", "1e400", "x", "", "-0", "86401", "2.5", "30", "1e-300", "0.001"]
UNKNOWN_FLAGS = [["--bogus"], ["-x"], ["--apikey-fil", "k"], ["--json=yes"], ["--"], ["---"], ["-"]]
BAD_RATES = {"0", "-1", "1e-300", "1e300", "nan", "inf", "abc", "-inf", "10/s/s", ""}
BAD_CONCURRENCIES = {"0", "-1", "257", "1.5", "x", ""}
BAD_TIMEOUTS = {"0", "-1", "nan", "inf", "1e400", "x", "", "-0", "86401"}
COMMANDS = ["send-batch", "reconcile", "send", "read", "cancel", "destroy", "resend", "hash", "new-id", "help", "sim"]
COMMANDS.append("junk")
WEIGHTS = [30, 22, 8, 3, 2, 2, 2, 4, 3, 6, 3, 5]
# Not /dev/zero: read whole, it takes every byte of memory (a known bug, run in a process with its memory limited by
# test_an_apikey_file_of_dev_zero_is_refused_at_once). A FIFO is safe: FifoWriter stands at its other end.
KEY_FILES = ["secret", "secret", "sandbox", "link", "dir", "missing", "empty", "blank", "devnull", "binary", "nul"]
KEY_FILES += ["long", "dangling", "fifo", "empty-path"]
HOSTILE_INPUTS = ["dot", "dotdot", "root", "dir", "missing", "missing-dir", "nul", "control", "long", "dangling"]
HOSTILE_INPUTS += ["devzero", "devnull", "to-devzero", "fifo", "empty"]
OUTPUTS = ["new", "new", "new-odd", "new-absolute", "input", "hardlink", "symlink", "dangling", "dir", "missing-dir"]
OUTPUTS += [
    "readonly",
    "nul",
    "empty",
    "long",
    "foreign",
    "foreign",
    "ours",
    "same",
    "journal",
    "fifo",
    "devnull",
    "proc",
]


class Draw:
    """Draws one invocation; every choice comes from its own seeded generator."""

    def __init__(self, seed: int, index: int, *, root: bool) -> None:
        self.rng = random.Random(f"payssam-cli-fuzz:{seed}:{index}")
        self.root = root
        self.calm = self.chance(0.3)
        """A calm invocation is odd but valid (escapes, formulas, odd names, a BOM...): it should get through."""
        self.inv = Invocation(seed=seed, index=index)
        self.before: list[str] = []
        """Global options placed before the subcommand."""
        self.after: list[str] = []
        """Global options placed after the subcommand's own arguments."""
        self.flags: dict[str, str] = {}
        """The value of each global option given."""

    # ------------------------------------------------------------------ helpers

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def hostile(self, probability: float) -> bool:
        """Whether to take a hostile choice (never in a calm invocation)."""
        return not self.calm and self.chance(probability)

    def pick(self, choices: list[str]) -> str:
        return self.rng.choice(choices)

    def tag(self, name: str) -> None:
        self.inv.tags.append(name)

    def refuse(self, reason: str, text: str | None = None) -> None:
        self.inv.refused.append((reason, text))

    def add(self, name: str, spec: Spec) -> str:
        """Add an entry to the workspace under name (made unique); its name."""
        unique, number = name, 1
        while unique in self.inv.files:
            number += 1
            unique = f"{number}-{name}"
        self.inv.files[unique] = spec
        return unique

    def bill_id(self) -> str:
        return "F" + "".join(self.rng.choices(string.ascii_uppercase + string.digits, k=self.rng.randint(5, 19)))

    def phone(self) -> str:
        return f"010{self.rng.randrange(10**8):08d}"

    def global_option(self, option: list[str]) -> None:
        """A setting's option, before or after the subcommand (after an offline one it is unknown: refused)."""
        if len(option) == 2:
            self.flags[option[0]] = option[1]
        if self.chance(0.5):
            self.before += option
            return
        self.after += option
        if self.inv.command in OFFLINE:
            self.refuse(f"{option[0]} after an offline subcommand")

    # ------------------------------------------------------------------ the whole invocation

    def draw(self) -> Invocation:
        command = self.rng.choices(COMMANDS, weights=WEIGHTS)[0]
        self.inv.command = command
        self.tag(command)
        if self.calm:
            self.tag("calm")
        body: list[str]
        if command == "send-batch":
            body = self.send_batch()
        elif command == "reconcile":
            body = self.reconcile()
        elif command == "send":
            body = self.send()
        elif command in ("read", "cancel", "destroy", "resend"):
            body = self.bill_command(command)
        elif command == "hash":
            body = self.hash()
        elif command == "new-id":
            body = self.new_id()
        elif command == "help":
            body = self.help()
        elif command == "sim":
            body = self.sim()
        else:
            body = self.junk()
        if command in (*NETWORK, *OFFLINE):
            self.globals()
        if command == "sim":  # every argument after `sim` is the simulator's: global options go before it only
            self.inv.argv = [*self.before, *body]
        else:
            self.inv.argv = [*self.before, *body, *self.after]
        if command in (*NETWORK, *OFFLINE) and self.hostile(0.05):
            self.inv.argv.insert(self.rng.randint(1, len(self.inv.argv)), self.pick(["--help", "-h"]))
            self.inv.help = True
            self.tag("help-flag")
        self.inv.help = self.inv.help or command == "help"
        if command != "sim":  # after `--` every argument is a value: --json there is no flag
            options = self.inv.argv[: self.inv.argv.index("--")] if "--" in self.inv.argv else self.inv.argv
            self.inv.json = "--json" in options
        self.inv.may_bill = command in ("send", "send-batch") and "--dry-run" not in self.inv.argv
        return self.inv

    def globals(self) -> None:
        """Settings and flags common to every subcommand, and the environment."""
        if self.chance(0.4):
            place = self.pick(["before", "after", "both"])
            if place in ("before", "both"):
                self.before.insert(0, "--json")
            if place in ("after", "both"):
                self.after.append("--json")
            self.inv.json = True
            self.tag(f"json-{place}")
        if self.hostile(0.25):
            self.environment()
        if self.hostile(0.12):
            self.global_option(["--base-url", self.pick(HOSTILE_URLS)])
            self.tag("base-url")
        if self.hostile(0.08):
            option = self.pick(["--member", "--merchant"])
            value = self.pick(ODD_VALUES)
            self.global_option([option, value])
            self.tag("odd-" + option.strip("-"))
            if value.startswith("-"):  # taken for an option: the flag has no value
                self.refuse(f"{option} {value!r}")
        if self.chance(0.25):
            self.apikey_file()
        if self.chance(0.12):
            value = self.pick(["2.5", "30", "1e-300", "0.001"] if self.calm else TIMEOUTS)
            self.global_option(["--timeout", value])
            self.tag("timeout")
            if self.inv.command in NETWORK and value in BAD_TIMEOUTS:
                self.refuse(f"--timeout {value!r}")
        if self.hostile(0.06):
            form = self.pick(["split", "equals", "bare"])
            option = {"split": ["--apikey", SECRET], "equals": [f"--apikey={SECRET}"], "bare": ["--apikey"]}[form]
            self.inv.secrets.add(SECRET)
            if self.chance(0.5):
                self.before[:0] = option
            else:
                self.after += option
                if self.inv.command in OFFLINE:
                    self.tag("apikey-flag-offline")
            self.refuse("there is no --apikey flag")
            self.tag("apikey-flag")
        if self.hostile(0.06):
            flag = list(self.rng.choice(UNKNOWN_FLAGS))
            if self.chance(0.3):
                self.before[:0] = flag
                self.refuse(f"unknown option {flag[0]}")
            else:
                self.after += flag
                # `--` after the arguments only ends the options; `-` may be new-id's PREFIX (dropped for --prefix)
                if flag != ["--"] and not (flag == ["-"] and self.inv.command == "new-id"):
                    self.refuse(f"unknown option {flag[0]}")
            self.tag("unknown-flag")
        self.settings_refusals()

    def environment(self) -> None:
        """One or two of the settings' variables unset, empty, blank, odd, or the distinctive key."""
        for name in self.rng.sample(ENV_NAMES, self.rng.randint(1, 2)):
            value: str | None = self.rng.choice([None, "", " ", "\t", "\x1b[31m", "a\nb", "\u202e", "x" * 300])
            if name == "PAYSSAM_APIKEY" and self.chance(0.4):
                value = SECRET
                self.inv.secrets.add(SECRET)
            if name == "PAYSSAM_BASE_URL" and self.chance(0.4):
                value = self.pick([url for url in HOSTILE_URLS if "\0" not in url])
            self.inv.env[name] = value
            self.tag(f"env-{name.removeprefix('PAYSSAM_').lower()}")

    def settings_refusals(self) -> None:
        """The settings a network command ends up with (a flag, else its variable): those surely refused."""
        if self.inv.command not in NETWORK:
            return
        env = {**GOOD_ENV, **self.inv.env}

        def effective(flag: str, name: str) -> str:  # an empty flag falls back to the variable
            return self.flags.get(flag) or env.get(name) or ""

        base_url = effective("--base-url", "PAYSSAM_BASE_URL")
        if base_url != BASE:  # every other URL drawn here is refused
            self.refuse(f"base URL {base_url!r}")
        for flag, name, limit in (
            ("--member", "PAYSSAM_MEMBER", validation.MEMBER_MAX),
            ("--merchant", "PAYSSAM_MERCHANT", validation.MERCHANT_MAX),
        ):
            value = effective(flag, name)
            if not value or len(value) > limit:
                self.refuse(f"{flag.strip('-')} {value[:20]!r}")
        if not self.flags.get("--apikey-file"):  # no key file, or an empty path: the variable holds the key
            key = env.get("PAYSSAM_APIKEY") or ""
            if not key or len(key) > validation.APIKEY_MAX:
                self.refuse(f"apikey of {len(key)} characters")
            elif len(key) < 4 or not key.strip():
                self.tag("short-apikey")

    def apikey_file(self) -> None:
        """--apikey-file: the distinctive key, the sandbox key, or something that is no key file."""
        kind = self.pick(["secret", "sandbox", "link", "empty-path"] if self.calm else KEY_FILES)
        self.tag(f"apikey-file-{kind}")
        path: str
        good = False
        if kind == "secret":
            data = self.pick([SECRET, f"  {SECRET}\n", f"\t{SECRET}\r\n"]).encode()
            path = self.add("apikey.txt", Spec("file", data))
            self.inv.secrets.add(SECRET)
            good = True
        elif kind == "sandbox":
            path = self.add("sandbox.key", Spec("file", f"{APIKEY}\n".encode()))
            good = True
        elif kind == "link":
            target = self.add("apikey.txt", Spec("file", SECRET.encode()))
            path = self.add("key-link", Spec("symlink", target=target))
            self.inv.secrets.add(SECRET)
            good = True
        elif kind == "dir":
            path = self.pick([".", "..", self.add("keys", Spec("dir"))])
        elif kind == "missing":
            path = self.pick(["no-such.key", "no/such/dir.key"])
        elif kind == "empty":
            path = self.add("empty.key", Spec("file", b""))
        elif kind == "blank":
            path = self.add("blank.key", Spec("file", b" \n\t\r\n"))
        elif kind == "devnull":
            path = "/dev/null"
        elif kind == "binary":
            path = self.add("binary.key", Spec("file", bytes(self.rng.randrange(256) for _ in range(64)) + b"\xff"))
        elif kind == "nul":
            path = "key\0.txt"
            self.tag("apikey-nul")
        elif kind == "long":
            path = "k" * 5000
        elif kind == "dangling":
            path = self.add("dangling.key", Spec("symlink", target="nowhere/at/all"))
        elif kind == "fifo":
            path = self.add("key.fifo", Spec("fifo"))
            self.inv.fifos[path] = "apikey_file"
        else:
            path = ""  # an empty --apikey-file falls back to PAYSSAM_APIKEY
            good = True
        if self.chance(0.2) and not path.startswith("/") and path not in ("", ".", ".."):
            path = WS + path
        self.global_option(["--apikey-file", path])
        if self.inv.command in NETWORK and not good:
            self.refuse(f"--apikey-file {kind}")

    # ------------------------------------------------------------------ send-batch

    def send_batch(self) -> list[str]:
        source = self.batch_file()
        argv = ["send-batch", source]
        if not self.hostile(0.12):
            argv += ["--callback-url", self.hostile_callback() if self.hostile(0.15) else CALLBACK]
        else:
            self.refuse("--callback-url is required")
        dry = self.chance(0.25)
        self.outputs(argv, source, "send-batch", dry=dry)
        if self.chance(0.2):
            value = self.pick(["1", "4", "256"] if self.calm else CONCURRENCIES)
            argv += ["--concurrency", value]
            self.tag("concurrency")
            if value in BAD_CONCURRENCIES:
                self.refuse(f"--concurrency {value!r}")
        if self.chance(0.2):
            value = self.pick(["1000", "500/s"] if self.calm else RATES)
            argv += [
                f"--rate={value}" if value.startswith("-") else "--rate",
                *([] if value.startswith("-") else [value]),
            ]
            self.tag("rate")
            if value in BAD_RATES:
                self.refuse(f"--rate {value!r}")
        if dry:
            argv.append("--dry-run")
            self.tag("dry-run")
        return argv

    def hostile_callback(self) -> str:
        url = self.pick(["ftp://x/cb", "http://127.0.0.1:0/cb", "", "http://a b/", "\x1b[31m", "http://u@h/cb"])
        self.refuse(f"--callback-url {url!r}")
        self.tag("callback")
        return url

    def batch_file(self) -> str:
        """FILE of send-batch: a CSV (valid, or with hostile content), or a path that is no readable file."""
        if self.hostile(0.18):
            return self.hostile_input()
        header = list(BATCH_HEADER)
        rows = [self.batch_row(number) for number in range(self.rng.randint(1, 4))]
        population = CALM_MUTATIONS if self.calm else BATCH_MUTATIONS
        mutations = [] if self.chance(0.25) else self.rng.sample(population, self.rng.randint(1, 3))
        mutations.sort(key=lambda name: name == "twice")  # copied last, so the two rows stay alike
        reasons: list[str] = []
        for name in mutations:
            self.tag(name)
            if name in CELL_MUTATIONS:
                reasons.append(CELL_MUTATIONS[name](self, header, rows))
        data = csv_bytes(header, rows)
        for name in mutations:
            if name in BYTE_MUTATIONS:
                data, reason = BYTE_MUTATIONS[name](self, data)
                reasons.append(reason)
        if "half-line" in mutations:  # the cut may take away the very cell that was wrong
            reasons = []
        if "empty" in mutations:
            data = b""
        self.file_refusals(data, [reason for reason in reasons if reason], single=len(mutations) == 1, empty=True)
        return self.name_input(data)

    def file_refusals(self, data: bytes, reasons: list[str], *, single: bool, empty: bool) -> None:
        """Refusals of a file's content: a line that is not text (named in the message when it is all that is
        wrong), the reasons of its mutations, and (empty) having no content at all."""
        problem = line_problem(data)
        if problem is not None:
            self.refuse(f"the file's {problem}", problem if single and not reasons else None)
        for reason in reasons:
            self.refuse(reason)
        if empty and not data.strip(b"\xef\xbb\xbf \t\r\n"):
            self.refuse("the file has no header row")

    def batch_row(self, number: int) -> list[str]:
        return [
            self.bill_id() if self.chance(0.5) else "",
            str(self.rng.randrange(1000, 500000, 100)),
            self.phone(),
            self.pick(NAMES),
            f"{number + 1}월 {self.pick(PRODUCTS)}",
            "" if self.chance(0.6) else "이번 달 안내입니다.",
            "" if self.chance(0.7) else "행복학원",
            "" if self.chance(0.6) else FUTURE,
        ]

    def name_input(self, data: bytes) -> str:
        """The input file under a plain, odd or long name; sometimes given through a link or absolutely."""
        name = self.pick(["bills.csv", "bills.csv", "bills.csv", "12월 청구.csv", "bills\x1b[31m\n.csv", "-bills.csv"])
        if self.hostile(0.06):  # a valid name whose results or journal name is over 255 bytes
            name = "b" * self.rng.randint(236, 250) + ".csv"
            self.tag("input-long-name")
        path = self.add(name, Spec("file", data))
        way = self.rng.random()
        if way < 0.08:
            path = self.add("link.csv", Spec("symlink", target=path))
            self.tag("input-symlink")
        elif way < 0.14:
            path = self.add("hard.csv", Spec("hardlink", target=path))
            self.tag("input-hardlink")
        elif way < 0.3:
            path = WS + path
            self.tag("input-absolute")
        if path.startswith("-"):
            self.refuse("FILE starts with '-': argparse takes it for an option")
        return path

    def hostile_input(self) -> str:
        """A FILE that is not a readable regular file: refused before it is opened."""
        kind = self.pick(HOSTILE_INPUTS)
        self.tag(f"input-{kind}")
        self.refuse(f"FILE is {kind}")
        if kind == "dir":
            return self.add("adir", Spec("dir"))
        if kind == "dangling":
            return self.add("dangling.csv", Spec("symlink", target="nowhere.csv"))
        if kind == "to-devzero":
            return self.add("zero.csv", Spec("symlink", target="/dev/zero"))
        if kind == "fifo":
            path = self.add("in.fifo", Spec("fifo"))
            self.inv.fifos[path] = "file"
            return path
        return {
            "dot": ".",
            "dotdot": "..",
            "root": "/",
            "missing": "missing.csv",
            "missing-dir": "no/such/dir.csv",
            "nul": "bills\0.csv",
            "control": "bills\x1b[31m\n\x07.csv",
            "long": "x" * 5000,
            "devzero": "/dev/zero",
            "devnull": "/dev/null",
            "empty": "",
        }[kind]

    # ------------------------------------------------------------------ outputs

    def outputs(self, argv: list[str], source: str, kind: str, *, dry: bool) -> None:
        """--output and --csv: new files, or everything a command must refuse to write into."""
        output: str | None = None
        if self.chance(0.45):
            output = self.output("output", source, kind, dry=dry, other=None)
            argv += ["--output", output]
        if self.chance(0.35):
            other = output if output is not None else default_output(source, kind)
            argv += ["--csv", self.output("csv_output", source, kind, dry=dry, other=other)]
        named = output if output is not None else default_output(source, kind)
        too_long = [named, named + ".journal"] if kind == "send-batch" else [named]
        if any(len(os.path.basename(path).encode()) > NAME_MAX for path in too_long):
            self.tag("output-long")
            self.refuse("an output name is longer than 255 bytes")

    def output(self, name: str, source: str, kind: str, *, dry: bool, other: str | None) -> str:
        choice = self.pick(["new", "new-odd", "new-absolute", "ours"] if self.calm else OUTPUTS)
        self.tag(f"{name}-{choice}")
        suffix = ".jsonl" if name == "output" else ".csv"
        entry = self.inv.files.get(source.removeprefix(WS), Spec("none"))
        if entry.kind == "symlink":
            entry = self.inv.files.get(entry.target, Spec("none"))
        regular_input = entry.kind in ("file", "hardlink")  # FILE names a regular file, directly or by a link
        if choice == "new":
            return self.unused("results" + suffix)
        if choice == "new-odd":
            return self.unused(self.pick(["결과", "out\x1b[31m", "out\nput", "o u t"]) + suffix)
        if choice == "new-absolute":
            return WS + self.unused("abs" + suffix)
        if choice == "input":
            if regular_input:
                self.refuse(f"{name} is the input")
            return source
        if choice == "hardlink":
            if regular_input:
                target = source.removeprefix(WS)
                while self.inv.files[target].kind in ("hardlink", "symlink"):
                    target = self.inv.files[target].target
                self.refuse(f"{name} is a hard link to the input")
                return self.add("hard-out" + suffix, Spec("hardlink", target=target))
            return self.unused("hard-out" + suffix)
        if choice == "symlink":
            target = source.removeprefix(WS) if regular_input else "results" + suffix
            self.refuse(f"{name} is a symbolic link")
            return self.add("link-out" + suffix, Spec("symlink", target=target))
        if choice == "dangling":
            self.refuse(f"{name} is a symbolic link to nothing")
            return self.add("dangling-out" + suffix, Spec("symlink", target="no/such/file"))
        if choice == "dir":
            self.refuse(f"{name} is a directory")
            directory = self.pick([".", "..", "/", self.add("outdir", Spec("dir"))])
            if directory == "/" and name == "output" and kind == "send-batch":
                self.tag("output-root")
            return directory
        if choice == "missing-dir":
            self.refuse(f"{name} is in a missing directory")
            return "no/such/dir/out" + suffix
        if choice == "readonly":
            if not self.root:
                self.refuse(f"{name} is in a read-only directory")
                return self.add("ro", Spec("rodir")) + "/out" + suffix
            # Permissions do not stop root: /proc/sys is read-only for everyone (where access() says so; else
            # nothing can be made there all the same, which only a run that writes finds out).
            if PROC_SYS_READ_ONLY or not (dry and kind == "send-batch"):
                self.refuse(f"{name} is in a read-only directory")
            return "/proc/sys/payssam-fuzz" + suffix
        if choice == "nul":
            self.refuse(f"{name} holds a NUL")
            return "out\0" + suffix
        if choice == "empty":
            self.refuse(f"{name} is empty")
            return ""
        if choice == "long":
            self.tag("output-long")
            self.refuse(f"{name} is longer than 255 bytes")
            return "y" * 300 + suffix
        if choice == "foreign":
            self.refuse(f"{name} is someone else's file")
            return self.add("theirs" + suffix, Spec("file", self.foreign(name, kind)))
        if choice == "ours":
            return self.add("earlier" + suffix, Spec("file", self.ours(name, kind), ours=True))
        if choice == "same" and other is not None:
            self.refuse(f"{name} is also the output")
            return other
        if choice == "journal" and kind == "send-batch" and name == "output":
            path = self.unused("results.jsonl")
            junk = self.pick([b"", b"SQLite format 3\0" + b"\0" * 80, b"not a journal\n"])
            self.add(path + ".journal", Spec("file", junk))
            self.refuse("the output's journal is someone else's file")
            self.tag("foreign-journal")
            return path
        if choice == "fifo":
            path = self.add("out.fifo", Spec("fifo"))
            self.inv.fifos[path] = name
            self.refuse(f"{name} is a FIFO")
            return path
        if choice == "devnull":
            self.refuse(f"{name} is /dev/null")
            return self.pick(["/dev/null", "/dev/zero"])
        if choice == "proc" and self.root:  # writable for root as far as access() tells, yet nothing can be made
            if not (dry and kind == "send-batch"):
                self.refuse(f"{name} cannot be created in /proc")
            return "/proc/payssam-fuzz" + suffix
        return self.unused("results" + suffix)

    def unused(self, name: str) -> str:
        """A name no entry of the workspace has (the file does not exist before the run)."""
        unique, number = name, 1
        while unique in self.inv.files or any(key.startswith(unique) for key in self.inv.files):
            number += 1
            unique = f"{number}-{name}"
        return unique

    def foreign(self, name: str, kind: str) -> bytes:
        """Someone else's file: random bytes, a CSV, nothing, JSONL without our header, the other command's."""
        other_header = RECONCILE_JSONL if kind == "send-batch" else SEND_BATCH_JSONL
        choices = [
            bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 300))),
            "이름,금액\n홍길동,1000\n".encode(),
            b"",
            b'{"line": 2, "bill_id": "X"}\n{"line": 3}\n',
            (other_header + '{"line": 2}\n').encode(),
            b"someone's notes\nlast line without a newline",
            (SEND_BATCH_JSONL.rstrip("\n") + " \n").encode(),
        ]
        return self.rng.choice(choices)

    def ours(self, name: str, kind: str) -> bytes:
        """A results file of an earlier run of this command, its last line cut off by a kill."""
        if name == "csv_output":
            header = SEND_BATCH_CSV if kind == "send-batch" else RECONCILE_CSV
            return (header + "2,X,sent,,,\r\n3,Y,").encode()
        header = SEND_BATCH_JSONL if kind == "send-batch" else RECONCILE_JSONL
        record = {"line": 2, "bill_id": self.bill_id(), "outcome": "failed", "error": "ProcessingError"}
        return (header + json.dumps(record) + "\n" + '{"line": 3, "bill_').encode()

    # ------------------------------------------------------------------ reconcile

    def reconcile(self) -> list[str]:
        self.seed_bills()
        column: str | None = None
        if self.hostile(0.18):
            source = self.hostile_input()
        elif self.chance(0.45):
            source, column = self.ids_csv()
        else:
            source = self.ids_lines()
        argv = ["reconcile", source]
        if column is not None:
            argv += ["--column", column]
        self.outputs(argv, source, "reconcile", dry=False)
        if self.chance(0.2):
            value = self.pick(["1", "8", "256"] if self.calm else CONCURRENCIES)
            argv += ["--concurrency", value]
            self.tag("concurrency")
            if value in BAD_CONCURRENCIES:
                self.refuse(f"--concurrency {value!r}")
        if self.hostile(0.05):
            argv += self.pick(["--rate", "--dry-run"]).split()
            self.refuse("an option of send-batch only")
        return argv

    def seed_bills(self) -> None:
        for _ in range(self.rng.randint(1 if self.calm else 0, 3)):
            self.inv.bills.append(Seed(self.bill_id(), self.rng.randrange(1000, 90000, 100), self.phone()))

    def some_ids(self) -> list[str]:
        ids = [bill.bill_id for bill in self.inv.bills] + [self.bill_id() for _ in range(self.rng.randint(0, 3))]
        if self.hostile(0.4):
            ids += self.rng.sample(HOSTILE_IDS, self.rng.randint(1, 3))
            self.tag("hostile-ids")
        self.rng.shuffle(ids)
        return ids

    def ids_lines(self) -> str:
        data = "".join(f"{bill_id}\n" for bill_id in self.some_ids()).encode()
        data, single = self.id_mutations(data, 0.4, 2)
        self.file_refusals(data, [], single=single, empty=False)
        return self.name_input(data)

    def id_mutations(self, data: bytes, untouched: float, most: int) -> tuple[bytes, bool]:
        """The bytes of a file of ids, mutated; whether exactly one mutation was made."""
        population = ["bom", "crlf", "blank-lines"] if self.calm else sorted(ID_MUTATIONS)
        mutations = [] if self.chance(untouched) else self.rng.sample(population, self.rng.randint(1, most))
        for name in mutations:
            self.tag(name)
            data, _ = ID_MUTATIONS[name](self, data)
        return data, len(mutations) == 1

    def ids_csv(self) -> tuple[str, str]:
        header = ["bill_id", "note"]
        column = "bill_id"
        shape = self.pick(["plain", "plain", "plain", "missing", "twice", "empty-name", "header-only", "ragged"])
        shape = "plain" if self.calm else shape
        self.tag(f"column-{shape}")
        notes = ["", "메모", "\x1b[31mred", '=HYPERLINK("x")', "a\nb"]
        rows = [[bill_id, self.pick(notes)] for bill_id in self.some_ids()]
        if shape == "missing":
            column = self.pick(["id", "Bill_ID", " bill_id2"])
            self.refuse("--column is not a column")
        elif shape == "twice":
            header = ["bill_id", "bill_id"]
            self.refuse("--column appears twice")
        elif shape == "empty-name":
            column = ""
            self.refuse("--column is empty")
        elif shape == "header-only":
            rows = []
        elif shape == "ragged":
            rows = [row[: self.rng.randint(0, 2)] + ["extra"] * self.rng.randint(0, 2) for row in rows]
        data, single = self.id_mutations(csv_bytes(header, rows), 0.5, 1)
        self.file_refusals(data, [], single=single and shape in ("plain", "header-only", "ragged"), empty=False)
        return self.name_input(data), column

    # ------------------------------------------------------------------ single-bill commands

    def some_bill_id(self) -> str:
        if self.inv.bills and (self.calm or self.chance(0.5)):
            return self.inv.bills[0].bill_id
        if self.hostile(0.35):
            value = self.pick([*HOSTILE_IDS, "", "--", "-5"])
            self.refuse(f"BILL_ID {value!r}")
            self.tag("bill-id")
            return value
        return self.bill_id()

    def some_price(self) -> str:
        if self.hostile(0.3):
            value = self.pick(HOSTILE_PRICES)
            self.refuse(f"PRICE {value!r}")
            self.tag("price")
            return value
        if self.inv.bills and (self.calm or self.chance(0.5)):
            return str(self.inv.bills[0].price)
        return str(self.rng.randrange(0, 100000, 100))

    def send(self) -> list[str]:
        argv = ["send", self.some_bill_id(), self.some_price()]
        phone = self.phone()
        if self.hostile(0.3):
            phone = self.pick(HOSTILE_PHONES)
            self.refuse(f"--phone {phone!r}")
            self.tag("phone")
        name = self.pick(NAMES)
        if self.chance(0.3):
            name = self.pick(ESCAPED_NAMES if self.calm else [*ESCAPED_NAMES, "", "   "])
            self.tag("customer-name")
            if not name.strip():
                self.refuse("--customer-name is blank")
        product = self.pick(PRODUCTS)
        if self.chance(0.3):
            product = self.pick(FORMULAS)
            self.tag("product-formula")
        argv += ["--phone", phone, "--customer-name", name, "--product-name", product]
        if not self.hostile(0.1):
            argv += ["--callback-url", self.hostile_callback() if self.hostile(0.15) else CALLBACK]
        else:
            self.refuse("--callback-url is required")
        if self.chance(0.3):
            expiry = self.pick([FUTURE] if self.calm else [FUTURE, *BAD_EXPIRY])
            argv += ["--expires-on", expiry]
            self.tag("expires-on")
            if expiry != FUTURE:
                self.refuse(f"--expires-on {expiry!r}")
        if self.chance(0.2):
            argv += ["--message", self.pick(["안내", "\x1b[2J", "a" * 3000, "\u202e뒤집기"])]
            self.tag("message")
        if self.chance(0.15):
            issuer = self.pick(
                ["행복학원", "\x9b"] if self.calm else ["행복학원", "i" * (validation.ISSUER_MAX + 1), "\x9b"]
            )
            argv += ["--issuer", issuer]
            if len(issuer) > validation.ISSUER_MAX:
                self.refuse("--issuer is too long")
            self.tag("issuer")
        return argv

    def bill_command(self, command: str) -> list[str]:
        self.seed_bills()
        argv = [command, self.some_bill_id()]
        if command in ("cancel", "destroy"):
            argv.append(self.some_price())
        return argv

    def hash(self) -> list[str]:
        argv = ["hash", self.some_bill_id(), self.some_price()]
        if self.chance(0.5):
            phone = self.pick([self.phone()] if self.calm else [self.phone(), *HOSTILE_PHONES])
            argv += ["--phone", phone]
            if not re.fullmatch(r"01[0-9]{8,9}", phone):
                self.refuse(f"--phone {phone!r}")
        return argv

    def new_id(self) -> list[str]:
        prefix = self.pick(["", "AB12", "ABCDEFGHIJ", "ABCDEFGHIJK", "\x1b[31m", "가", "A-B", "--prefix=Z9"])
        prefix = "" if self.calm and prefix not in ("AB12", "ABCDEFGHIJ", "--prefix=Z9") else prefix
        if prefix in ("ABCDEFGHIJK", "\x1b[31m", "가", "A-B"):
            self.refuse(f"PREFIX {prefix!r}")
        return ["new-id", *([prefix] if prefix else [])]

    # ------------------------------------------------------------------ help, sim, junk

    def help(self) -> list[str]:
        command = self.pick(["", *NETWORK, *OFFLINE])
        flag = self.pick(["--help", "-h"])
        self.inv.json = self.chance(0.3)
        return [*(["--json"] if self.inv.json else []), *([command] if command else []), flag]

    def sim(self) -> list[str]:
        """Only what the simulator refuses or answers with its help: a valid `sim` would serve for ever."""
        args = self.pick(["--help", "-h", "--bogus", "--bogus\x1b[31m", "--port x\x07", "--port", "--\x9bx"])
        if self.chance(0.3):
            self.before.append("--json")
            self.tag("json-before-sim")
        if any(RAW_CONTROL.search(arg) for arg in args.split(" ")):
            self.tag("sim-control")
        self.inv.help = args in ("--help", "-h")
        if not self.inv.help:
            self.refuse("the simulator refuses its arguments")
        return ["sim", *args.split(" ")]

    def junk(self) -> list[str]:
        argv = self.rng.choice(
            [
                [],
                ["bogus"],
                ["--json"],
                ["--json", "bogus", "\x1b[31m"],
                ["--version"],
                ["--", "read"],
                ["READ", "X"],
                ["send-batch"],
                ["reconcile", "--column"],
                ["\x1b]52;c;AAAA\x07"],
                ["read", "ABC", "extra", "\u202eargs"],
                ["send", "ABC", "1000", "--phone"],
            ]
        )
        self.inv.json = "--json" in argv
        if argv != ["--version"]:
            self.refuse("not a valid command line")
        else:
            self.inv.help = True
        return list(argv)


def default_output(source: str, kind: str) -> str:
    """Where a command writes its results when no --output is given: FILE + its suffix."""
    return source + (".sent.jsonl" if kind == "send-batch" else ".states.jsonl")


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def line_problem(data: bytes) -> str | None:
    """The message naming the first line that is not text (NUL, over 65,536 characters, not UTF-8), if any."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return f"line {number} is not UTF-8 text"
        if len(text.rstrip("\r\n")) > 65_536:
            return f"line {number} is longer than 65,536 characters"
        if "\0" in text:
            return f"line {number} holds a NUL character"
    return None


# Mutations of a batch CSV's cells: each returns why the file must now be refused ("" if it may still be sent).
Mutation = Callable[[Draw, list[str], list[list[str]]], str]


def _cell(draw: Draw, rows: list[list[str]], column: int, value: str) -> None:
    if rows:
        row = draw.rng.choice(rows)
        if column < len(row):
            row[column] = value


def _price(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 1, draw.pick(HOSTILE_PRICES))
    return "a price that is not 1 to 10 ASCII digits" if rows else ""


def _phone(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 2, draw.pick([*HOSTILE_PHONES, "\x1b[31m01012345678"]))
    return "a phone that is not 01 and 8 or 9 digits" if rows else ""


def _escaped_name(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 3, draw.pick(ESCAPED_NAMES))
    return ""


def _blank_name(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 3, draw.pick(["", "   ", "\u3000"]))
    return "a blank customer name" if rows else ""


def _formula(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 4, draw.pick(FORMULAS))
    return ""


def _expiry(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 7, draw.pick(BAD_EXPIRY))
    return "an expiry in the past or not YYYY-MM-DD" if rows else ""


def _bill_id(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 0, draw.pick(HOSTILE_IDS))
    return "a bill id that is not 1 to 20 ASCII letters or digits" if rows else ""


def _issuer(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 6, "i" * (validation.ISSUER_MAX + 1))
    return "an issuer over its length" if rows else ""


def _quoted_newline(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    _cell(draw, rows, 5, draw.pick(["첫 줄\n둘째 줄", "a\r\nb", '"인용"\n끝']))
    return ""


def _twice(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    rows.append(list(draw.rng.choice(rows)))
    return "two identical rows"


def _extra_cell(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    draw.rng.choice(rows).append("덤")
    return "a row with more cells than columns"


def _duplicate_column(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    index = draw.rng.randrange(len(header))
    header.append(header[index])
    for row in rows:
        row.append(row[index] if index < len(row) else "")
    return "a column named twice"


def _unknown_column(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    header.append(draw.pick(["memo", "Price", "\x1b[31mcol", "bill id"]))
    for row in rows:
        row.append("x")
    return "an unknown column"


def _missing_column(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    name = draw.pick(["price", "phone", "customer_name", "product_name"])
    if name not in header:
        return ""
    index = header.index(name)
    del header[index]
    for row in rows:
        if index < len(row):
            del row[index]
    return "a required column missing"


def _header_only(draw: Draw, header: list[str], rows: list[list[str]]) -> str:
    rows.clear()
    return "no rows"


CELL_MUTATIONS: dict[str, Mutation] = {
    "price": _price,
    "phone": _phone,
    "escaped-name": _escaped_name,
    "blank-name": _blank_name,
    "formula": _formula,
    "expiry": _expiry,
    "bill-id": _bill_id,
    "issuer": _issuer,
    "quoted-newline": _quoted_newline,
    "twice": _twice,
    "extra-cell": _extra_cell,
    "duplicate-column": _duplicate_column,
    "unknown-column": _unknown_column,
    "missing-column": _missing_column,
    "header-only": _header_only,
}
# Mutations of a file's bytes: the new bytes and why the file must now be refused ("" if that depends: a line that
# is no text is found by line_problem on the final bytes).
ByteMutation = Callable[[Draw, bytes], tuple[bytes, str]]


def _bom(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return b"\xef\xbb\xbf" + data, ""


def _crlf(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return data.replace(b"\n", b"\r\n"), ""


def _cr(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return data.replace(b"\n", b"\r"), ""


def _euc_kr(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return data.decode("utf-8", errors="replace").encode("euc-kr", errors="replace"), ""


def _at_line(draw: Draw, data: bytes, insert: bytes) -> bytes:
    """insert at the end of a line after the first (one is added if there is none)."""
    lines = data.splitlines(keepends=True) or [b"\n"]
    if len(lines) < 2:
        lines.append(b"\n")
    index = draw.rng.randrange(1, len(lines))
    body = lines[index].rstrip(b"\r\n")
    lines[index] = body + insert + lines[index][len(body) :]
    return b"".join(lines)


def _nul(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return _at_line(draw, data, b"\x00"), ""


def _long_line(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return _at_line(draw, data, b"x" * 70_000), ""


def _half_line(draw: Draw, data: bytes) -> tuple[bytes, str]:
    """The last line cut off inside, as by a kill while it was written."""
    body = data.rstrip(b"\r\n")
    start = max(body.rfind(b"\n"), body.rfind(b"\r")) + 1
    return (body[: draw.rng.randint(start + 1, len(body))] if len(body) > start else body), ""


def _open_quote(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return data + b',"1000,0101\n', "a quote never closed"


def _blank_lines(draw: Draw, data: bytes) -> tuple[bytes, str]:
    return data.replace(b"\n", b"\n\n", 2) + b"\n \n", ""


BYTE_MUTATIONS: dict[str, ByteMutation] = {
    "bom": _bom,
    "crlf": _crlf,
    "cr": _cr,
    "euc-kr": _euc_kr,
    "nul": _nul,
    "long-line": _long_line,
    "half-line": _half_line,
    "open-quote": _open_quote,
    "blank-lines": _blank_lines,
}
BATCH_MUTATIONS = [*CELL_MUTATIONS, *BYTE_MUTATIONS, "empty"]
CALM_MUTATIONS = ["escaped-name", "formula", "quoted-newline", "bom", "crlf", "cr", "blank-lines"]
ID_MUTATIONS: dict[str, ByteMutation] = {
    "bom": _bom,
    "crlf": _crlf,
    "euc-kr": _euc_kr,
    "nul": _nul,
    "long-line": _long_line,
    "half-line": _half_line,
    "blank-lines": _blank_lines,
    "empty": lambda draw, data: (b"", ""),
}


def draw(seed: int, index: int, *, root: bool) -> Invocation:
    """Invocation number index of this seed."""
    return Draw(seed, index, root=root).draw()


# --------------------------------------------------------------------------- the workspace


def materialise(inv: Invocation, workspace: Path) -> list[str]:
    """Create the invocation's files in workspace (its working directory); the argv with workspace paths filled."""
    workspace.mkdir(parents=True)
    for name, spec in inv.files.items():
        path = workspace / name
        if spec.kind == "file":
            path.write_bytes(spec.data)
        elif spec.kind == "dir":
            path.mkdir()
        elif spec.kind == "rodir":
            path.mkdir()
            path.chmod(0o555)
        elif spec.kind == "symlink":
            path.symlink_to(spec.target)
        elif spec.kind == "hardlink":
            os.link(workspace / spec.target, path)
        elif spec.kind == "fifo":
            os.mkfifo(path)
    return [arg.replace(WS, f"{workspace}/") if arg.startswith(WS) else arg for arg in inv.argv]


def fingerprints(inv: Invocation, workspace: Path) -> dict[str, str]:
    """What every entry of the workspace a run must leave alone is: each file's bytes (as a digest; not a results
    file of ours, which a run may append to), each link's target, each hard link's inode, each FIFO and directory."""
    found: dict[str, str] = {}
    for name, spec in inv.files.items():
        if spec.ours:
            continue
        path = workspace / name
        try:
            info = path.lstat()
            if spec.kind == "file":
                kind = "file" if stat.S_ISREG(info.st_mode) else f"mode {info.st_mode:o}"
                found[name] = f"{kind} sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}"
            elif spec.kind == "symlink":
                found[name] = f"symlink to {os.readlink(path)!r}" if path.is_symlink() else f"mode {info.st_mode:o}"
            elif spec.kind == "hardlink":
                found[name] = f"inode {info.st_ino} of {(workspace / spec.target).lstat().st_ino}"
            else:
                found[name] = f"mode {info.st_mode:o}"
        except OSError as exc:
            found[name] = f"gone ({exc.strerror})"
    return found


def remove(workspace: Path) -> None:
    """Delete a workspace (its read-only directories made writable first)."""
    for path in workspace.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(workspace, ignore_errors=True)


class FifoWriter:
    """While a run goes on, stands at the other end of each FIFO of the workspace, so no open of one blocks for ever.

    A FIFO opened for reading blocks until a writer comes, and one opened for writing until a reader comes. This
    opens the write end without blocking, which succeeds only while someone reads the FIFO (each success is
    recorded: the command opened that FIFO for reading), and closes it at once (the reader sees an empty file);
    then it opens and closes the read end, which lets an open for writing go on (its writes then fail: no reader).
    """

    def __init__(self, paths: dict[Path, str]) -> None:
        self.paths = paths
        self.opened: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fifo-writer", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path, role in self.paths.items():
                try:
                    descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:  # ENXIO: nobody reads it
                    pass
                else:
                    os.close(descriptor)
                    self.opened[path.name] = role
                with contextlib.suppress(OSError):
                    os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
            time.sleep(0.001)

    def __enter__(self) -> FifoWriter:
        if self.paths:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# --------------------------------------------------------------------------- running in-process


@dataclass
class RunResult:
    """What one run printed and returned; `raised` is the traceback of anything that escaped main."""

    status: object
    out: str
    err: str
    raised: str | None = None


def run_main(argv: list[str]) -> RunResult:
    """payssam.cli.main(argv) with stdout and stderr captured; anything it raises (SystemExit too) is recorded."""
    out, err = io.StringIO(), io.StringIO()
    raised: str | None = None
    status: object = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except BaseException:  # the promise is that nothing escapes: record it, whatever it is
            raised = traceback.format_exc()
    return RunResult(status, out.getvalue(), err.getvalue(), raised)


@contextlib.contextmanager
def environment(inv: Invocation, base_url: str) -> Iterator[None]:
    """The sandbox settings (base_url) and the invocation's overrides in the environment (monkeypatched, so restored
    afterwards)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**GOOD_ENV, "PAYSSAM_BASE_URL": base_url, **inv.env}.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        yield


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class Failure:
    """A broken promise: which (code), what was seen, and the known bug that explains it, if one does."""

    code: str
    message: str
    known: str | None = None


def secret_forms(secret: str) -> set[str]:
    """The secret as it could leak: itself, %-encoded (each way), JSON- or backslash-escaped; lower-cased."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}
    forms.add(secret.encode("unicode_escape").decode("ascii"))
    return {form.lower() for form in forms}


def check(
    inv: Invocation,
    result: RunResult,
    *,
    changed: dict[str, tuple[str, str]],
    bills_before: int,
    bills_after: int,
    fifos_opened: dict[str, str],
) -> list[Failure]:
    """Every promise of the command line this run must keep."""
    found: list[Failure] = []
    text = result.out + result.err
    status = result.status
    if result.raised is not None:
        found.append(Failure("raised", f"an exception escaped main:\n{result.raised}"))
    elif type(status) is not int or status not in ALLOWED_STATUSES:
        message = f"exit status {status!r}: {(result.err or result.out).strip()[:500]!r}"
        found.append(Failure("status", message))
    if "Traceback" in text:
        found.append(Failure("traceback", "a traceback was printed"))
    controls = sorted({repr(match) for match in RAW_CONTROL.findall(text)})
    if controls:
        found.append(Failure("control", f"raw control characters printed: {', '.join(controls[:8])}"))
    shown_help = status == 0 and (inv.help or "--version" in inv.argv)
    if inv.json and inv.command != "sim" and not shown_help:
        try:
            loaded = json.loads(result.out)
            one = result.out.endswith("\n") and result.out.count("\n") == 1 and isinstance(loaded, dict)
        except ValueError:
            one = False
        if not one:
            found.append(Failure("json", f"--json: stdout is not exactly one JSON object: {result.out[:300]!r}"))
        errors = [line for line in result.err.splitlines() if line.startswith(("usage:", "payssam: error"))]
        if errors:
            found.append(Failure("json", f"--json: an error went to stderr: {errors[0][:200]!r}"))
    if (inv.command == "help" or (inv.command == "sim" and inv.help)) and not (
        status == 0 and result.out.startswith("usage: payssam")
    ):
        found.append(Failure("help", f"--help: exit {status}, stdout {result.out[:100]!r}"))
    error_lines = [line for line in result.err.splitlines() if "error: " in line]
    if len(error_lines) > 1:
        found.append(Failure("error-lines", f"{len(error_lines)} error lines on stderr: {error_lines[:3]!r}"))
    lowered = text.lower()
    for secret in sorted(inv.secrets):
        leaked = sorted(form for form in secret_forms(secret) if form in lowered)
        if leaked:
            found.append(Failure("secret", f"the apikey {secret!r} was printed (as {leaked[0]!r})"))
    if bills_after != bills_before and (status == 2 or not inv.may_bill):
        why = "exit 2" if status == 2 else f"{inv.command} never bills"
        found.append(Failure("ledger", f"{why}, yet PaySsam went from {bills_before} to {bills_after} bills"))
    for name, (before, after) in changed.items():
        found.append(Failure("changed", f"{name!r} was touched: {before} -> {after}"))
    if inv.refused and not inv.help and status != 2 and result.raised is None:
        reasons = "; ".join(reason for reason, _ in inv.refused)
        found.append(Failure("refusal", f"exit {status}, not 2, though it must be refused: {reasons}"))
    if status == 2 and len(inv.refused) == 1 and inv.refused[0][1] is not None and not inv.help:
        expected = inv.refused[0][1]
        if expected not in text:
            found.append(Failure("message", f"the refusal should name {expected!r}: {text.strip()[:300]!r}"))
    for name, role in sorted(fifos_opened.items()):
        found.append(Failure("fifo", f"the FIFO {name!r} given as {role} was opened for reading (it would block)"))
    return [Failure(each.code, each.message, known_bug(inv, result, each)) for each in found]


def known_bug(inv: Invocation, result: RunResult, failure: Failure) -> str | None:
    """The known product bug (KNOWN_BUGS) that explains this failure, if one does."""
    text = result.out + result.err
    if failure.code in ("status", "refusal") and result.status == 5:
        if "output-long" in inv.tags and "File name too long" in text:
            return "output-name-too-long"
        if "apikey-nul" in inv.tags and "internal error (ValueError)" in text:
            return "apikey-file-nul"
        if "output-root" in inv.tags and "internal error (ValueError)" in text:
            return "output-root"
    if failure.code == "secret" and "apikey-flag-offline" in inv.tags and "unrecognized arguments" in text:
        return "offline-apikey-echo"
    if failure.code == "control" and inv.command == "sim" and "sim-control" in inv.tags:
        return "sim-raw-control"
    if failure.code == "fifo" and " as apikey_file " in failure.message:
        return "fifo-apikey-blocks"
    if failure.code == "fifo" and (" as output " in failure.message or " as csv_output " in failure.message):
        return "fifo-output-blocks"
    if failure.code == "json" and "short-apikey" in inv.tags and "***" in result.out:
        return "short-apikey"
    if failure.code == "message" and "is not UTF-8 text" in failure.message and "is not UTF-8 text" in text:
        return "utf8-line-number"
    return None
