from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillSendData")


@_attrs_define
class BillSendData:
    """What a send answers. ⚠ shortUrl [3P×6] or shortURL [3P×1 D, v1's name]: read both.

    Attributes:
        shortUrl (str | Unset): The bill's short payment URL.
        shortURL (str | Unset): The same under v1's spelling (⚠ a drift one integration handles).
        bill_id (str | Unset): Echo of the bill id.
        api_key (str | Unset): Echo of the apiKey; the SDK drops it.
        member (str | Unset): Echo of member.
        merchant (str | Unset): Echo of merchant.
        hash_ (str | Unset): Echo of the hash.
    """

    shortUrl: str | Unset = UNSET
    shortURL: str | Unset = UNSET
    bill_id: str | Unset = UNSET
    api_key: str | Unset = UNSET
    member: str | Unset = UNSET
    merchant: str | Unset = UNSET
    hash_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        shortUrl = self.shortUrl

        shortURL = self.shortURL

        bill_id = self.bill_id

        api_key = self.api_key

        member = self.member

        merchant = self.merchant

        hash_ = self.hash_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if shortUrl is not UNSET:
            field_dict["shortUrl"] = shortUrl
        if shortURL is not UNSET:
            field_dict["shortURL"] = shortURL
        if bill_id is not UNSET:
            field_dict["billId"] = bill_id
        if api_key is not UNSET:
            field_dict["apiKey"] = api_key
        if member is not UNSET:
            field_dict["member"] = member
        if merchant is not UNSET:
            field_dict["merchant"] = merchant
        if hash_ is not UNSET:
            field_dict["hash"] = hash_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        shortUrl = d.pop("shortUrl", UNSET)

        shortURL = d.pop("shortURL", UNSET)

        bill_id = d.pop("billId", UNSET)

        api_key = d.pop("apiKey", UNSET)

        member = d.pop("member", UNSET)

        merchant = d.pop("merchant", UNSET)

        hash_ = d.pop("hash", UNSET)

        bill_send_data = cls(
            shortUrl=shortUrl,
            shortURL=shortURL,
            bill_id=bill_id,
            api_key=api_key,
            member=member,
            merchant=merchant,
            hash_=hash_,
        )

        bill_send_data.additional_properties = d
        return bill_send_data

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
