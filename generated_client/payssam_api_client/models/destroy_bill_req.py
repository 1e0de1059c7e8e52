from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DestroyBillReq")


@_attrs_define
class DestroyBillReq:
    """Destroy body: flat like cancel's, with a two-part hash (no phone field on this request; the v2 sandbox rejects a
    hash that includes the phone) [3P].

        Attributes:
            apikey (str): 파트너 연동을 위한 고유키 (secret) [3P].
            member (str): 파트너 사용자 코드 [3P].
            merchant (str): 파트너 매장 코드 [3P].
            bill_id (str): The unpaid bill to destroy [3P]. Example: 1234567890ABCDEFGHIJ.
            price (str): The bill's price, as sent, exactly as it enters the hash [3P]. Example: 10000.
            hash_ (str): 통신 암호 키. Preimage `{bill_id},{price}`; digest SHA-256, lowercase hex [3P]. Example:
                316c2d9a3df1fb14d7bb619d56b2664f4def3753c3df4747a5f3df02878e3a48.
    """

    apikey: str
    member: str
    merchant: str
    bill_id: str
    price: str
    hash_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apikey = self.apikey

        member = self.member

        merchant = self.merchant

        bill_id = self.bill_id

        price = self.price

        hash_ = self.hash_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apikey": apikey,
                "member": member,
                "merchant": merchant,
                "bill_id": bill_id,
                "price": price,
                "hash": hash_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        apikey = d.pop("apikey")

        member = d.pop("member")

        merchant = d.pop("merchant")

        bill_id = d.pop("bill_id")

        price = d.pop("price")

        hash_ = d.pop("hash")

        destroy_bill_req = cls(
            apikey=apikey,
            member=member,
            merchant=merchant,
            bill_id=bill_id,
            price=price,
            hash_=hash_,
        )

        destroy_bill_req.additional_properties = d
        return destroy_bill_req

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
