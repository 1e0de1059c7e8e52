from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.send_bill_req import SendBillReq
from ...models.sent_bill import SentBill
from ...types import Response


def _get_kwargs(
    *,
    body: SendBillReq,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/if/bill/send",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | SentBill | None:
    if response.status_code == 200:
        response_200 = SentBill.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = cast(Any, None)
        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | SentBill]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SendBillReq,
) -> Response[Any | SentBill]:
    """청구서 발송 (KakaoTalk)

     Create a bill and send it to the customer by KakaoTalk (T profile, v1.2.5) [DOC]. The answer carries
    the bill's short URL [DOC]; once paid, PaySsam POSTs the approval to the bill's callbackURL (see
    callbacks) [DOC].

    Args:
        body (SendBillReq): Send a bill by KakaoTalk (T profile). The docs give a nested body: the
            credentials at the top, the bill under `bill` [DOC].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | SentBill]
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
    body: SendBillReq,
) -> Any | SentBill | None:
    """청구서 발송 (KakaoTalk)

     Create a bill and send it to the customer by KakaoTalk (T profile, v1.2.5) [DOC]. The answer carries
    the bill's short URL [DOC]; once paid, PaySsam POSTs the approval to the bill's callbackURL (see
    callbacks) [DOC].

    Args:
        body (SendBillReq): Send a bill by KakaoTalk (T profile). The docs give a nested body: the
            credentials at the top, the bill under `bill` [DOC].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | SentBill
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SendBillReq,
) -> Response[Any | SentBill]:
    """청구서 발송 (KakaoTalk)

     Create a bill and send it to the customer by KakaoTalk (T profile, v1.2.5) [DOC]. The answer carries
    the bill's short URL [DOC]; once paid, PaySsam POSTs the approval to the bill's callbackURL (see
    callbacks) [DOC].

    Args:
        body (SendBillReq): Send a bill by KakaoTalk (T profile). The docs give a nested body: the
            credentials at the top, the bill under `bill` [DOC].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | SentBill]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SendBillReq,
) -> Any | SentBill | None:
    """청구서 발송 (KakaoTalk)

     Create a bill and send it to the customer by KakaoTalk (T profile, v1.2.5) [DOC]. The answer carries
    the bill's short URL [DOC]; once paid, PaySsam POSTs the approval to the bill's callbackURL (see
    callbacks) [DOC].

    Args:
        body (SendBillReq): Send a bill by KakaoTalk (T profile). The docs give a nested body: the
            credentials at the top, the bill under `bill` [DOC].

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | SentBill
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
