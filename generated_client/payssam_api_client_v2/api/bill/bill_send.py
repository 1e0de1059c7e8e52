from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bill_send_answer import BillSendAnswer
from ...models.bill_send_request import BillSendRequest
from ...types import Response


def _get_kwargs(
    *,
    body: BillSendRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/bill",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | BillSendAnswer | None:
    if response.status_code == 200:
        response_200 = BillSendAnswer.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | BillSendAnswer]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BillSendRequest,
) -> Response[Any | BillSendAnswer]:
    """청구서 발송 (send a bill)

     Create a bill; TALK sends it by KakaoTalk, URL only answers its link [DOC]. A TALK send costs points
    (55P [3P×1 A; vendor blog]); whether a URL send does is open [OPEN: F says no].

    Args:
        body (BillSendRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BillSendAnswer]
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
    body: BillSendRequest,
) -> Any | BillSendAnswer | None:
    """청구서 발송 (send a bill)

     Create a bill; TALK sends it by KakaoTalk, URL only answers its link [DOC]. A TALK send costs points
    (55P [3P×1 A; vendor blog]); whether a URL send does is open [OPEN: F says no].

    Args:
        body (BillSendRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BillSendAnswer
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: BillSendRequest,
) -> Response[Any | BillSendAnswer]:
    """청구서 발송 (send a bill)

     Create a bill; TALK sends it by KakaoTalk, URL only answers its link [DOC]. A TALK send costs points
    (55P [3P×1 A; vendor blog]); whether a URL send does is open [OPEN: F says no].

    Args:
        body (BillSendRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | BillSendAnswer]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: BillSendRequest,
) -> Any | BillSendAnswer | None:
    """청구서 발송 (send a bill)

     Create a bill; TALK sends it by KakaoTalk, URL only answers its link [DOC]. A TALK send costs points
    (55P [3P×1 A; vendor blog]); whether a URL send does is open [OPEN: F says no].

    Args:
        body (BillSendRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | BillSendAnswer
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
