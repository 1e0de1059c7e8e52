from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalCallback")


@_attrs_define
class ApprovalCallback:
    """What PaySsam POSTs to the bill's callbackURL after a successful payment (승인 동기화) [DOC]. No signature: the apikey is
    the partner's own; confirm by reading the bill back.

        Attributes:
            apikey (str): The partner's own apikey [DOC]; compare in constant time.
            bill_id (str): The paid bill [DOC]. Example: 1234567890ABCDEFGHIJ.
            appr_state (str | Unset): 결제 상태; F for an approval [DOC]. Example: F.
            appr_pay_type (str | Unset): 결제 수단 [DOC]. Example: CARD_VAN.
            appr_dt (str | Unset): 승인 일시, YYYYMMDDHHMMSS Korea time [DOC]. Example: 20261125143000.
            appr_origin_dt (str | Unset): 원거래 승인 일시, YYYYMMDDHHMMSS Korea time [DOC]. Example: 20261125143000.
            appr_price (str | Unset): 승인 금액, digits [DOC]. Example: 10000.
            appr_num (str | Unset): 승인번호 [DOC]. Example: 30012345.
            appr_origin_num (str | Unset): 원거래 승인번호 [DOC]. Example: 30012345.
            appr_issuer (str | Unset): 카드 발급사 [DOC]. Example: 신한카드.
            appr_issuer_cd (str | Unset): 발급사 코드 [DOC]. Example: 04.
            appr_issuer_num (str | Unset): Masked card number [DOC]. Example: 4518-42**-****-1234.
            appr_acquirer_cd (str | Unset): 매입사 코드 [DOC]. Example: 04.
            appr_acquirer_nm (str | Unset): 매입사 이름 [DOC]. Example: 신한카드.
            appr_res_cd (str | Unset): 승인 응답 코드 [DOC]. Example: 0000.
            appr_card_type (str | Unset): 카드 종류 [DOC]. Example: 신용.
            appr_monthly (str | Unset): 할부개월수 [3P]. Example: 00.
            appr_cat_id (str | Unset): 단말기 ID [3P]. Example: 1234567890.
            appr_cash_num (str | Unset): 현금영수증 승인번호 [3P].
            appr_cash_trader (str | Unset): 현금영수증 거래자 구분, 0 individual, 1 business [3P].
            appr_cash_issuance_number (str | Unset): 현금영수증 발행 번호 [3P].
    """

    apikey: str
    bill_id: str
    appr_state: str | Unset = UNSET
    appr_pay_type: str | Unset = UNSET
    appr_dt: str | Unset = UNSET
    appr_origin_dt: str | Unset = UNSET
    appr_price: str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_issuer: str | Unset = UNSET
    appr_issuer_cd: str | Unset = UNSET
    appr_issuer_num: str | Unset = UNSET
    appr_acquirer_cd: str | Unset = UNSET
    appr_acquirer_nm: str | Unset = UNSET
    appr_res_cd: str | Unset = UNSET
    appr_card_type: str | Unset = UNSET
    appr_monthly: str | Unset = UNSET
    appr_cat_id: str | Unset = UNSET
    appr_cash_num: str | Unset = UNSET
    appr_cash_trader: str | Unset = UNSET
    appr_cash_issuance_number: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apikey = self.apikey

        bill_id = self.bill_id

        appr_state = self.appr_state

        appr_pay_type = self.appr_pay_type

        appr_dt = self.appr_dt

        appr_origin_dt = self.appr_origin_dt

        appr_price = self.appr_price

        appr_num = self.appr_num

        appr_origin_num = self.appr_origin_num

        appr_issuer = self.appr_issuer

        appr_issuer_cd = self.appr_issuer_cd

        appr_issuer_num = self.appr_issuer_num

        appr_acquirer_cd = self.appr_acquirer_cd

        appr_acquirer_nm = self.appr_acquirer_nm

        appr_res_cd = self.appr_res_cd

        appr_card_type = self.appr_card_type

        appr_monthly = self.appr_monthly

        appr_cat_id = self.appr_cat_id

        appr_cash_num = self.appr_cash_num

        appr_cash_trader = self.appr_cash_trader

        appr_cash_issuance_number = self.appr_cash_issuance_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apikey": apikey,
                "bill_id": bill_id,
            }
        )
        if appr_state is not UNSET:
            field_dict["appr_state"] = appr_state
        if appr_pay_type is not UNSET:
            field_dict["appr_pay_type"] = appr_pay_type
        if appr_dt is not UNSET:
            field_dict["appr_dt"] = appr_dt
        if appr_origin_dt is not UNSET:
            field_dict["appr_origin_dt"] = appr_origin_dt
        if appr_price is not UNSET:
            field_dict["appr_price"] = appr_price
        if appr_num is not UNSET:
            field_dict["appr_num"] = appr_num
        if appr_origin_num is not UNSET:
            field_dict["appr_origin_num"] = appr_origin_num
        if appr_issuer is not UNSET:
            field_dict["appr_issuer"] = appr_issuer
        if appr_issuer_cd is not UNSET:
            field_dict["appr_issuer_cd"] = appr_issuer_cd
        if appr_issuer_num is not UNSET:
            field_dict["appr_issuer_num"] = appr_issuer_num
        if appr_acquirer_cd is not UNSET:
            field_dict["appr_acquirer_cd"] = appr_acquirer_cd
        if appr_acquirer_nm is not UNSET:
            field_dict["appr_acquirer_nm"] = appr_acquirer_nm
        if appr_res_cd is not UNSET:
            field_dict["appr_res_cd"] = appr_res_cd
        if appr_card_type is not UNSET:
            field_dict["appr_card_type"] = appr_card_type
        if appr_monthly is not UNSET:
            field_dict["appr_monthly"] = appr_monthly
        if appr_cat_id is not UNSET:
            field_dict["appr_cat_id"] = appr_cat_id
        if appr_cash_num is not UNSET:
            field_dict["appr_cash_num"] = appr_cash_num
        if appr_cash_trader is not UNSET:
            field_dict["appr_cash_trader"] = appr_cash_trader
        if appr_cash_issuance_number is not UNSET:
            field_dict["appr_cash_issuance_number"] = appr_cash_issuance_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        apikey = d.pop("apikey")

        bill_id = d.pop("bill_id")

        appr_state = d.pop("appr_state", UNSET)

        appr_pay_type = d.pop("appr_pay_type", UNSET)

        appr_dt = d.pop("appr_dt", UNSET)

        appr_origin_dt = d.pop("appr_origin_dt", UNSET)

        appr_price = d.pop("appr_price", UNSET)

        appr_num = d.pop("appr_num", UNSET)

        appr_origin_num = d.pop("appr_origin_num", UNSET)

        appr_issuer = d.pop("appr_issuer", UNSET)

        appr_issuer_cd = d.pop("appr_issuer_cd", UNSET)

        appr_issuer_num = d.pop("appr_issuer_num", UNSET)

        appr_acquirer_cd = d.pop("appr_acquirer_cd", UNSET)

        appr_acquirer_nm = d.pop("appr_acquirer_nm", UNSET)

        appr_res_cd = d.pop("appr_res_cd", UNSET)

        appr_card_type = d.pop("appr_card_type", UNSET)

        appr_monthly = d.pop("appr_monthly", UNSET)

        appr_cat_id = d.pop("appr_cat_id", UNSET)

        appr_cash_num = d.pop("appr_cash_num", UNSET)

        appr_cash_trader = d.pop("appr_cash_trader", UNSET)

        appr_cash_issuance_number = d.pop("appr_cash_issuance_number", UNSET)

        approval_callback = cls(
            apikey=apikey,
            bill_id=bill_id,
            appr_state=appr_state,
            appr_pay_type=appr_pay_type,
            appr_dt=appr_dt,
            appr_origin_dt=appr_origin_dt,
            appr_price=appr_price,
            appr_num=appr_num,
            appr_origin_num=appr_origin_num,
            appr_issuer=appr_issuer,
            appr_issuer_cd=appr_issuer_cd,
            appr_issuer_num=appr_issuer_num,
            appr_acquirer_cd=appr_acquirer_cd,
            appr_acquirer_nm=appr_acquirer_nm,
            appr_res_cd=appr_res_cd,
            appr_card_type=appr_card_type,
            appr_monthly=appr_monthly,
            appr_cat_id=appr_cat_id,
            appr_cash_num=appr_cash_num,
            appr_cash_trader=appr_cash_trader,
            appr_cash_issuance_number=appr_cash_issuance_number,
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
