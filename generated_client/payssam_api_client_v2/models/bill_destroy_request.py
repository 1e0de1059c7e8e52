from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.bill_priced import BillPriced


T = TypeVar("T", bound="BillDestroyRequest")


@_attrs_define
class BillDestroyRequest:
    """
    Attributes:
        api_key (str): 파트너 연동 키, a secret [DOC].
        member (str): 파트너 사용자 코드; 60 since 2.0.1 [DOC].
        merchant (str): 파트너 매장 코드; 60 since 2.0.1 [DOC].
        bill (BillPriced):
    """

    api_key: str
    member: str
    merchant: str
    bill: BillPriced
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        member = self.member

        merchant = self.merchant

        bill = self.bill.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apiKey": api_key,
                "member": member,
                "merchant": merchant,
                "bill": bill,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.bill_priced import BillPriced

        d = dict(src_dict)
        api_key = d.pop("apiKey")

        member = d.pop("member")

        merchant = d.pop("merchant")

        bill = BillPriced.from_dict(d.pop("bill"))

        bill_destroy_request = cls(
            api_key=api_key,
            member=member,
            merchant=merchant,
            bill=bill,
        )

        bill_destroy_request.additional_properties = d
        return bill_destroy_request

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
