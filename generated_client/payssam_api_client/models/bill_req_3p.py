from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BillReq3P")


@_attrs_define
class BillReq3P:
    """Resend body: the credentials and the bill id, flat as on read [3P]. Separate from BillReq so a change to read's
    vendor schema cannot silently change resend.

        Attributes:
            apikey (str): 파트너 연동을 위한 고유키 (secret) [3P].
            member (str): 파트너 사용자 코드 [3P].
            merchant (str): 파트너 매장 코드 [3P].
            bill_id (str): The bill to act on [3P], same rule as everywhere [DOC]. Example: 1234567890ABCDEFGHIJ.
    """

    apikey: str
    member: str
    merchant: str
    bill_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apikey = self.apikey

        member = self.member

        merchant = self.merchant

        bill_id = self.bill_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apikey": apikey,
                "member": member,
                "merchant": merchant,
                "bill_id": bill_id,
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

        bill_req_3p = cls(
            apikey=apikey,
            member=member,
            merchant=merchant,
            bill_id=bill_id,
        )

        bill_req_3p.additional_properties = d
        return bill_req_3p

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
