from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CancelBill")


@_attrs_define
class CancelBill:
    """
    Attributes:
        code (str): 응답 코드. "0000" success; otherwise one of the v1 error codes. Example: 0000.
        msg (str | Unset): 응답 메세지 (name used by public integrations [3P]).
        apikey (str | Unset): 파트너 연동을 위한 고유키
        member (str | Unset): 파트너 사용자 코드
        merchant (str | Unset): 파트너 매장 코드
        bill_id (str | Unset): 청구서 ID
            문자/숫자 20자리 (중복불가)
             -개발: 사업자번호 + 10자리 자유롭게 사용
             -운영: 20자리 자유롭게 사용
        hash_ (str | Unset): 통신 암호 키
            {phone} 값이 설정된 경우 {bill_id} + "," + {phone} + "," + {price} 값으로 Hash 생성
            {phone} 값이 설정되어 있지 않은 경우 {bill_id} + "," + {price} 값으로 Hash 생성
        appr_num (str | Unset): 취소 승인 번호
        appr_origin_num (str | Unset): 원거래 승인 번호
        appr_cancel_dt (str | Unset): 취소 일시 Example: 20261125150000.
        message (str | Unset): 응답 메세지 (name used in the docs' envelope example [DOC]).
    """

    code: str
    msg: str | Unset = UNSET
    apikey: str | Unset = UNSET
    member: str | Unset = UNSET
    merchant: str | Unset = UNSET
    bill_id: str | Unset = UNSET
    hash_: str | Unset = UNSET
    appr_num: str | Unset = UNSET
    appr_origin_num: str | Unset = UNSET
    appr_cancel_dt: str | Unset = UNSET
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        apikey = self.apikey

        member = self.member

        merchant = self.merchant

        bill_id = self.bill_id

        hash_ = self.hash_

        appr_num = self.appr_num

        appr_origin_num = self.appr_origin_num

        appr_cancel_dt = self.appr_cancel_dt

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
            }
        )
        if msg is not UNSET:
            field_dict["msg"] = msg
        if apikey is not UNSET:
            field_dict["apikey"] = apikey
        if member is not UNSET:
            field_dict["member"] = member
        if merchant is not UNSET:
            field_dict["merchant"] = merchant
        if bill_id is not UNSET:
            field_dict["bill_id"] = bill_id
        if hash_ is not UNSET:
            field_dict["hash"] = hash_
        if appr_num is not UNSET:
            field_dict["appr_num"] = appr_num
        if appr_origin_num is not UNSET:
            field_dict["appr_origin_num"] = appr_origin_num
        if appr_cancel_dt is not UNSET:
            field_dict["appr_cancel_dt"] = appr_cancel_dt
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg", UNSET)

        apikey = d.pop("apikey", UNSET)

        member = d.pop("member", UNSET)

        merchant = d.pop("merchant", UNSET)

        bill_id = d.pop("bill_id", UNSET)

        hash_ = d.pop("hash", UNSET)

        appr_num = d.pop("appr_num", UNSET)

        appr_origin_num = d.pop("appr_origin_num", UNSET)

        appr_cancel_dt = d.pop("appr_cancel_dt", UNSET)

        message = d.pop("message", UNSET)

        cancel_bill = cls(
            code=code,
            msg=msg,
            apikey=apikey,
            member=member,
            merchant=merchant,
            bill_id=bill_id,
            hash_=hash_,
            appr_num=appr_num,
            appr_origin_num=appr_origin_num,
            appr_cancel_dt=appr_cancel_dt,
            message=message,
        )

        cancel_bill.additional_properties = d
        return cancel_bill

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
