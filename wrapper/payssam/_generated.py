"""The one adapter between the wrapper and what openapi-python-client generates.

Every reach past the generated package's public surface lives here: the endpoint modules' private
`_get_kwargs` (the request's method, path and JSON body as the contract lays them out) and attrs
introspection of the models' declared fields. A generator upgrade that changes them is this file's work.
"""

from __future__ import annotations

import sys
import types
import typing
from functools import cache
from typing import Any, Protocol

import attrs

from payssam_api_client.types import UNSET, Unset
from payssam_api_client_v2.types import UNSET as UNSET_V2
from payssam_api_client_v2.types import Unset as UnsetV2

__all__ = ["UNSET", "UNSET_V2", "Unset", "UnsetV2", "declared_types", "is_model", "request_layout"]


class _Endpoint(Protocol):
    """A generated endpoint module."""

    def _get_kwargs(self, *, body: Any) -> dict[str, Any]: ...


def request_layout(endpoint: Any, body: Any) -> tuple[str, str, dict[str, Any]]:
    """The request the generated endpoint lays out for body: (method, path, JSON object)."""
    kwargs: dict[str, Any] = endpoint._get_kwargs(body=body)
    return str(kwargs["method"]).upper(), str(kwargs["url"]), kwargs["json"]


def is_model(value: object) -> bool:
    """Whether value is a generated model (an attrs class instance), such as v2's `data` inside an answer."""
    return attrs.has(type(value))


@cache
def declared_types(model: type[Any]) -> dict[str, tuple[type, ...]]:
    """The accepted runtime classes of each declared field of a generated model (attrs fields and their hints).

    A model naming another model imports it only for type checkers: its package, which holds every model,
    resolves those names."""
    package = sys.modules[model.__module__.rpartition(".")[0]]
    hints = typing.get_type_hints(model, localns=vars(package))
    accepted: dict[str, tuple[type, ...]] = {}
    for declared in attrs.fields(model):
        if not declared.init:
            continue
        hint = hints[declared.name]
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        accepted[declared.name] = tuple(o for o in options if isinstance(o, type))
    return accepted
