from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalCallback")


@_attrs_define
class ApprovalCallback:
    """The approval PaySsam POSTs (camelCase; ⚠ some integrations see v1's snake_case instead, accepted too). No signature:
    compare the apiKey in constant time, then read the bill back [3P A,D].

        Attributes:
            bill_id (str): 청구서 ID, letters and digits, at most 20, unique; dev keys use the business number and 10 more.
                Example: 1234567890ABCDEFGHIJ.
            api_key (str | Unset): The partner's own key (⚠ "V1은 apikey, V2는 apiKey", D).
            apikey (str | Unset): The same under v1's spelling (⚠ D, E).
            appr_state (str | Unset): F for an approval (A says only F arrives; a C is rejected, D reads it as paid against
                [DOC]).
            appr_price (int | str | Unset): 승인 금액 (⚠ numeric in A's defensive reading; coerced to digits).
            appr_num (str | Unset): 승인번호.
            appr_issuer (str | Unset): 카드 발급사.
            appr_dt (str | Unset): YYYYMMDDhhmmss, Korea time. Example: 20261125143000.
            appr_pay_type (str | Unset): 결제 수단.
            appr_card_type (str | Unset): 카드 종류.
            appr_origin_dt (str | Unset): 원거래 승인 일시.
            appr_origin_num (str | Unset): 원거래 승인번호.
            appr_monthly (str | Unset): 할부 개월 수.
    """

    bill_id: str
    api_key: str | Unset = UNSET
    apikey: str | Unset = UNSET
    appr_state: str | Unset = UNSET
    appr_price: int | str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_issuer: str | Unset = UNSET
    appr_dt: str | Unset = UNSET
    appr_pay_type: str | Unset = UNSET
    appr_card_type: str | Unset = UNSET
    appr_origin_dt: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_monthly: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        api_key = self.api_key

        apikey = self.apikey

        appr_state = self.appr_state

        appr_price: int | str | Unset
        if isinstance(self.appr_price, Unset):
            appr_price = UNSET
        else:
            appr_price = self.appr_price

        appr_num = self.appr_num

        appr_issuer = self.appr_issuer

        appr_dt = self.appr_dt

        appr_pay_type = self.appr_pay_type

        appr_card_type = self.appr_card_type

        appr_origin_dt = self.appr_origin_dt

        appr_origin_num = self.appr_origin_num

        appr_monthly = self.appr_monthly

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "billId": bill_id,
            }
        )
        if api_key is not UNSET:
            field_dict["apiKey"] = api_key
        if apikey is not UNSET:
            field_dict["apikey"] = apikey
        if appr_state is not UNSET:
            field_dict["apprState"] = appr_state
        if appr_price is not UNSET:
            field_dict["apprPrice"] = appr_price
        if appr_num is not UNSET:
            field_dict["apprNum"] = appr_num
        if appr_issuer is not UNSET:
            field_dict["apprIssuer"] = appr_issuer
        if appr_dt is not UNSET:
            field_dict["apprDt"] = appr_dt
        if appr_pay_type is not UNSET:
            field_dict["apprPayType"] = appr_pay_type
        if appr_card_type is not UNSET:
            field_dict["apprCardType"] = appr_card_type
        if appr_origin_dt is not UNSET:
            field_dict["apprOriginDt"] = appr_origin_dt
        if appr_origin_num is not UNSET:
            field_dict["apprOriginNum"] = appr_origin_num
        if appr_monthly is not UNSET:
            field_dict["apprMonthly"] = appr_monthly

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("billId")

        api_key = d.pop("apiKey", UNSET)

        apikey = d.pop("apikey", UNSET)

        appr_state = d.pop("apprState", UNSET)

        def _parse_appr_price(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        appr_price = _parse_appr_price(d.pop("apprPrice", UNSET))

        appr_num = d.pop("apprNum", UNSET)

        appr_issuer = d.pop("apprIssuer", UNSET)

        appr_dt = d.pop("apprDt", UNSET)

        appr_pay_type = d.pop("apprPayType", UNSET)

        appr_card_type = d.pop("apprCardType", UNSET)

        appr_origin_dt = d.pop("apprOriginDt", UNSET)

        appr_origin_num = d.pop("apprOriginNum", UNSET)

        appr_monthly = d.pop("apprMonthly", UNSET)

        approval_callback = cls(
            bill_id=bill_id,
            api_key=api_key,
            apikey=apikey,
            appr_state=appr_state,
            appr_price=appr_price,
            appr_num=appr_num,
            appr_issuer=appr_issuer,
            appr_dt=appr_dt,
            appr_pay_type=appr_pay_type,
            appr_card_type=appr_card_type,
            appr_origin_dt=appr_origin_dt,
            appr_origin_num=appr_origin_num,
            appr_monthly=appr_monthly,
        )

        approval_callback.additional_properties = d
        return approval_callback

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
