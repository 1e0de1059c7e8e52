"""The payssam command line: every subcommand, both output modes, exit statuses, secrets.

main() runs in-process; its client is built by a replaced payssam.cli._make_client
whose requests go to an httpx.MockTransport, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import payssam
from payssam import cli
from payssam._env import ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT

from kit import APIKEY, MEMBER, MERCHANT, OFFLINE_URL, Handler

BILL = "1234567890ABCDEFGHIJ"
PHONE = "01012345678"
HASH_WITH_PHONE = "f10c27d16da1e527e34fceb5bd327f75e9fb07099a642ed2c04ec87e433e8055"
HASH_WITHOUT_PHONE = "316c2d9a3df1fb14d7bb619d56b2664f4def3753c3df4747a5f3df02878e3a48"
SHORT_URL = "https://payssam.kr/s/AbC123"
FLAGS = ["--base-url", OFFLINE_URL, "--member", MEMBER, "--merchant", MERCHANT]
SEND_ARGS = [
    "send",
    BILL,
    "10000",
    "--phone",
    PHONE,
    "--customer-name",
    "홍길동",
    "--product-name",
    "수강료",
    "--callback-url",
    "https://erp.example.com/payssam",
]
COMMANDS = ["send", "read", "cancel", "destroy", "resend", "hash", "new-id", "sim"]

ANSWERS: dict[str, dict[str, str]] = {
    "read": {
        "code": "0000",
        "msg": "조회 성공",
        "bill_id": BILL,
        "appr_state": "F",
        "appr_price": "10000",
        "appr_pay_type": "CARD_VAN",
        "appr_dt": "20261125143000",
        "appr_num": "12345678",
        "appr_monthly": "0",
    },
    "cancel": {
        "code": "0000",
        "msg": "ok",
        "bill_id": BILL,
        "appr_num": "87654321",
        "appr_origin_num": "12345678",
        "appr_cancel_dt": "20261125150000",
    },
    "send": {"code": "0000", "msg": "sent", "bill_id": BILL, "shortURL": SHORT_URL},
    "resend": {"code": "0000", "msg": "resent", "bill_id": BILL},
    "destroy": {"code": "0000", "msg": "destroyed", "bill_id": BILL},
}


def by_path(request: httpx.Request) -> httpx.Response:
    """The success answer of the operation the request's path names."""
    return httpx.Response(200, json=ANSWERS[request.url.path.rsplit("/", 1)[-1]])


class Offline:
    """Stands in for PaySsam: records requests, the settings the CLI resolved and whether the client was closed."""

    def __init__(self) -> None:
        self.answer: Handler = by_path
        self.requests: list[httpx.Request] = []
        self.settings: list[cli.Settings] = []
        self.closed = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def make_client(self, settings: cli.Settings) -> payssam.PaySsam:
        self.settings.append(settings)
        offline = self

        class Recorded(payssam.PaySsam):
            def close(self) -> None:
                offline.closed += 1
                super().close()

        http = httpx.Client(transport=httpx.MockTransport(self.handle))
        return Recorded(
            settings.apikey,
            settings.member,
            settings.merchant,
            settings.base_url,
            **({} if settings.timeout is None else {"timeout": settings.timeout}),
            backoff=payssam.Backoff(0.0, 0.0),
            http_client=http,
        )

    def body(self, sends: int = 1) -> dict[str, Any]:
        """The JSON body of the request, sent `sends` times (a retry sends the very same bytes)."""
        assert len(self.requests) == sends, self.requests
        assert {request.content for request in self.requests} == {self.requests[0].content}, self.requests
        loaded: dict[str, Any] = json.loads(self.requests[0].content)
        return loaded


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Offline:
    """The CLI's client answers offline; the environment holds only the sandbox apikey."""
    for name in (ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ENV_APIKEY, APIKEY)
    server = Offline()
    monkeypatch.setattr(cli, "_make_client", server.make_client)
    return server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main(argv) with its exit status, stdout and stderr."""
    status = main_status(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def main_status(argv: list[str]) -> int:
    """main's return value, checked to be a plain int."""
    status = cli.main(argv)
    assert type(status) is int
    return status


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """main(["--json", *argv]): the exit status and the one JSON object on stdout."""
    status, out, _ = run(capsys, "--json", *argv)
    assert out.endswith("\n")
    assert out.count("\n") == 1, out
    loaded: dict[str, Any] = json.loads(out)
    return status, loaded


