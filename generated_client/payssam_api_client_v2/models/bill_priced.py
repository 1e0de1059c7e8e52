from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BillPriced")


@_attrs_define
class BillPriced:
    """
    Attributes:
        bill_id (str): 청구서 ID, letters and digits, at most 20, unique; dev keys use the business number and 10 more.
            Example: 1234567890ABCDEFGHIJ.
        price (str): 결제 금액 in won, the digit string that enters the hash. Example: 35000.
        hash_ (str): SHA-256, lowercase hex, of `{billId},{phone},{price}` when the request has a phone (send), else
            `{billId},{price}`.
    """

    bill_id: str
    price: str
    hash_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        price = self.price

        hash_ = self.hash_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "billId": bill_id,
                "price": price,
                "hash": hash_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("billId")

        price = d.pop("price")

        hash_ = d.pop("hash")

        bill_priced = cls(
            bill_id=bill_id,
            price=price,
            hash_=hash_,
        )

        bill_priced.additional_properties = d
        return bill_priced

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
