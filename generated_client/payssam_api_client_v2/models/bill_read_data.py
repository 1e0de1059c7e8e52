from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillReadData")


@_attrs_define
class BillReadData:
    """A bill as a read shows it: v1's appr_* fields camelCased [INF]; industry-specific extras ignored.

    Attributes:
        bill_id (str | Unset): The bill.
        api_key (str | Unset): Echo of the apiKey; the SDK drops it.
        appr_state (str | Unset): F paid, W unpaid, C cancelled, D destroyed (v1's states [DOC]). Example: F.
        appr_dt (str | Unset): YYYYMMDDhhmmss, Korea time. Example: 20261125143000.
        appr_origin_dt (str | Unset): 원거래 승인 일시, YYYYMMDDhhmmss.
        appr_price (int | str | Unset): 승인 금액. ⚠ A reads it defensively as a number too; the SDK coerces it to digits.
            Example: 35000.
        appr_num (str | Unset): 승인번호. Example: 30012345.
        appr_origin_num (str | Unset): 원거래 승인번호.
        appr_pay_type (str | Unset): 결제 수단 (v1's codes [DOC]).
        appr_card_type (str | Unset): 카드 종류.
        appr_issuer (str | Unset): 카드 발급사.
        appr_issuer_cd (str | Unset): 발급사 코드.
        appr_issuer_num (str | Unset): Masked card number.
        appr_acquirer_cd (str | Unset): 매입사 코드.
        appr_acquirer_nm (str | Unset): 매입사 이름.
        appr_res_cd (str | Unset): 승인 응답 코드.
        appr_monthly (str | Unset): 할부 개월 수.
        appr_cash_num (str | Unset): 현금영수증 승인번호.
        appr_cash_trader (str | Unset): 현금영수증 구분 (0 개인, 1 사업자).
        appr_cash_issuance_number (str | Unset): 현금영수증 발급 번호.
    """

    bill_id: str | Unset = UNSET
    api_key: str | Unset = UNSET
    appr_state: str | Unset = UNSET
    appr_dt: str | Unset = UNSET
    appr_origin_dt: str | Unset = UNSET
    appr_price: int | str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_pay_type: str | Unset = UNSET
    appr_card_type: str | Unset = UNSET
    appr_issuer: str | Unset = UNSET
    appr_issuer_cd: str | Unset = UNSET
    appr_issuer_num: str | Unset = UNSET
    appr_acquirer_cd: str | Unset = UNSET
    appr_acquirer_nm: str | Unset = UNSET
    appr_res_cd: str | Unset = UNSET
    appr_monthly: str | Unset = UNSET
    appr_cash_num: str | Unset = UNSET
    appr_cash_trader: str | Unset = UNSET
    appr_cash_issuance_number: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bill_id = self.bill_id

        api_key = self.api_key

        appr_state = self.appr_state

        appr_dt = self.appr_dt

        appr_origin_dt = self.appr_origin_dt

        appr_price: int | str | Unset
        if isinstance(self.appr_price, Unset):
            appr_price = UNSET
        else:
            appr_price = self.appr_price

        appr_num = self.appr_num

        appr_origin_num = self.appr_origin_num

        appr_pay_type = self.appr_pay_type

        appr_card_type = self.appr_card_type

        appr_issuer = self.appr_issuer

        appr_issuer_cd = self.appr_issuer_cd

        appr_issuer_num = self.appr_issuer_num

        appr_acquirer_cd = self.appr_acquirer_cd

        appr_acquirer_nm = self.appr_acquirer_nm

        appr_res_cd = self.appr_res_cd

        appr_monthly = self.appr_monthly

        appr_cash_num = self.appr_cash_num

        appr_cash_trader = self.appr_cash_trader

        appr_cash_issuance_number = self.appr_cash_issuance_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if bill_id is not UNSET:
            field_dict["billId"] = bill_id
        if api_key is not UNSET:
            field_dict["apiKey"] = api_key
        if appr_state is not UNSET:
            field_dict["apprState"] = appr_state
        if appr_dt is not UNSET:
            field_dict["apprDt"] = appr_dt
        if appr_origin_dt is not UNSET:
            field_dict["apprOriginDt"] = appr_origin_dt
        if appr_price is not UNSET:
            field_dict["apprPrice"] = appr_price
        if appr_num is not UNSET:
            field_dict["apprNum"] = appr_num
        if appr_origin_num is not UNSET:
            field_dict["apprOriginNum"] = appr_origin_num
        if appr_pay_type is not UNSET:
            field_dict["apprPayType"] = appr_pay_type
        if appr_card_type is not UNSET:
            field_dict["apprCardType"] = appr_card_type
        if appr_issuer is not UNSET:
            field_dict["apprIssuer"] = appr_issuer
        if appr_issuer_cd is not UNSET:
            field_dict["apprIssuerCd"] = appr_issuer_cd
        if appr_issuer_num is not UNSET:
            field_dict["apprIssuerNum"] = appr_issuer_num
        if appr_acquirer_cd is not UNSET:
            field_dict["apprAcquirerCd"] = appr_acquirer_cd
        if appr_acquirer_nm is not UNSET:
            field_dict["apprAcquirerNm"] = appr_acquirer_nm
        if appr_res_cd is not UNSET:
            field_dict["apprResCd"] = appr_res_cd
        if appr_monthly is not UNSET:
            field_dict["apprMonthly"] = appr_monthly
        if appr_cash_num is not UNSET:
            field_dict["apprCashNum"] = appr_cash_num
        if appr_cash_trader is not UNSET:
            field_dict["apprCashTrader"] = appr_cash_trader
        if appr_cash_issuance_number is not UNSET:
            field_dict["apprCashIssuanceNumber"] = appr_cash_issuance_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bill_id = d.pop("billId", UNSET)

        api_key = d.pop("apiKey", UNSET)

        appr_state = d.pop("apprState", UNSET)

        appr_dt = d.pop("apprDt", UNSET)

        appr_origin_dt = d.pop("apprOriginDt", UNSET)

        def _parse_appr_price(data: object) -> int | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(int | str | Unset, data)

        appr_price = _parse_appr_price(d.pop("apprPrice", UNSET))

        appr_num = d.pop("apprNum", UNSET)

        appr_origin_num = d.pop("apprOriginNum", UNSET)

        appr_pay_type = d.pop("apprPayType", UNSET)

        appr_card_type = d.pop("apprCardType", UNSET)

        appr_issuer = d.pop("apprIssuer", UNSET)

        appr_issuer_cd = d.pop("apprIssuerCd", UNSET)

        appr_issuer_num = d.pop("apprIssuerNum", UNSET)

        appr_acquirer_cd = d.pop("apprAcquirerCd", UNSET)

        appr_acquirer_nm = d.pop("apprAcquirerNm", UNSET)

        appr_res_cd = d.pop("apprResCd", UNSET)

        appr_monthly = d.pop("apprMonthly", UNSET)

        appr_cash_num = d.pop("apprCashNum", UNSET)

        appr_cash_trader = d.pop("apprCashTrader", UNSET)

        appr_cash_issuance_number = d.pop("apprCashIssuanceNumber", UNSET)

        bill_read_data = cls(
            bill_id=bill_id,
            api_key=api_key,
            appr_state=appr_state,
            appr_dt=appr_dt,
            appr_origin_dt=appr_origin_dt,
            appr_price=appr_price,
            appr_num=appr_num,
            appr_origin_num=appr_origin_num,
            appr_pay_type=appr_pay_type,
            appr_card_type=appr_card_type,
            appr_issuer=appr_issuer,
            appr_issuer_cd=appr_issuer_cd,
            appr_issuer_num=appr_issuer_num,
            appr_acquirer_cd=appr_acquirer_cd,
            appr_acquirer_nm=appr_acquirer_nm,
            appr_res_cd=appr_res_cd,
            appr_monthly=appr_monthly,
            appr_cash_num=appr_cash_num,
            appr_cash_trader=appr_cash_trader,
            appr_cash_issuance_number=appr_cash_issuance_number,
        )

        bill_read_data.additional_properties = d
        return bill_read_data

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
