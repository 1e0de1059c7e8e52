"""A base URL's port is 1 to 65535 in digits, or the client is not built: a ValidationError on base_url.

httpx.URL takes any port int() reads (-1, 0, 65536, 99999, "1_0", non-ASCII digits); a bad one used to pass
validation and fail only when connecting (an OverflowError, inside an ExceptionGroup in the async client).
"""

from __future__ import annotations

from typing import Any

import pytest

import payssam
from payssam._env import ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT

from kit import APIKEY, MEMBER, MERCHANT, SANDBOX

CLIENTS = [pytest.param(payssam.PaySsam, id="sync"), pytest.param(payssam.AsyncPaySsam, id="async")]
BAD_PORTS = ["-1", "0", "00", "-0", "65536", "99999", "065536", "1_0", "+80", "\u0663"]
"""Out of range, or not plain ASCII digits (httpx reads "1_0" as 10, "+80" as 80 and "\u0663" as 3)."""
GOOD_PORTS = ["1", "80", "443", "8080", "65535", "0080", ""]
"""In range; leading zeros and an empty port (the scheme's default, as RFC 3986 allows) are accepted."""
HOSTS = ["127.0.0.1", "[::1]", "payssam.example"]


def environ(base_url: str) -> dict[str, str]:
    return {ENV_APIKEY: APIKEY, ENV_MEMBER: MEMBER, ENV_MERCHANT: MERCHANT, ENV_BASE_URL: base_url}


def refused(build: Any) -> payssam.ValidationError:
    with pytest.raises(payssam.ValidationError) as info:
        build()
    return info.value


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("port", BAD_PORTS)
def test_a_port_outside_1_to_65535_is_refused(cls: type[payssam.PaySsam], host: str, port: str) -> None:
    base_url = f"http://{host}:{port}/api"
    for error in (
        refused(lambda: cls(**{**SANDBOX, "base_url": base_url})),
        refused(lambda: cls.from_env(environ(base_url))),
    ):
        assert error.field == "base_url"
        assert "1 to 65535" in error.problem


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("port", ["-1", "0", "65536", "99999"])
def test_the_reported_urls_are_refused_before_anything_is_sent(cls: type[payssam.PaySsam], port: str) -> None:
    error = refused(lambda: cls(**{**SANDBOX, "base_url": f"http://127.0.0.1:{port}"}))
    assert str(error) == "base_url: has a port that is not a number from 1 to 65535"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("port", GOOD_PORTS)
async def test_a_port_from_1_to_65535_is_accepted(cls: type[payssam.PaySsam], host: str, port: str) -> None:
    base_url = f"http://{host}:{port}/api"
    for client in (cls(**{**SANDBOX, "base_url": base_url}), cls.from_env(environ(base_url))):
        if isinstance(client, payssam.AsyncPaySsam):
            await client.close()
        else:
            client.close()
