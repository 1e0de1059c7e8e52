"""The request journal: every request the simulator answered, newest last, bounded, masked when it is recorded.

An entry is built from what handle() already holds (the parsed JSON body, the answer's code and status). Its body
is a masked, bounded copy made as the request is answered: the apikey becomes "***", a phone 010****5678, a
customer's name 홍**, and a hash over a phone "***" (a phone's hash is found again by trying every number), so
nothing secret or personal is kept past the request. Members are masked by name, and any text that looks like a
Korean phone number by value too, wherever it stands (a phone sent under an unexpected name, or inside a message).
The newest `limit` entries are kept, older ones dropped and counted; a limit of 0 keeps none and masks nothing.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from .contract import APIS, BodyError
from .fidelity import BILL_ID_NAMES
from .messages import Response

DEFAULT_LIMIT = 1000
"""Entries kept by default: a test run's worth, a few megabytes at most."""
MAX_LIMIT = 100_000
"""The largest journal_limit: an entry takes about a kilobyte, a refused body cut to its bound at most ~20."""
MASK = "***"
CUT = "…"
MAX_TEXT = 2048
"""Characters kept of one string (the contract's longest field, a callback URL, fits whole)."""
MAX_CHARS = 8192
"""Characters kept of one body's strings, member names included: a bound on what a 1 MiB body leaves behind."""
MAX_VALUES = 128
"""Members and items kept of one body, at every depth together."""
MAX_DEPTH = 8
"""Nesting kept: a vendor body has two levels (the envelope and its bill)."""
MAX_BITS = 64
"""A larger integer (JSON allows up to 4,300 digits) is cut whole."""

LOGGABLE_ID = re.compile(r"[\x21-\x7e]{1,64}")
"""A bill id from a refused body that the journal and the log line show: visible ASCII, no control characters."""

KEY = "key"
PHONE = "phone"
NAME = "name"
HASH = "hash"
KINDS = {
    "apikey": KEY,
    "phone": PHONE,
    "membernm": NAME,
    "membername": NAME,
    "customername": NAME,
    "hash": HASH,
}
"""Member names that are masked, compared lower-cased without _ or - (apikey, apiKey, api_key, API-KEY alike)."""


def _kind_of(name: str) -> str | None:
    return KINDS.get(name.replace("_", "").replace("-", "").lower())


_kind_cached = lru_cache(maxsize=1024)(_kind_of)
CACHED_NAME = 64
"""Member names up to this length (every real one) have their kind cached; longer ones are worked out each time,
so the cache stays small whatever bodies come in."""


def _kind(name: str) -> str | None:
    """The kind of a member name (KEY, PHONE, NAME, HASH), or None."""
    return _kind_cached(name) if len(name) <= CACHED_NAME else _kind_of(name)


_DIGIT = r"[0-9\uff10-\uff19]"
"""An ASCII or a full-width digit."""
_SEPARATOR = r"[-\uff0d. \u3000]?"
"""Between a number's groups: a hyphen (ASCII or full-width), a dot, a space (ASCII or ideographic), or nothing."""
PHONE_LIKE = re.compile(
    rf"(?:\+82{_SEPARATOR}|0(?<!{_DIGIT}0)|\uff10(?<!{_DIGIT}\uff10))[1\uff11]{_DIGIT}{_SEPARATOR}"
    rf"{_DIGIT}{{3,4}}{_SEPARATOR}{_DIGIT}{{4}}(?!{_DIGIT})"
)
"""A Korean mobile number in text: 01x and 7 or 8 more digits (10 or 11 in all, or +82 and the number without its 0),
ASCII or full-width, a hyphen, dot or space allowed between its groups. Its leading 0 is checked for a digit before
it after it is found, so the pattern starts with one of three characters and the regex engine skips to them (a
masked body is made per request)."""
PHONE_SPAN = 24
"""Characters a PHONE_LIKE match can span at most (with room to spare): masking looks this far past a cut."""


def mask_phone(value: object) -> str:
    """A phone with its first three and last four characters kept (010****5678); anything else "***"."""
    if not isinstance(value, str) or not 8 <= len(value) <= 20:
        return MASK
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phones_in(text: str) -> str:
    """The text with everything in it that looks like a phone (PHONE_LIKE) masked as mask_phone() masks a phone."""
    return PHONE_LIKE.sub(_masked_match, text)


