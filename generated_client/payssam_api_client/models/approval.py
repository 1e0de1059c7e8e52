from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Approval")


@_attrs_define
class Approval:
    """
    Attributes:
        code (str): 응답 코드. "0000" success; otherwise one of the v1 error codes. Example: 0000.
        apikey (str | Unset): 파트너 연동을 위한 고유키
        bill_id (str | Unset): 청구서 ID
            문자/숫자 20자리 (중복불가)
             -개발: 사업자번호 + 10자리 자유롭게 사용
             -운영: 20자리 자유롭게 사용
        appr_cat_id (str | Unset): 단말기번호
        appr_pay_type (str | Unset): 결제수단코드 Example: CARD_VAN.
        appr_card_type (str | Unset): 결제 카드 종류 (신용, 체크, ...)
        appr_dt (str | Unset): 승인일시 Example: 20261125143000.
        appr_origin_dt (str | Unset): 원거래 승인일시 Example: 20261125143000.
        appr_price (str | Unset): 승인금액 Example: 10000.
        appr_issuer (str | Unset): 결제은행 / 카드명
        appr_issuer_cd (str | Unset): 발행카드코드/은행코드
        appr_issuer_num (str | Unset): 결제카드 / 계좌번호
        appr_acquirer_cd (str | Unset): 매입사코드
        appr_acquirer_nm (str | Unset): 매입사명
        appr_num (str | Unset): 승인번호 (approval number) Example: 30012345.
        appr_origin_num (str | Unset): 원거래승인번호
        appr_res_cd (str | Unset): 응답코드
        appr_monthly (str | Unset): 결제시 할부개월수 Example: 00.
        appr_state (str | Unset): 결제 상태
            F:결제완료, W:미결제, C:취소, D:파기 Example: F.
        appr_cash_num (str | Unset): 현금영수증 발급 승인번호
        appr_cash_trader (str | Unset): 현금영수증 발급 구분
            개인:0, 사업자:1 Example: 0.
        appr_cash_issuance_number (str | Unset): 현금영수증 발급 요청 번호
             -현금영수증 발급 시 사용

             -자진발급시 "0100001234"
        msg (str | Unset): 응답 메세지 (name used by public integrations [3P]).
        message (str | Unset): 응답 메세지 (name used in the docs' envelope example [DOC]).
    """

    code: str
    apikey: str | Unset = UNSET
    bill_id: str | Unset = UNSET
    appr_cat_id: str | Unset = UNSET
    appr_pay_type: str | Unset = UNSET
    appr_card_type: str | Unset = UNSET
    appr_dt: str | Unset = UNSET
    appr_origin_dt: str | Unset = UNSET
    appr_price: str | Unset = UNSET
    appr_issuer: str | Unset = UNSET
    appr_issuer_cd: str | Unset = UNSET
    appr_issuer_num: str | Unset = UNSET
    appr_acquirer_cd: str | Unset = UNSET
    appr_acquirer_nm: str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_res_cd: str | Unset = UNSET
    appr_monthly: str | Unset = UNSET
    appr_state: str | Unset = UNSET
    appr_cash_num: str | Unset = UNSET
    appr_cash_trader: str | Unset = UNSET
    appr_cash_issuance_number: str | Unset = UNSET
    msg: str | Unset = UNSET
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        apikey = self.apikey

        bill_id = self.bill_id

        appr_cat_id = self.appr_cat_id

        appr_pay_type = self.appr_pay_type

        appr_card_type = self.appr_card_type

        appr_dt = self.appr_dt

        appr_origin_dt = self.appr_origin_dt

        appr_price = self.appr_price

        appr_issuer = self.appr_issuer

        appr_issuer_cd = self.appr_issuer_cd

        appr_issuer_num = self.appr_issuer_num

        appr_acquirer_cd = self.appr_acquirer_cd

        appr_acquirer_nm = self.appr_acquirer_nm

        appr_num = self.appr_num

        appr_origin_num = self.appr_origin_num

        appr_res_cd = self.appr_res_cd

        appr_monthly = self.appr_monthly

        appr_state = self.appr_state

        appr_cash_num = self.appr_cash_num

        appr_cash_trader = self.appr_cash_trader

        appr_cash_issuance_number = self.appr_cash_issuance_number

        msg = self.msg

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
            }
        )
        if apikey is not UNSET:
            field_dict["apikey"] = apikey
        if bill_id is not UNSET:
            field_dict["bill_id"] = bill_id
        if appr_cat_id is not UNSET:
            field_dict["appr_cat_id"] = appr_cat_id
        if appr_pay_type is not UNSET:
            field_dict["appr_pay_type"] = appr_pay_type
        if appr_card_type is not UNSET:
            field_dict["appr_card_type"] = appr_card_type
        if appr_dt is not UNSET:
            field_dict["appr_dt"] = appr_dt
        if appr_origin_dt is not UNSET:
            field_dict["appr_origin_dt"] = appr_origin_dt
        if appr_price is not UNSET:
            field_dict["appr_price"] = appr_price
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
        if appr_num is not UNSET:
            field_dict["appr_num"] = appr_num
        if appr_origin_num is not UNSET:
            field_dict["appr_origin_num"] = appr_origin_num
        if appr_res_cd is not UNSET:
            field_dict["appr_res_cd"] = appr_res_cd
        if appr_monthly is not UNSET:
            field_dict["appr_monthly"] = appr_monthly
        if appr_state is not UNSET:
            field_dict["appr_state"] = appr_state
        if appr_cash_num is not UNSET:
            field_dict["appr_cash_num"] = appr_cash_num
        if appr_cash_trader is not UNSET:
            field_dict["appr_cash_trader"] = appr_cash_trader
        if appr_cash_issuance_number is not UNSET:
            field_dict["appr_cash_issuance_number"] = appr_cash_issuance_number
        if msg is not UNSET:
            field_dict["msg"] = msg
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        apikey = d.pop("apikey", UNSET)

        bill_id = d.pop("bill_id", UNSET)

        appr_cat_id = d.pop("appr_cat_id", UNSET)

        appr_pay_type = d.pop("appr_pay_type", UNSET)

        appr_card_type = d.pop("appr_card_type", UNSET)

        appr_dt = d.pop("appr_dt", UNSET)

        appr_origin_dt = d.pop("appr_origin_dt", UNSET)

        appr_price = d.pop("appr_price", UNSET)

        appr_issuer = d.pop("appr_issuer", UNSET)

        appr_issuer_cd = d.pop("appr_issuer_cd", UNSET)

        appr_issuer_num = d.pop("appr_issuer_num", UNSET)

        appr_acquirer_cd = d.pop("appr_acquirer_cd", UNSET)

        appr_acquirer_nm = d.pop("appr_acquirer_nm", UNSET)

        appr_num = d.pop("appr_num", UNSET)

        appr_origin_num = d.pop("appr_origin_num", UNSET)

        appr_res_cd = d.pop("appr_res_cd", UNSET)

        appr_monthly = d.pop("appr_monthly", UNSET)

        appr_state = d.pop("appr_state", UNSET)

        appr_cash_num = d.pop("appr_cash_num", UNSET)

        appr_cash_trader = d.pop("appr_cash_trader", UNSET)

        appr_cash_issuance_number = d.pop("appr_cash_issuance_number", UNSET)

        msg = d.pop("msg", UNSET)

        message = d.pop("message", UNSET)

        approval = cls(
            code=code,
            apikey=apikey,
            bill_id=bill_id,
            appr_cat_id=appr_cat_id,
            appr_pay_type=appr_pay_type,
            appr_card_type=appr_card_type,
            appr_dt=appr_dt,
            appr_origin_dt=appr_origin_dt,
            appr_price=appr_price,
            appr_issuer=appr_issuer,
            appr_issuer_cd=appr_issuer_cd,
            appr_issuer_num=appr_issuer_num,
            appr_acquirer_cd=appr_acquirer_cd,
            appr_acquirer_nm=appr_acquirer_nm,
            appr_num=appr_num,
            appr_origin_num=appr_origin_num,
            appr_res_cd=appr_res_cd,
            appr_monthly=appr_monthly,
            appr_state=appr_state,
            appr_cash_num=appr_cash_num,
            appr_cash_trader=appr_cash_trader,
            appr_cash_issuance_number=appr_cash_issuance_number,
            msg=msg,
            message=message,
        )

        approval.additional_properties = d
        return approval

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
