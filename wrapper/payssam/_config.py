"""Client configuration: credentials, base URL, timeout, digest; all validated up front.

There is no production default: the base URL is always given, explicitly or
through PAYSSAM_BASE_URL, because no vendor host is official.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx
import idna

from . import _validation as validation
from ._env import ENV_API_VERSION, ENV_APIKEY, ENV_BASE_URL, ENV_MEMBER, ENV_MERCHANT
from ._errors import ValidationError
from ._frames import detached
from ._hashing import Digest, check_digest
from ._retries import DEFAULT_BACKOFF, DEFAULT_RETRY, MAX_RETRIES_LIMIT, Backoff, RetryPolicy
from .redaction import Secret

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""Card approvals and cancels go through the card network; 30 s to read, 5 s to connect."""

Timeout = float | httpx.Timeout
DEFAULT_MAX_RETRIES = DEFAULT_RETRY.max_retries
MAX_TIMEOUT = 86_400.0
"""The longest timeout a phase may have (a day): a bound, so no arithmetic on it can overflow."""
MAX_BACKOFF = 3_600.0
"""The longest pause between attempts (an hour)."""
_PHASES = ("connect", "read", "write", "pool")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a request needs besides its own arguments."""

    apikey: Secret
    member: str
    merchant: str
    base_url: str
    timeout: httpx.Timeout
    digest: Digest
    retry: RetryPolicy = DEFAULT_RETRY
    api_version: int = 1
    """Which API the calls speak: 1, or 2 (experimental)."""

    attempt_seconds: float = field(init=False)
    """The bound of one attempt as a whole (connect, send and the full answer): the longest phase timeout."""
    timeout_phases: dict[str, float | None] = field(init=False, repr=False)
    """The timeout as httpx's request extension, built once."""
    _urls: dict[str, httpx.URL] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phases = (self.timeout.connect, self.timeout.read, self.timeout.write, self.timeout.pool)
        object.__setattr__(self, "attempt_seconds", max(t for t in phases if t))
        object.__setattr__(self, "timeout_phases", self.timeout.as_dict())
        object.__setattr__(self, "_urls", {})

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of an operation path, keeping any path prefix of the base URL; parsed once per path."""
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = httpx.URL(self.base_url + path)
        return url

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """What must never appear in messages, logs or a traceback's frames: kept as Secrets, revealed only where
        text is searched for them."""
        return (self.apikey,)


def make_config(
    apikey: str | Secret,
    member: object,
    merchant: object,
    base_url: object,
    timeout: object,
    digest: object,
    max_retries: object = DEFAULT_MAX_RETRIES,
    backoff: object = DEFAULT_BACKOFF,
    api_version: object = 1,
) -> Config:
    """Validate every setting; a ValidationError names the first bad one (credential limits per API version).

    The clients hand the apikey in as a Secret, so that no frame of a ValidationError raised here holds it.
    """
    version = validation.api_version(api_version)
    limits = validation.LIMITS[version]
    return Config(
        apikey=check_apikey(Secret.of(apikey), limits.apikey),
        member=validation.credential("member", member, limits.member),
        merchant=validation.credential("merchant", merchant, limits.merchant),
        base_url=check_base_url(base_url),
        timeout=check_timeout(timeout),
        digest=check_digest(digest),
        retry=RetryPolicy(max_retries=check_max_retries(max_retries), backoff=check_backoff(backoff)),
        api_version=version,
    )


def check_apikey(apikey: Secret, max_length: int) -> Secret:
    """The apikey as a Secret of an exact str of 1 to max_length characters; checked in a frame that returns
    before the ValidationError is raised from this one, which holds only the Secret."""
    checked = _checked_apikey(apikey, max_length)
    if isinstance(checked, ValidationError):
        raise checked
    return checked


def _checked_apikey(apikey: Secret, max_length: int) -> Secret | ValidationError:
    try:
        return Secret(validation.credential("apikey", apikey.reveal(), max_length, secret=True))
    except ValidationError as refused:
        return detached(refused)


def check_max_retries(value: object) -> int:
    """How many times a call may be tried again: an int from 0 to MAX_RETRIES_LIMIT."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("max_retries", f"must be an int, not {type(value).__name__}")
    if not 0 <= value <= MAX_RETRIES_LIMIT:
        raise ValidationError("max_retries", f"must be between 0 and {MAX_RETRIES_LIMIT}")
    return value


def check_backoff(value: object) -> Backoff:
    """A Backoff whose delays are finite and not negative, the first no longer than the cap."""
    if not isinstance(value, Backoff):
        raise ValidationError("backoff", f"must be a payssam.Backoff, not {type(value).__name__}")
    initial, maximum = _seconds(value.initial, MAX_BACKOFF), _seconds(value.maximum, MAX_BACKOFF)
    if initial is None or maximum is None:
        name = "initial" if initial is None else "maximum"
        raise ValidationError("backoff", f"{name} must be a number of seconds from 0 to {MAX_BACKOFF:g}")
    if initial > maximum:
        raise ValidationError("backoff", "initial must not exceed maximum")
    return Backoff(initial, maximum)


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PORT = re.compile(r"0*([1-9][0-9]{0,4})")
"""A port as the URL's text gives it: ASCII digits naming 1 or more, leading zeros allowed (65535 is checked apart)."""