def lines(text: str) -> dict[str, str]:
    """The `field: value` lines of a human output."""
    return dict(line.split(": ", 1) for line in text.splitlines())


# --------------------------------------------------------------------------- success


def test_read_human(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *FLAGS, "read", BILL)
    assert (status, err) == (0, "")
    assert lines(out) == {
        "bill_id": BILL,
        "state": "PAID",
        "state_code": "F",
        "price": "10000",
        "pay_type": "CARD_VAN",
        "pay_type_code": "CARD_VAN",
        "approved_at": "2026-11-25T14:30:00+09:00",
        "approval_number": "12345678",
        "installment_months": "0",
        "message": "조회 성공",
    }
    assert offline.body() == {"apikey": APIKEY, "member": MEMBER, "merchant": MERCHANT, "bill_id": BILL}
    assert str(offline.requests[0].url) == f"{OFFLINE_URL}/if/bill/read"


def test_read_json(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, *FLAGS, "read", BILL)
    assert status == 0
    assert data == {
        "bill_id": BILL,
        "state": "PAID",
        "state_code": "F",
        "price": 10000,
        "pay_type": "CARD_VAN",
        "pay_type_code": "CARD_VAN",
        "approved_at": "2026-11-25T14:30:00+09:00",
        "original_approved_at": None,
        "approval_number": "12345678",
        "original_approval_number": None,
        "installment_months": 0,
        "cash_trader": None,
        "cash_trader_code": None,
        "message": "조회 성공",
    }


