from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BillReq")


@_attrs_define
class BillReq:
    """
    Attributes:
        apikey (str): 파트너 연동을 위한 고유키
        merchant (str): 파트너 매장 코드
        member (str): 파트너 사용자 코드
        bill_id (str): 청구서 ID
            문자/숫자 20자리 (중복불가)
             -개발: 사업자번호 + 10자리 자유롭게 사용
             -운영: 20자리 자유롭게 사용 Example: 1234567890ABCDEFGHIJ.
    """

    apikey: str
    merchant: str
    member: str
    bill_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apikey = self.apikey

        merchant = self.merchant

        member = self.member

        bill_id = self.bill_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apikey": apikey,
                "merchant": merchant,
                "member": member,
                "bill_id": bill_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        apikey = d.pop("apikey")

        merchant = d.pop("merchant")

        member = d.pop("member")

        bill_id = d.pop("bill_id")

        bill_req = cls(
            apikey=apikey,
            merchant=merchant,
            member=member,
            bill_id=bill_id,
        )

        bill_req.additional_properties = d
        return bill_req

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