def _check_host(host: str) -> None:
    """A host that can be resolved: an IP address, or DNS labels (IDNA A-labels decoding cleanly)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return
    if len(host) > 253:
        raise ValidationError("base_url", "has a host name longer than 253 characters")
    for label in host.rstrip(".").split("."):
        if not _LABEL.fullmatch(label):
            raise ValidationError("base_url", "has a host name that is not valid (letters, digits, hyphens per label)")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                raise ValidationError("base_url", "has an internationalised host name that is not valid IDNA") from None


def _check_port(value: str) -> None:
    """The URL's port, when it gives one, names 1 to 65535 in ASCII digits.

    Read from the text: httpx takes any int() (-1, 99999, "1_0" and non-ASCII digits too), and the socket layer
    only fails later (an OverflowError, under anyio inside an ExceptionGroup).
    """
    authority = value.partition("//")[2].partition("/")[0]
    after_host = authority.rpartition("]")[2] if authority.startswith("[") else authority
    digits = after_host.partition(":")[2]
    match = _PORT.fullmatch(digits)
    if digits and (match is None or int(match[1]) > 65535):
        raise ValidationError("base_url", "has a port that is not a number from 1 to 65535")


def check_base_url(value: object) -> str:
    """An http(s) URL with a valid host and port and no query, fragment or credentials; no trailing slash."""
    if not isinstance(value, str) or not value:
        raise ValidationError("base_url", f"must be a non-empty URL string (or set {ENV_BASE_URL})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("base_url", "is not valid Unicode text (lone surrogate)") from None
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValidationError("base_url", "must not contain spaces or control characters")
    try:
        url = httpx.URL(value)
        host = url.raw_host.decode("ascii").lower()
    except Exception as exc:  # httpx and idna raise several kinds for one bad URL
        raise ValidationError("base_url", f"is not a valid URL ({type(exc).__name__})") from None
    if url.scheme not in ("http", "https") or not host:
        raise ValidationError("base_url", "must be an http:// or https:// URL with a host")
    if "?" in value or "#" in value or "@" in value.partition("//")[2].partition("/")[0]:
        raise ValidationError("base_url", "must not carry a query, fragment or user info")
    _check_port(value)
    _check_host(host)
    return value.rstrip("/")


def _seconds(value: object, upper: float) -> float | None:
    """The value as float seconds when it is an int or float in [0, upper], else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if 0 <= seconds <= upper else None


def check_timeout(value: object) -> httpx.Timeout:
    """A positive timeout of at most a day for every phase, as floats; None (wait forever) is refused."""
    if isinstance(value, bool) or value is None:
        raise ValidationError("timeout", "must be a positive number of seconds or an httpx.Timeout, never None")
    if not isinstance(value, int | float | httpx.Timeout):
        raise ValidationError("timeout", f"must be a number or an httpx.Timeout, not {type(value).__name__}")
    given = value.as_dict() if isinstance(value, httpx.Timeout) else dict.fromkeys(_PHASES, value)
    phases: dict[str, float] = {}
    for phase in _PHASES:
        seconds = _seconds(given[phase], MAX_TIMEOUT)
        if not seconds:
            raise ValidationError("timeout", f"{phase} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
        phases[phase] = seconds
    return httpx.Timeout(**phases)


def _environment(environ: object) -> Mapping[str, object]:
    if environ is not None and not isinstance(environ, Mapping):
        raise ValidationError("environ", f"must be a mapping of names to values, not {type(environ).__name__}")
    return os.environ if environ is None else environ


def api_version_from_env(environ: object = None) -> int:
    """PAYSSAM_API_VERSION ("1" or "2"); 1 when it is unset or empty."""
    value = _environment(environ).get(ENV_API_VERSION, "")
    if value == "":
        return 1
    if value not in ("1", "2"):
        raise ValidationError(ENV_API_VERSION, "must be 1 or 2")
    return int(str(value))


class EnvSettings(NamedTuple):
    """What a client's from_env reads: the four settings (the apikey as a Secret) and the API version."""

    apikey: Secret
    member: str
    merchant: str
    base_url: str
    api_version: int


def settings_from_env(environ: object, api_version: int | None) -> EnvSettings | ValidationError:
    """The four settings from the environment (or `environ`) and the API version (api_version, else
    PAYSSAM_API_VERSION, else 1); or the ValidationError saying what is missing or wrong (missing settings named all
    at once), returned without the frames that held the environment, for the caller to raise once it has dropped
    `environ` too: both may hold the apikey."""
    try:
        settings = _settings(_environment(environ))
        version = api_version_from_env(environ) if api_version is None else api_version
    except ValidationError as refused:
        return detached(refused)
    return EnvSettings(
        Secret(settings["apikey"]), settings["member"], settings["merchant"], settings["base_url"], version
    )


def _settings(env: Mapping[str, object]) -> dict[str, str]:
    names = {"apikey": ENV_APIKEY, "member": ENV_MEMBER, "merchant": ENV_MERCHANT, "base_url": ENV_BASE_URL}
    settings: dict[str, str] = {}
    missing: list[str] = []
    for setting, name in names.items():
        value = env.get(name, "")
        if not isinstance(value, str):
            raise ValidationError(name, f"must be a string, not {type(value).__name__}")
        if value:
            settings[setting] = value
        else:
            missing.append(name)
    if missing:
        raise ValidationError(missing[0] if len(missing) == 1 else "environ", f"{', '.join(missing)} not set")
    return settings
