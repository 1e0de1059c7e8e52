"""The pytest plugin (payssam_pytest) as another team's project meets it.

Consumer test files run under pytester: the issue's lifecycle in under 20 lines, sync and async, v1 and v2, under
`-W error --strict-markers`, and the plugin loading without the `mock` extra, a fixture then saying what to install,
each in a fresh pytest process that loads the plugin through its installed `pytest11` entry point, as any project
that installs payssam does; the rest in-process. The fixtures' finer behaviour is tested here directly: this suite
loads the plugin too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

import httpx
import pytest

import payssam
from payssam import BillState, new_bill_id

from kit import ROOT

if TYPE_CHECKING:
    from payssam_pytest.approvals import Approvals
    from payssam_sim import Simulator

pytest_plugins = ["pytester"]

CONSUMER_RUN = ("-W", "error", "--strict-markers", "-p", "no:cacheprovider")
"""How a strict consumer project runs its tests: any warning fails, any unregistered marker fails."""
CONSUMER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
"""The one setting pytest-asyncio asks a project for."""
PHONE = "01012345678"

# The consumer files: each as a project's test file would be, the first one as the README shows it.
README_EXAMPLE = """\
from payssam import BillState, new_bill_id
from payssam_sim.cards import APPROVING_CARD


def test_a_parent_pays_in_three_installments(payssam_sim, payssam_client, payssam_approvals):
    bill_id = new_bill_id()
    payssam_client.send_bill(bill_id, 150000, phone="01012345678", customer_name="홍길동",
                             product_name="겨울 특강", callback_url="https://erp.example/payssam/approval")
    payssam_sim.pay(bill_id, card=APPROVING_CARD, installment_months=3)   # the parent pays on the bill page
    assert payssam_approvals[bill_id].installment_months == 3             # your receiver got the approval
    assert payssam_client.read_bill(bill_id).state is BillState.PAID
    payssam_client.cancel_bill(bill_id, 150000)
    assert payssam_client.read_bill(bill_id).state is BillState.CANCELLED
"""

SYNC_V2 = """\
import pytest
from payssam import BillState, new_bill_id
from payssam_sim.cards import APPROVING_CARD


@pytest.mark.payssam(api_version=2)
def test_a_parent_pays_in_three_installments_over_v2(payssam_sim, payssam_client, payssam_approvals):
    bill_id = new_bill_id()
    payssam_client.send_bill(bill_id, 150000, phone="01012345678", customer_name="홍길동",
                             product_name="겨울 특강", callback_url="https://erp.example/payssam/approval")
    payssam_sim.pay(bill_id, card=APPROVING_CARD, installment_months=3)
    assert payssam_approvals[bill_id].installment_months == 3
    assert payssam_client.read_bill(bill_id).state is BillState.PAID
    payssam_client.cancel_bill(bill_id, 150000)
    assert payssam_client.read_bill(bill_id).state is BillState.CANCELLED
"""

ASYNC_BOTH = """\
import pytest
from payssam import BillState, new_bill_id
from payssam_sim.cards import APPROVING_CARD


@pytest.mark.asyncio
@pytest.mark.parametrize("payssam_api_version", [1, 2])
async def test_a_parent_pays_in_three_installments(payssam_sim, async_payssam_client, payssam_approvals):
    client, bill_id = async_payssam_client, new_bill_id()
    await client.send_bill(bill_id, 150000, phone="01012345678", customer_name="홍길동",
                           product_name="겨울 특강", callback_url="https://erp.example/payssam/approval")
    payssam_sim.pay(bill_id, card=APPROVING_CARD, installment_months=3)
    assert payssam_approvals[bill_id].installment_months == 3
    assert (await client.read_bill(bill_id)).state is BillState.PAID
    await client.cancel_bill(bill_id, 150000)
    assert (await client.read_bill(bill_id)).state is BillState.CANCELLED
"""

DECLINED = """\
import pytest
from payssam import BillState, new_bill_id
from payssam_sim import NotPayableError
from payssam_sim.cards import DECLINING_CARD


