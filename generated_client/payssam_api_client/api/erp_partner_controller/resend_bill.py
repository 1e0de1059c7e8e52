from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bill_req_3p import BillReq3P
from ...models.bill_result import BillResult
from ...types import Response


def _get_kwargs(
    *,
    body: BillReq3P,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/if/bill/resend",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | BillResult | None:
    if response.status_code == 200:
        response_200 = BillResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | BillResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BillReq3P,
) -> Response[Any | BillResult]:
    """청구서 재발송

     Send an unpaid bill's KakaoTalk message again [3P].

    Args:
        body (BillReq3P): Resend body: the credentials and the bill id, flat as on read [3P].
            Separate from BillReq so a change to read's vendor schema cannot silently change resend.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BillResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: BillReq3P,
) -> Any | BillResult | None:
    """청구서 재발송

     Send an unpaid bill's KakaoTalk message again [3P].

    Args:
        body (BillReq3P): Resend body: the credentials and the bill id, flat as on read [3P].
            Separate from BillReq so a change to read's vendor schema cannot silently change resend.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BillResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BillReq3P,
) -> Response[Any | BillResult]:
    """청구서 재발송

     Send an unpaid bill's KakaoTalk message again [3P].

    Args:
        body (BillReq3P): Resend body: the credentials and the bill id, flat as on read [3P].
            Separate from BillReq so a change to read's vendor schema cannot silently change resend.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BillResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: BillReq3P,
) -> Any | BillResult | None:
    """청구서 재발송

     Send an unpaid bill's KakaoTalk message again [3P].

    Args:
        body (BillReq3P): Resend body: the credentials and the bill id, flat as on read [3P].
            Separate from BillReq so a change to read's vendor schema cannot silently change resend.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BillResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