_name_masked = lru_cache(maxsize=1024)(mask_phones_in)
"""A member name up to CACHED_NAME characters with what looks like a phone in it masked, cached as _kind is."""


def _masked_match(match: re.Match[str]) -> str:
    return mask_phone(match.group())


def mask_name(value: object) -> str:
    """A name with its first character kept (홍**); a one-character name or anything not text "***"."""
    if not isinstance(value, str) or len(value) < 2:
        return "" if value == "" else MASK
    return value[0] + "*" * (len(value) - 1)


def hidden(value: object) -> str:
    """Whatever it is, "***"."""
    return MASK


MASKS: dict[str, Callable[[object], str]] = {KEY: hidden, PHONE: mask_phone, NAME: mask_name, HASH: hidden}
"""How each kind of masked member is shown."""


class _Copy:
    """One body's masked copy, within its budget of values and characters."""

    def __init__(self) -> None:
        self.values = MAX_VALUES
        self.chars = MAX_CHARS

    def text(self, value: str) -> str:
        """A name or a string value within the budget, what looks like a phone in it masked (before the cut, so a
        phone at the cut is masked whole)."""
        return self.cut(mask_phones_in(value[: MAX_TEXT + PHONE_SPAN]))

    def name(self, name: str) -> str:
        """A member name as text() has it (the names bodies use are few: theirs is cached)."""
        return self.cut(_name_masked(name)) if len(name) <= CACHED_NAME else self.text(name)

    def cut(self, value: str) -> str:
        """The string within the budget, cut with … past it."""
        size = len(value)
        if size <= self.chars and size <= MAX_TEXT:
            self.chars -= size
            return value
        keep = min(MAX_TEXT, self.chars)
        self.chars -= keep
        return value[:keep] + CUT

    def value(self, value: object, depth: int) -> object:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and value.bit_length() > MAX_BITS:
            return CUT
        if not isinstance(value, dict | list):
            return value
        if depth >= MAX_DEPTH:
            return CUT
        if isinstance(value, list):
            return self.items(value, depth + 1)
        return self.members(value, depth + 1)

    def items(self, value: list[Any], depth: int) -> list[object]:
        kept: list[object] = []
        for item in value:
            if self.values <= 0 or self.chars <= 0:
                kept.append(f"{CUT} {len(value) - len(kept)} more")
                break
            self.values -= 1
            kept.append(self.value(item, depth))
        return kept

    def members(self, value: Mapping[str, Any], depth: int) -> dict[str, object]:
        kept: dict[str, object] = {}
        for name, member in value.items():
            if self.values <= 0 or self.chars <= 0:
                kept[CUT] = f"{len(value) - len(kept)} more"
                break
            self.values -= 1
            kind = _kind(name)
            if kind is not None and (kind != HASH or any(_kind(other) == PHONE for other in value)):
                kept[self.name(name)] = self.cut(MASKS[kind](member))
            else:
                kept[self.name(name)] = self.value(member, depth)
        return kept


def masked(body: Mapping[str, Any]) -> dict[str, object]:
    """A copy of a JSON object body safe to keep: secrets and personal data masked, long or deep parts cut."""
    return _Copy().members(body, 1)


def bill_id_of(body: Mapping[str, Any] | None) -> str | None:
    """The bill id a refused body names (bill_id or billId, at its top or in its bill), when it is 1 to 64 visible
    ASCII characters (so it can go in a log line as it is); else None."""
    if body is None:
        return None
    bill = body.get("bill")
    for holder in (body, bill) if isinstance(bill, dict) else (body,):
        for name in BILL_ID_NAMES:
            value = holder.get(name)
            if isinstance(value, str) and LOGGABLE_ID.fullmatch(value):
                return value
    return None


def error_text(response: Response) -> str | None:
    """The text of an error answer ({"error": text}), or None for any other body."""
    if not response.content_type.startswith("application/json"):
        return None
    try:
        text = json.loads(response.body).get("error")
    except (ValueError, AttributeError):
        return None
    return text if isinstance(text, str) else None


class Entry(NamedTuple):
    """One answered request as the journal keeps it (its body already masked); a tuple, as it is made per request."""

    seq: int
    time: datetime
    method: str
    path: str
    api: str | None
    operation: str | None
    bill_id: str | None
    status: int
    code: str | None
    body: dict[str, object] | None
    error: str | None

    def view(self) -> dict[str, object]:
        """The entry as GET /_sim/requests shows it."""
        view: dict[str, object] = {
            "seq": self.seq,
            "time": self.time.isoformat(timespec="milliseconds"),
            "method": self.method,
            "path": self.path,
            "api": self.api,
            "operation": self.operation,
            "bill_id": self.bill_id,
            "status": self.status,
            "code": self.code,
            "body": self.body,
        }
        if self.error is not None:
            view["error"] = self.error
        return view