def test_a_declined_card_changes_nothing(payssam_sim, payssam_client, payssam_approvals):
    bill_id = new_bill_id()
    payssam_client.send_bill(bill_id, 60000, phone="01012345678", customer_name="홍길동",
                             product_name="교재", callback_url="https://erp.example/payssam/approval")
    with pytest.raises(NotPayableError, match="한도 초과"):
        payssam_sim.pay(bill_id, card=DECLINING_CARD)
    assert bill_id not in payssam_approvals
    assert payssam_client.read_bill(bill_id).state is BillState.UNPAID
    [sent] = payssam_sim.requests(bill_id, "send")                        # the journal, masked
    assert sent["body"]["bill"]["phone"] == "010****5678"
"""

ANYIO = """\
import pytest
from payssam import BillNotFoundError


@pytest.fixture
def anyio_backend():
    return "asyncio"  # AsyncPaySsam runs in asyncio tasks


@pytest.mark.anyio
async def test_an_unknown_bill_under_anyio(async_payssam_client):
    with pytest.raises(BillNotFoundError):
        await async_payssam_client.read_bill("NOSUCHBILL")
"""

ABSENT_EXTRA = """\
import sys


def test_the_plugin_loaded_without_the_simulator_or_the_sdk():
    assert "payssam_pytest.plugin" in sys.modules
    assert "payssam_sim" not in sys.modules and "payssam" not in sys.modules


def test_a_fixture_says_what_to_install(payssam_client):
    pass
"""

BLOCKER = """\
'''Make the mock extra's own packages absent, as in a project that installed payssam without it.'''
import sys

ABSENT = {"jsonschema", "regress"}


class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Absent())
"""

SOCKET_STOPPED = """\
import httpx

seen = []


def test_the_simulator_serves_on_a_loopback_port(payssam_sim_url):
    assert payssam_sim_url.startswith("http://127.0.0.1:")
    with httpx.Client(trust_env=False) as http:
        assert http.get(payssam_sim_url + "/_sim/bills").json() == {"bills": []}
    seen.append(payssam_sim_url)


def test_it_is_stopped_after_its_test():
    with httpx.Client(trust_env=False) as http:
        try:
            http.get(seen[0] + "/_sim/bills", timeout=10)
        except httpx.ConnectError:
            return
    raise AssertionError("the simulator still answers after its test")
