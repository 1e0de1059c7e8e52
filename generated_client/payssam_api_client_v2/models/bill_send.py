from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.bill_send_send_type import BillSendSendType
from ..types import UNSET, Unset

T = TypeVar("T", bound="BillSend")


@_attrs_define
class BillSend:
    """The bill to make. The schema is cut after merchant [DOC]; the rest agrees across integrations.

    Attributes:
        bill_id (str): 청구서 ID, letters and digits, at most 20, unique; dev keys use the business number and 10 more.
            Example: 1234567890ABCDEFGHIJ.
        send_type (BillSendSendType): TALK = PaySsam sends the bill by KakaoTalk; URL = only the link is answered.
        product_name (str): What is billed. Its length is open. Example: 12월 수강료.
        price (str): 결제 금액 in won, the digit string that enters the hash. Example: 35000.
        member_name (str): The customer's name (personal data). Example: 홍길동.
        hash_ (str): SHA-256, lowercase hex, of `{billId},{phone},{price}` when the request has a phone (send), else
            `{billId},{price}`.
        callback_url (str): Where PaySsam POSTs the approval. Example: https://partner.example/payssam/approval.
        bill_issuer (str | Unset): Issuer name shown to the customer; defaults to the business name.
        phone (str | Unset): The customer's mobile number, digits only (hyphens refused: A measured). Needed for TALK;
            whether URL sends need one is open. Example: 01012345678.
        message (str | Unset): Text added to the message.
        expire_dt (str | Unset): The last day to pay, YYYY-MM-DD, valid until that midnight in Korea. Example:
            2026-12-31.
        page_redirect_url (str | Unset): Where the payer lands after paying.
    """

    bill_id: str
    send_type: BillSendSendType
    product_name: str
    price: str
    member_name: str
    hash_: str
    callback_url: str
    bill_issuer: str | Unset = UNSET
    phone: str | Unset = UNSET
    message: str | Unset = UNSET
    expire_dt: str | Unset = UNSET
    page_redirect_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        send_type = self.send_type.value

        product_name = self.product_name

        price = self.price

        member_name = self.member_name

        hash_ = self.hash_

        callback_url = self.callback_url

        bill_issuer = self.bill_issuer

        phone = self.phone

        message = self.message

        expire_dt = self.expire_dt

        page_redirect_url = self.page_redirect_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "billId": bill_id,
                "sendType": send_type,
                "productName": product_name,
                "price": price,
                "memberName": member_name,
                "hash": hash_,
                "callbackUrl": callback_url,
            }
        )
        if bill_issuer is not UNSET:
            field_dict["billIssuer"] = bill_issuer
        if phone is not UNSET:
            field_dict["phone"] = phone
        if message is not UNSET:
            field_dict["message"] = message
        if expire_dt is not UNSET:
            field_dict["expireDt"] = expire_dt
        if page_redirect_url is not UNSET:
            field_dict["pageRedirectUrl"] = page_redirect_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("billId")

        send_type = BillSendSendType(d.pop("sendType"))

        product_name = d.pop("productName")

        price = d.pop("price")

        member_name = d.pop("memberName")

        hash_ = d.pop("hash")

        callback_url = d.pop("callbackUrl")

        bill_issuer = d.pop("billIssuer", UNSET)

        phone = d.pop("phone", UNSET)

        message = d.pop("message", UNSET)

        expire_dt = d.pop("expireDt", UNSET)

        page_redirect_url = d.pop("pageRedirectUrl", UNSET)

        bill_send = cls(
            bill_id=bill_id,
            send_type=send_type,
            product_name=product_name,
            price=price,
            member_name=member_name,
            hash_=hash_,
            callback_url=callback_url,
            bill_issuer=bill_issuer,
            phone=phone,
            message=message,
            expire_dt=expire_dt,
            page_redirect_url=page_redirect_url,
        )

        bill_send.additional_properties = d
        return bill_send

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