def test_json_keeps_korean_text_unescaped(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--json", *FLAGS, "read", BILL)
    assert status == 0
    assert "조회 성공" in out


def test_unknown_state_keeps_its_raw_code(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    offline.answer = lambda request: httpx.Response(200, json={"code": "0000", "appr_state": "Z"})
    status, data = run_json(capsys, *FLAGS, "read", BILL)
    assert status == 0
    assert (data["state"], data["state_code"]) == ("UNKNOWN", "Z")


def test_send_human_masks_the_phone(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *FLAGS, *SEND_ARGS)
    assert (status, err) == (0, "")
    assert lines(out) == {"bill_id": BILL, "short_url": SHORT_URL, "message": "sent", "phone": "010****5678"}
    assert PHONE not in out
    assert "홍길동" not in out
    bill = offline.body()["bill"]
    assert bill["phone"] == PHONE
    assert bill["member_nm"] == "홍길동"
    assert bill["hash"] == HASH_WITH_PHONE
    assert "message" not in bill
    assert "expire_dt" not in bill


def test_send_json_with_every_option(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    expires = date.today() + timedelta(days=30)
    options = ["--message", "11월 수강료", "--issuer", "해피학원", "--expires-on", expires.isoformat()]
    status, data = run_json(capsys, *FLAGS, *SEND_ARGS, *options)
    assert status == 0
    assert data == {"bill_id": BILL, "short_url": SHORT_URL, "message": "sent", "recovered": False}
    bill = offline.body()["bill"]
    assert (bill["message"], bill["bill_issuer"], bill["expire_dt"]) == ("11월 수강료", "해피학원", expires.isoformat())


def test_cancel_human_and_json(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, *FLAGS, "cancel", BILL, "10000")
    assert status == 0
    assert lines(out) == {
        "bill_id": BILL,
        "approval_number": "87654321",
        "original_approval_number": "12345678",
        "cancelled_at": "2026-11-25T15:00:00+09:00",
        "message": "ok",
    }
    assert offline.body()["hash"] == HASH_WITHOUT_PHONE
    status, data = run_json(capsys, *FLAGS, "cancel", BILL, "10000")
    assert status == 0
    assert data["cancelled_at"] == "2026-11-25T15:00:00+09:00"
    assert data["approval_number"] == "87654321"
    assert "raw" not in data


@pytest.mark.parametrize(
    ("argv", "path", "message"),
    [
        pytest.param(["destroy", BILL, "10000"], "/if/bill/destroy", "destroyed", id="destroy"),
        pytest.param(["resend", BILL], "/if/bill/resend", "resent", id="resend"),
    ],
)
def test_destroy_and_resend(
    offline: Offline, capsys: pytest.CaptureFixture[str], argv: list[str], path: str, message: str
) -> None:
    status, out, _ = run(capsys, *FLAGS, *argv)
    assert status == 0
    assert lines(out) == {"bill_id": BILL, "message": message}
    status, data = run_json(capsys, *FLAGS, *argv)
    assert status == 0
    expected: dict[str, object] = {"bill_id": BILL, "message": message}
    if argv[0] == "destroy":
        expected["recovered"] = False  # writes made exactly once say whether a read-back settled them
    assert data == expected
    assert [r.url.path for r in offline.requests] == [path, path]


def test_client_is_closed_after_use(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *FLAGS, "read", BILL)[0] == 0
    offline.answer = lambda request: httpx.Response(200, json={"code": "9980", "msg": "Bill not found"})
    assert run(capsys, *FLAGS, "read", BILL)[0] == 1
    assert offline.closed == 2


# --------------------------------------------------------------------------- offline commands


def test_hash_known_vectors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in (ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT):
        monkeypatch.delenv(name, raising=False)
    assert run(capsys, "hash", BILL, "10000", "--phone", PHONE) == (0, HASH_WITH_PHONE + "\n", "")
    assert run(capsys, "hash", BILL, "10000") == (0, HASH_WITHOUT_PHONE + "\n", "")
    assert run_json(capsys, "hash", BILL, "10000", "--phone", PHONE) == (0, {"hash": HASH_WITH_PHONE})


def test_hash_bad_price_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "hash", BILL, "10,000")
    assert status == 2
    assert data["error"]["type"] == "ValidationError"
    assert data["error"]["field"] == "price"


def test_new_id(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "new-id", "--prefix", "AB12")
    assert status == 0
    bill_id = out.strip()
    assert len(bill_id) == 20
    assert bill_id.startswith("AB12")
    assert bill_id.isalnum()
    status, data = run_json(capsys, "new-id")
    assert status == 0
    assert len(data["bill_id"]) == 20
    assert data["bill_id"] != bill_id


def test_new_id_takes_its_prefix_as_python_does(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "new-id", "1234567890")
    assert status == 0
    assert out.startswith("1234567890")
    assert len(out.strip()) == 20


@pytest.mark.parametrize("command", [["hash", "--help"], ["new-id", "--help"]])
def test_offline_commands_show_no_network_options(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    status, out, _ = run(capsys, *command)
    assert status == 0
    for option in ("--base-url", "--member", "--merchant", "--apikey-file", "--timeout"):
        assert option not in out


def test_every_missing_setting_is_named_at_once(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "resend", BILL)  # the fixture left only the apikey in the environment
    assert (status, out) == (2, "")
    assert err == (
        "payssam: error: settings: member, merchant, base_url are not set: pass --member or set PAYSSAM_MEMBER; "
        "pass --merchant or set PAYSSAM_MERCHANT; pass --base-url or set PAYSSAM_BASE_URL\n"
    )


def test_new_id_bad_prefix_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "new-id", "--prefix", "ABCDEFGHIJK")
    assert (status, out) == (2, "")
    assert err.startswith("payssam: error: prefix:")


# --------------------------------------------------------------------------- errors


def test_api_error_is_exit_1_with_its_code(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    offline.answer = lambda request: httpx.Response(200, json={"code": "9980", "msg": "Bill not found"})
    status, data = run_json(capsys, *FLAGS, "read", BILL)
    assert status == 1
    assert data == {
        "error": {
            "type": "BillNotFoundError",
            "code": "9980",
            "field": None,
            "message": "PaySsam answered 9980: Bill not found",
        }
    }
    status, out, err = run(capsys, *FLAGS, "cancel", BILL, "10000")
    assert (status, out) == (1, "")
    assert err == "payssam: error: PaySsam answered 9980: Bill not found\n"


def test_bad_bill_id_is_exit_2_and_sends_nothing(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, *FLAGS, "read", "not-a-bill-id!")
    assert status == 2
    assert data["error"]["type"] == "ValidationError"
    assert data["error"]["field"] == "bill_id"
    assert data["error"]["code"] is None
    status, out, err = run(capsys, *FLAGS, *SEND_ARGS[:3], "--phone", "010-1234-5678", *SEND_ARGS[5:])
    assert (status, out) == (2, "")
    assert err.startswith("payssam: error: phone:")
    assert offline.requests == []


@pytest.mark.parametrize("missing", [ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT])
def test_missing_configuration_is_exit_2(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    env = {ENV_APIKEY: APIKEY, ENV_BASE_URL: OFFLINE_URL, ENV_MEMBER: MEMBER, ENV_MERCHANT: MERCHANT}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    status, data = run_json(capsys, "read", BILL)
    assert status == 2
    assert data["error"]["type"] == "ValidationError"
    assert missing in data["error"]["message"]
    assert offline.requests == []
    assert offline.settings == []


def test_missing_configuration_human(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--member", MEMBER, "--merchant", MERCHANT, "resend", BILL)
    assert (status, out) == (2, "")
    assert err == "payssam: error: base_url: is not set: pass --base-url or set PAYSSAM_BASE_URL\n"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["refund", BILL], id="unknown-subcommand"),
        pytest.param([], id="no-subcommand"),
        pytest.param(["read"], id="missing-bill-id"),
        pytest.param(["cancel", BILL], id="missing-price"),
        pytest.param(["--timeout", "soon", "read", BILL], id="timeout-not-a-number"),
        pytest.param([*SEND_ARGS, "--expires-on", "2026/12/01"], id="expires-on-not-iso"),
        pytest.param(["--apikey-fil", "key.txt", "read", BILL], id="no-abbreviations"),
    ],
)
def test_usage_errors_are_exit_2(offline: Offline, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith("usage: payssam")
    assert "error:" in err
    status, data = run_json(capsys, *argv)
    assert status == 2
    assert data["error"]["type"] == "UsageError"
    assert offline.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--apikey", APIKEY, "read", BILL], id="before"),
        pytest.param(["read", BILL, f"--apikey={APIKEY}"], id="after"),
        pytest.param(["--json", "--apikey", APIKEY, "read", BILL], id="json"),
    ],
)
def test_apikey_flag_is_refused_without_echo(
    offline: Offline, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, out, err = run(capsys, *FLAGS, *argv)
    assert status == 2
    assert "there is no --apikey flag" in out + err
    assert APIKEY not in out + err
    assert offline.requests == []


def test_unknown_subcommand_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "refund", BILL)
    assert status == 2
    assert "invalid choice: 'refund'" in err


def test_non_json_answer_is_exit_3(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    offline.answer = lambda request: httpx.Response(200, content=b"<html>maintenance</html>")
    status, data = run_json(capsys, *FLAGS, "read", BILL)
    assert status == 3
    assert data["error"]["type"] == "ProtocolError"
    assert data["error"]["code"] is None
    assert "not UTF-8 JSON" in data["error"]["message"]


def test_transport_error_is_exit_3(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline.answer = refuse
    status, out, err = run(capsys, *FLAGS, "destroy", BILL, "10000")
    assert (status, out) == (3, "")
    assert err.startswith("payssam: error: destroy_bill got no answer")
    assert err.count("\n") == 1
    status, data = run_json(capsys, *FLAGS, "resend", BILL)
    assert status == 3
    assert data["error"]["type"] == "TransportError"


def test_bad_timeout_is_exit_2(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, *FLAGS, "--timeout", "0", "read", BILL)
    assert status == 2
    assert data["error"]["field"] == "timeout"


# --------------------------------------------------------------------------- configuration


def test_environment_supplies_every_setting(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:9/env")
    monkeypatch.setenv(ENV_MEMBER, "ENV-MEMBER")
    monkeypatch.setenv(ENV_MERCHANT, "ENV-MERCHANT")
    assert run(capsys, "read", BILL)[0] == 0
    assert str(offline.requests[0].url) == "http://127.0.0.1:9/env/if/bill/read"
    body = offline.body()
    assert (body["apikey"], body["member"], body["merchant"]) == (APIKEY, "ENV-MEMBER", "ENV-MERCHANT")
    assert offline.settings[0].timeout is None  # the SDK's default (payssam.DEFAULT_TIMEOUT) applies


def test_flags_win_over_the_environment(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:9/env")
    monkeypatch.setenv(ENV_MEMBER, "ENV-MEMBER")
    monkeypatch.setenv(ENV_MERCHANT, "ENV-MERCHANT")
    assert run(capsys, *FLAGS, "--timeout", "2.5", "read", BILL)[0] == 0
    assert str(offline.requests[0].url) == f"{OFFLINE_URL}/if/bill/read"
    assert (offline.body()["member"], offline.body()["merchant"]) == (MEMBER, MERCHANT)
    assert offline.settings[0].timeout == 2.5


def test_global_options_after_the_subcommand(offline: Offline, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "read", BILL, "--json", *FLAGS)
    assert status == 0
    assert json.loads(out)["state"] == "PAID"
    status, out, _ = run(capsys, "--json", "read", BILL, "--member", "LATE-MEMBER", "--merchant", MERCHANT)
    assert status == 2
    assert json.loads(out)["error"]["field"] == "base_url"


def test_apikey_file_is_read_and_stripped(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV_APIKEY)
    key_file = tmp_path / "apikey"
    key_file.write_text("  FILE-KEY-0123456789\n", encoding="utf-8")
    assert run(capsys, *FLAGS, "--apikey-file", str(key_file), "read", BILL)[0] == 0
    assert offline.body()["apikey"] == "FILE-KEY-0123456789"


@pytest.mark.parametrize(("content", "problem"), [(None, "cannot be read"), (" \n", "is empty")])
def test_bad_apikey_file_is_exit_2(
    offline: Offline, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, problem: str
) -> None:
    key_file = tmp_path / "apikey"
    if content is not None:
        key_file.write_text(content, encoding="utf-8")
    status, data = run_json(capsys, *FLAGS, "--apikey-file", str(key_file), "read", BILL)
    assert status == 2
    assert data["error"]["field"] == "apikey_file"
    assert problem in data["error"]["message"]
    assert offline.requests == []


SECRET = "LEAKY-KEY-7f3a9c1e"


def echo_key_error(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"code": "1003", "msg": f"bad key {SECRET}", "apikey": SECRET})


def echo_key_success(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={**ANSWERS["read"], "msg": f"hello {SECRET}", "apikey": SECRET})


def echo_key_in_a_field(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={**ANSWERS["read"], "appr_num": SECRET})


def echo_key_garbage(request: httpx.Request) -> httpx.Response:
    return httpx.Response(502, content=request.content)


def echo_key_refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"refused {request.content.decode()}", request=request)


@pytest.mark.parametrize(
    "answer", [echo_key_error, echo_key_success, echo_key_in_a_field, echo_key_garbage, echo_key_refused]
)
@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_apikey_never_printed(
    offline: Offline, capsys: pytest.CaptureFixture[str], tmp_path: Path, answer: Handler, as_json: bool
) -> None:
    key_file = tmp_path / "apikey"
    key_file.write_text(SECRET, encoding="utf-8")
    offline.answer = answer
    argv = [*(["--json"] if as_json else []), *FLAGS, "--apikey-file", str(key_file), "read", BILL]
    status, out, err = run(capsys, *argv)
    no_answer = answer in (echo_key_garbage, echo_key_refused)  # a read is tried again: first and two retries
    assert offline.body(sends=1 + 2 * no_answer)["apikey"] == SECRET
    assert status in (0, 1, 3)
    assert out or err
    assert SECRET not in out
    assert SECRET not in err


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_error_text_is_masked_even_if_the_sdk_let_a_secret_through(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    def leaky(settings: cli.Settings) -> payssam.PaySsam:
        raise payssam.TransportError(f"no answer for {settings.apikey} about {PHONE}")

    monkeypatch.setattr(cli, "_make_client", leaky)
    status, out, err = run(capsys, *(["--json"] if as_json else []), *FLAGS, "read", BILL)
    assert status == 3
    assert "no answer for ***" in out + err
    assert APIKEY not in out + err
    assert PHONE not in out + err


def test_apikey_too_long_is_not_echoed(
    offline: Offline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_APIKEY, SECRET * 3)
    status, out, err = run(capsys, *FLAGS, "read", BILL)
    assert status == 2
    assert err.startswith("payssam: error: apikey:")
    assert SECRET not in out + err


# --------------------------------------------------------------------------- help and sim


def test_help_mentions_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "PaySsam" in out
    for command in COMMANDS:
        assert f"    {command} " in out, command
    assert "--apikey-file" in out
    assert "process list" in out
    for name in (ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT):
        assert name in out


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "sim"])
def test_subcommand_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    status, out, _ = run(capsys, command, "--help")
    assert status == 0
    assert out.startswith(f"usage: payssam {command}")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    versions = payssam.CONTRACT_VERSIONS
    expected = (
        f"payssam {payssam.__version__} (contracts: PaySsam partner API v1 {versions[1]}, v2 {versions[2]} "
        "experimental)\n"
    )
    assert run(capsys, "--version") == (0, expected, "")


@pytest.fixture
def fake_sim(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A stand-in payssam_sim.cli whose main records its argv; --help exits 0 like argparse."""
    calls: list[list[str]] = []

    def sim_main(argv: list[str]) -> int:
        calls.append(argv)
        if "--help" in argv:
            print("usage: payssam-sim")
            raise SystemExit(0)
        return 5

    package = types.ModuleType("payssam_sim")
    module = types.ModuleType("payssam_sim.cli")
    module.main = sim_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "payssam_sim", package)
    monkeypatch.setitem(sys.modules, "payssam_sim.cli", module)
    return calls


def test_sim_passes_every_argument_through(fake_sim: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "sim", "--port", "0", "--callback-retries", "3", "--json", "--", "x")[0] == 5
    assert run(capsys, "sim")[0] == 5
    assert fake_sim == [["--port", "0", "--callback-retries", "3", "--json", "--", "x"], []]


def test_sim_help_is_the_simulators(fake_sim: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "sim", "--help") == (0, "usage: payssam-sim\n", "")
    assert fake_sim == [["--help"]]


def test_sim_missing_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # Both entries: an earlier test may have imported payssam_sim.cli, which would then really serve.
    monkeypatch.setitem(sys.modules, "payssam_sim", None)
    monkeypatch.setitem(sys.modules, "payssam_sim.cli", None)
    status, out, err = run(capsys, "sim", "--port", "0")
    assert (status, out) == (2, "")
    assert err.startswith("payssam sim: the simulator")
    assert err.count("\n") == 1


def test_console_script_runs() -> None:
    script = Path(sys.executable).with_name("payssam")
    argv = [str(script), "--help"] if script.is_file() else [sys.executable, "-m", "payssam", "--help"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: payssam")
    assert "new-id" in done.stdout


LOADED_PROBE = """
import contextlib, io, json, sys
from payssam import cli
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    try:
        status = cli.main(sys.argv[1:])
    except SystemExit as stop:
        status = stop.code
print(json.dumps({"status": status or 0, "printed": printed.getvalue(), "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["send-batch", "--help"], ["hash", BILL, "10000", "--phone", PHONE], ["new-id"], ["--version"]],
    ids=["help", "send-batch-help", "hash", "new-id", "version"],
)
def test_offline_commands_load_neither_httpx_nor_the_generated_client(argv: list[str]) -> None:
    """--help, hash and new-id need no network: they must not pay for importing it."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED_PROBE, *argv], capture_output=True, text=True, timeout=60, check=True
    )
    probe = json.loads(done.stdout.splitlines()[-1])
    assert (probe["status"], bool(probe["printed"].strip())) == (0, True), (probe["status"], done.stderr)
    loaded = set(probe["modules"])
    heavy = {"httpx", "payssam_api_client", "payssam._client", "asyncio"}
    assert heavy & loaded == set(), heavy & loaded


def test_import_payssam_loads_names_on_first_use() -> None:
    probe = (
        "import json, sys, payssam; before = sorted(sys.modules); payssam.PaySsam; "
        "print(json.dumps([before, sorted(sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    before, after = (set(names) for names in json.loads(done.stdout))
    assert {"httpx", "payssam_api_client"} & before == set()
    assert {"httpx", "payssam_api_client", "payssam._client"} <= after
