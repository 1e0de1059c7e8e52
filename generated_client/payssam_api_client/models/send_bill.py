from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SendBill")


@_attrs_define
class SendBill:
    """The bill to send; required fields as listed by the docs [DOC].

    Attributes:
        bill_id (str): 청구서 ID, letters/digits, at most 20, unique per partner; reuse answers 9800 [DOC]. Dev
            environment: business number (10 digits) + 10 free characters [DOC]. Example: 1234567890ABCDEFGHIJ.
        callback_url (str): Where PaySsam POSTs the approval once the bill is paid [DOC]. [OPEN] Absolute http(s) URL in
            URI characters (RFC 3986), without user info or #fragment; the length cap is ours (the usual URL limit), the
            docs give none. Example: https://partner.example/payssam/approval.
        hash_ (str): 통신 암호 키. Preimage `{bill_id},{phone},{price}`: send carries a phone, so three parts [DOC]; digest
            SHA-256, lowercase hex [3P]. Example: f10c27d16da1e527e34fceb5bd327f75e9fb07099a642ed2c04ec87e433e8055.
        member_nm (str): The customer's name, shown in the KakaoTalk message [DOC]. Personal data. [OPEN] No length is
            documented; only emptiness is refused. Example: 홍길동.
        phone (str): The customer's mobile number, digits only [DOC]; KakaoTalk reaches mobiles, so 01 followed by 8 or
            9 digits [3P]. Personal data. Example: 01012345678.
        price (str): 결제 금액, the exact digit string that enters the hash [DOC]. Example: 10000.
        product_nm (str): What is billed [DOC]. [OPEN] No length is documented; only empty or blank text is refused.
            Example: 11월 수강료.
        bill_issuer (str | Unset): Issuer name shown to the customer, at most 50; defaults to the business name [DOC].
            Example: 페이민트 학원.
        message (str | Unset): Extra text in the KakaoTalk message [DOC]. [OPEN] No length is documented; blank text is
            refused. Example: 11월 수강료 청구서입니다..
        expire_dt (datetime.date | Unset): Last day the bill can be paid, YYYY-MM-DD, valid until that midnight [DOC].
            Example: 2026-12-31.
    """

    bill_id: str
    callback_url: str
    hash_: str
    member_nm: str
    phone: str
    price: str
    product_nm: str
    bill_issuer: str | Unset = UNSET
    message: str | Unset = UNSET
    expire_dt: datetime.date | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        callback_url = self.callback_url

        hash_ = self.hash_

        member_nm = self.member_nm

        phone = self.phone

        price = self.price

        product_nm = self.product_nm

        bill_issuer = self.bill_issuer

        message = self.message

        expire_dt: str | Unset = UNSET
        if not isinstance(self.expire_dt, Unset):
            expire_dt = self.expire_dt.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bill_id": bill_id,
                "callbackURL": callback_url,
                "hash": hash_,
                "member_nm": member_nm,
                "phone": phone,
                "price": price,
                "product_nm": product_nm,
            }
        )
        if bill_issuer is not UNSET:
            field_dict["bill_issuer"] = bill_issuer
        if message is not UNSET:
            field_dict["message"] = message
        if expire_dt is not UNSET:
            field_dict["expire_dt"] = expire_dt

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("bill_id")

        callback_url = d.pop("callbackURL")

        hash_ = d.pop("hash")

        member_nm = d.pop("member_nm")

        phone = d.pop("phone")

        price = d.pop("price")

        product_nm = d.pop("product_nm")

        bill_issuer = d.pop("bill_issuer", UNSET)

        message = d.pop("message", UNSET)

        _expire_dt = d.pop("expire_dt", UNSET)
        expire_dt: datetime.date | Unset
        if isinstance(_expire_dt, Unset):
            expire_dt = UNSET
        else:
            expire_dt = datetime.date.fromisoformat(_expire_dt)

        send_bill = cls(
            bill_id=bill_id,
            callback_url=callback_url,
            hash_=hash_,
            member_nm=member_nm,
            phone=phone,
            price=price,
            product_nm=product_nm,
            bill_issuer=bill_issuer,
            message=message,
            expire_dt=expire_dt,
        )

        send_bill.additional_properties = d
        return send_bill

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