"""


def consumer(pytester: pytest.Pytester, *, asyncio: bool = True, **files: str) -> None:
    """A consumer project: its test files, and its pytest.ini if it uses pytest-asyncio."""
    if asyncio:
        pytester.makeini(CONSUMER_INI)
    pytester.makepyfile(**files)


# --------------------------------------------------------------------------- a consumer's project


def test_a_consumers_test_files_pass_with_the_fixtures_alone(pytester: pytest.Pytester) -> None:
    """send → pay (a card, 3 installments, ≥ 50,000 won) → approval received → read → cancel: sync and async, v1
    and v2; a declined card and the journal. Each file under 20 lines, in a fresh process that loads the plugin
    through its entry point, under -W error (v2's ExperimentalWarning is silenced by the fixtures)."""
    files = {
        "test_readme": README_EXAMPLE,
        "test_sync_v2": SYNC_V2,
        "test_async": ASYNC_BOTH,
        "test_declined": DECLINED,
    }
    for name, source in files.items():
        assert len(source.splitlines()) < 20, name
    consumer(pytester, **files)
    result = pytester.runpytest_subprocess(*CONSUMER_RUN)
    result.assert_outcomes(passed=5)


def test_the_async_client_works_under_anyio_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    consumer(pytester, asyncio=False, test_anyio=ANYIO)
    result = pytester.runpytest(*CONSUMER_RUN, "-p", "no:asyncio")
    result.assert_outcomes(passed=1)


def test_without_the_mock_extra_the_plugin_loads_and_a_fixture_says_what_to_install(
    pytester: pytest.Pytester,
) -> None:
    consumer(pytester, test_absent=ABSENT_EXTRA)
    pytester.makepyfile(blocker=BLOCKER)
    result = pytester.runpytest_subprocess(*CONSUMER_RUN, "-p", "blocker")
    result.assert_outcomes(passed=1, errors=1)
    output = result.stdout.str()
    assert "the payssam_sim fixture cannot make a simulator: payssam_sim needs the 'mock' extra" in output
    assert "pip install 'payssam[mock] @ git+" in output
    assert "Traceback" not in output
    assert "During handling" not in output  # the message alone, not the import errors behind it


def test_payssam_sim_url_serves_during_its_test_and_is_stopped_after(pytester: pytest.Pytester) -> None:
    consumer(pytester, test_socket=SOCKET_STOPPED)
    result = pytester.runpytest(*CONSUMER_RUN)
    result.assert_outcomes(passed=2)


def test_loading_the_plugin_imports_neither_the_simulator_nor_the_sdk() -> None:
    probe = (
        "import sys; import payssam_pytest.plugin; "
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in {'payssam', 'payssam_sim', 'httpx', 'h11'}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_marker_is_registered(pytestconfig: pytest.Config) -> None:
    assert any(line.startswith("payssam(api_version=1") for line in pytestconfig.getini("markers"))


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("payssam(api_version=3)", "@pytest.mark.payssam: api_version must be 1 or 2, not 3"),
        ("payssam(2)", "@pytest.mark.payssam takes keyword arguments only"),
        ("payssam(colour='blue')", "@pytest.mark.payssam: Simulator.__init__() got an unexpected keyword argument"),
        ("payssam(v2_callback_case='kebab')", "@pytest.mark.payssam: v2_callback_case must be one of camel, snake"),
    ],
)
def test_a_wrong_marker_fails_the_test_saying_why(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makeini(CONSUMER_INI)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_it(payssam_client):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert message in result.stdout.str()


def test_the_readme_shows_the_examples_tested_here() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python[^\n]*\n(.*?)```", readme, re.DOTALL)
    assert README_EXAMPLE in blocks
    assert DECLINED in blocks


# --------------------------------------------------------------------------- the fixtures, used directly


def test_each_test_gets_a_fresh_in_process_simulator(payssam_sim: Simulator, payssam_approvals: Approvals) -> None:
    assert payssam_sim.callback_transport is payssam_approvals
    with pytest.raises(RuntimeError, match="call start"):
        payssam_sim.base_url  # noqa: B018 - no socket unless payssam_sim_url is asked for
    assert payssam_sim.strict is False


@pytest.mark.payssam(strict=True, v2_callback_case="snake")
def test_the_marker_sets_the_simulator(payssam_sim: Simulator) -> None:
    assert payssam_sim.strict is True
    assert payssam_sim.v2_callback_case == "snake"


@pytest.mark.parametrize("payssam_api_version", [1, 2])
def test_the_clients_speak_the_api_version_asked_for(
    payssam_api_version: int, payssam_client: payssam.PaySsam, async_payssam_client: payssam.AsyncPaySsam
) -> None:
    assert payssam_client.api_version == async_payssam_client.api_version == payssam_api_version
    assert payssam_client.base_url.endswith("/partner") is (payssam_api_version == 2)


def test_markers_add_up_from_module_to_function_the_closest_winning(pytester: pytest.Pytester) -> None:
    pytester.makeini(CONSUMER_INI)
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.payssam(api_version=2, strict=True)

        @pytest.mark.payssam(strict=False)
        def test_it(payssam_sim, payssam_client):
            assert payssam_client.api_version == 2
            assert payssam_sim.strict is False
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_repeated_approval_is_received_again_and_a_malformed_one_is_refused(
    payssam_client: payssam.PaySsam, payssam_sim: Simulator, payssam_approvals: Approvals
) -> None:
    bill_id = new_bill_id()
    payssam_client.send_bill(
        bill_id, 1000, phone=PHONE, customer_name="홍길동", product_name="교재", callback_url="http://127.0.0.1/a"
    )
    payssam_sim.pay(bill_id)
    with httpx.Client(transport=payssam_sim.transport(), base_url="http://127.0.0.1") as control:
        again = control.post(f"/_sim/bills/{bill_id}/redeliver", json={}).json()
    assert again["callback"]["acknowledged"]
    assert [approval.state for approval in payssam_approvals.for_bill(bill_id)] == [BillState.PAID] * 2
    assert bill_id in payssam_approvals
    assert len(payssam_approvals) == 2
    with pytest.raises(KeyError, match="no approval was received for bill OTHER"):
        payssam_approvals["OTHER"]
    refused = payssam_approvals.handle_request(httpx.Request("POST", "http://127.0.0.1/a", content=b"{}"))
    assert refused.status_code == 400
    assert len(payssam_approvals.rejected) == 1
    assert "TEST-API-KEY" not in repr(payssam_approvals.received)


async def test_the_async_client_is_usable_in_an_async_test(async_payssam_client: payssam.AsyncPaySsam) -> None:
    with pytest.raises(payssam.BillNotFoundError):
        await async_payssam_client.read_bill("NOSUCHBILL")