@dataclass(frozen=True, slots=True)
class Query:
    """The filters of GET /_sim/requests."""

    bill_id: str | None = None
    operation: str | None = None
    api: str | None = None
    limit: int | None = None


FILTERS = ("bill_id", "operation", "api", "limit")
"""The query parameters GET /_sim/requests takes."""


def query(text: str) -> Query:
    """The filters in a query string; BodyError naming the parameter for an unknown or repeated one, an api that is
    not v1 or v2, or a limit that is not a count."""
    given: dict[str, str] = {}
    for name, values in parse_qs(text, keep_blank_values=True).items():
        if name not in FILTERS:
            raise BodyError(name[:40], f"is not a filter (known: {', '.join(FILTERS)})")
        if len(values) > 1:
            raise BodyError(name, "is given more than once")
        given[name] = values[0]
    api = given.get("api")
    if api is not None and api not in APIS:
        raise BodyError("api", f"must be one of {', '.join(APIS)}")
    limit = given.get("limit")
    count = None
    if limit is not None:
        digits = limit.isascii() and limit.isdigit() and len(limit) <= len(str(MAX_LIMIT))
        count = int(limit) if digits else -1
        if not 0 <= count <= MAX_LIMIT:
            raise BodyError("limit", f"must be a count from 0 to {MAX_LIMIT}")
    return Query(bill_id=given.get("bill_id"), operation=given.get("operation"), api=api, limit=count)


def check_limit(limit: int) -> int:
    """limit, if it is a journal size from 0 (no journal) to MAX_LIMIT; ValueError otherwise."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise ValueError(f"journal_limit must be an integer from 0 to {MAX_LIMIT}")
    return limit


class Journal:
    """The newest `limit` entries behind one lock, the count of those dropped, and the sequence numbers.

    Sequence numbers count every request recorded since the simulator was made, across resets and drops, so an
    entry's number never changes and never returns.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, *, now: Callable[[], datetime]) -> None:
        self.limit = check_limit(limit)
        self.now = now
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=self.limit)
        self._seq = 0
        self._dropped = 0
        self._generation = 0

    @property
    def enabled(self) -> bool:
        """Whether entries are kept at all (a limit of 0 keeps none: bodies need not be masked)."""
        return self.limit > 0

    def record(
        self,
        method: str,
        path: str,
        *,
        api: str | None,
        operation: str | None,
        bill_id: str | None,
        status: int,
        code: str | None,
        body: dict[str, object] | None,
        error: str | None,
        generation: int | None = None,
    ) -> None:
        """Add one answered request (body already masked); past the limit the oldest entry is dropped. generation:
        the one the request began in; an entry from before a clear() is dropped, uncounted."""
        when = self.now()
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            self._seq += 1
            if len(self._entries) == self.limit:
                self._dropped += 1
            if self.limit:
                self._entries.append(
                    Entry(self._seq, when, method, path[:MAX_TEXT], api, operation, bill_id, status, code, body, error)
                )

    def entries(
        self,
        *,
        bill_id: str | None = None,
        operation: str | None = None,
        api: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, object]]:
        """The entries that match every filter given, oldest first; with limit, only the newest `limit` of them."""
        with self._lock:
            kept = list(self._entries)
        chosen = [
            entry
            for entry in kept
            if (bill_id is None or entry.bill_id == bill_id)
            and (operation is None or entry.operation == operation)
            and (api is None or entry.api == api)
        ]
        if limit is not None:
            chosen = chosen[len(chosen) - limit :] if limit else []
        return [entry.view() for entry in chosen]

    @property
    def dropped(self) -> int:
        """Entries dropped for the limit since the last clear()."""
        with self._lock:
            return self._dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def generation(self) -> int:
        """How many times the journal was cleared: read as a request begins, given back to record()."""
        with self._lock:
            return self._generation

    def clear(self) -> None:
        """Forget every entry and the dropped count (sequence numbers go on); the generation moves on."""
        with self._lock:
            self._entries.clear()
            self._dropped = 0
            self._generation += 1
