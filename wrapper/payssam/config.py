"""Client configuration: credentials, base URL, timeout, digest; all validated up front.

There is no production default: the base URL is always given, explicitly or
through PAYSSAM_BASE_URL, because no vendor host is official.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import httpx

from . import validation
from .errors import ValidationError
from .hashing import Digest
from .redaction import Secret

ENV_APIKEY = "PAYSSAM_APIKEY"
ENV_MEMBER = "PAYSSAM_MEMBER"
ENV_MERCHANT = "PAYSSAM_MERCHANT"
ENV_BASE_URL = "PAYSSAM_BASE_URL"

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Card approvals and cancels go through the card network; 30 s to read, 5 s to connect."""

Timeout = float | httpx.Timeout


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a request needs besides its own arguments."""

    apikey: Secret
    member: str
    merchant: str
    base_url: str
    timeout: httpx.Timeout
    digest: Digest

    def url(self, path: str) -> str:
        """The absolute URL of an operation path, keeping any path prefix of the base URL."""
        return self.base_url + path

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in messages or logs."""
        return (self.apikey.reveal(),)


def make_config(
    apikey: object, member: object, merchant: object, base_url: object, timeout: object, digest: Digest
) -> Config:
    """Validate every setting; a ValidationError names the first bad one."""
    return Config(
        apikey=Secret(validation.credential("apikey", apikey, validation.APIKEY_MAX, secret=True)),
        member=validation.credential("member", member, validation.MEMBER_MAX),
        merchant=validation.credential("merchant", merchant, validation.MERCHANT_MAX),
        base_url=check_base_url(base_url),
        timeout=check_timeout(timeout),
        digest=check_digest(digest),
    )


def check_digest(value: object) -> Digest:
    """The hash function: a callable from preimage to hash string."""
    if not callable(value):
        raise ValidationError("digest", f"must be a function from str to str, not {type(value).__name__}")
    return cast(Digest, value)


def check_base_url(value: object) -> str:
    """An http(s) URL with a host and no query, fragment or credentials; no trailing slash."""
    if not isinstance(value, str) or not value:
        raise ValidationError("base_url", f"must be a non-empty URL string (or set {ENV_BASE_URL})")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValidationError("base_url", f"is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError("base_url", "must be an http:// or https:// URL with a host")
    if "?" in value or "#" in value or url.userinfo:
        raise ValidationError("base_url", "must not carry a query, fragment or user info")
    return value.rstrip("/")


def check_timeout(value: object) -> httpx.Timeout:
    """A positive, finite timeout for every phase; None (wait forever) is refused."""
    if isinstance(value, bool) or value is None:
        raise ValidationError("timeout", "must be a positive number of seconds or an httpx.Timeout, never None")
    if isinstance(value, int | float):
        try:
            value = httpx.Timeout(float(value))
        except OverflowError:
            raise ValidationError("timeout", "is too large") from None
    if not isinstance(value, httpx.Timeout):
        raise ValidationError("timeout", f"must be a number or an httpx.Timeout, not {type(value).__name__}")
    for phase in ("connect", "read", "write", "pool"):
        seconds = getattr(value, phase)
        if seconds is None or not (0 < seconds < math.inf):
            raise ValidationError("timeout", f"{phase} must be a positive finite number of seconds")
    return value


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The four settings from the environment; a missing one is a ValidationError naming it."""
    env = os.environ if environ is None else environ
    names = {"apikey": ENV_APIKEY, "member": ENV_MEMBER, "merchant": ENV_MERCHANT, "base_url": ENV_BASE_URL}
    settings: dict[str, str] = {}
    for setting, name in names.items():
        value = env.get(name, "")
        if not value:
            raise ValidationError(name, "is not set")
        settings[setting] = value
    return settings
