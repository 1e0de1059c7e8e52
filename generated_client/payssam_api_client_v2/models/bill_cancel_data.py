from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillCancelData")


@_attrs_define
class BillCancelData:
    """
    Attributes:
        bill_id (str | Unset): Echo of the bill id.
        api_key (str | Unset): Echo of the apiKey; the SDK drops it.
        appr_num (str | Unset): The cancel's own approval number.
        appr_origin_num (str | Unset): The original approval number.
        appr_cancel_dt (str | Unset): YYYYMMDDhhmmss, Korea time. Example: 20261125143000.
    """

    bill_id: str | Unset = UNSET
    api_key: str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_cancel_dt: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        api_key = self.api_key

        appr_num = self.appr_num

        appr_origin_num = self.appr_origin_num

        appr_cancel_dt = self.appr_cancel_dt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if bill_id is not UNSET:
            field_dict["billId"] = bill_id
        if api_key is not UNSET:
            field_dict["apiKey"] = api_key
        if appr_num is not UNSET:
            field_dict["apprNum"] = appr_num
        if appr_origin_num is not UNSET:
            field_dict["apprOriginNum"] = appr_origin_num
        if appr_cancel_dt is not UNSET:
            field_dict["apprCancelDt"] = appr_cancel_dt

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("billId", UNSET)

        api_key = d.pop("apiKey", UNSET)

        appr_num = d.pop("apprNum", UNSET)

        appr_origin_num = d.pop("apprOriginNum", UNSET)

        appr_cancel_dt = d.pop("apprCancelDt", UNSET)

        bill_cancel_data = cls(
            bill_id=bill_id,
            api_key=api_key,
            appr_num=appr_num,
            appr_origin_num=appr_origin_num,
            appr_cancel_dt=appr_cancel_dt,
        )

        bill_cancel_data.additional_properties = d
        return bill_cancel_data

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
