from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BillResult")


@_attrs_define
class BillResult:
    """Answer to resend and destroy: the v1 envelope [DOC] and echoed identifiers [3P]; no other field is known.

    Attributes:
        code (str): 응답 코드. "0000" success; otherwise one of the v1 error codes [DOC]. Example: 0000.
        msg (str | Unset): 응답 메세지 (public integrations) [3P].
        message (str | Unset): 응답 메세지 (docs' envelope example) [DOC].
        apikey (str | Unset): Echo of the apikey [3P]; the client drops it.
        member (str | Unset): Echo of 파트너 사용자 코드 [3P].
        merchant (str | Unset): Echo of 파트너 매장 코드 [3P].
        bill_id (str | Unset): Echo of the bill id [3P].
    """

    code: str
    msg: str | Unset = UNSET
    message: str | Unset = UNSET
    apikey: str | Unset = UNSET
    member: str | Unset = UNSET
    merchant: str | Unset = UNSET
    bill_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        message = self.message

        apikey = self.apikey

        member = self.member

        merchant = self.merchant

        bill_id = self.bill_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
            }
        )
        if msg is not UNSET:
            field_dict["msg"] = msg
        if message is not UNSET:
            field_dict["message"] = message
        if apikey is not UNSET:
            field_dict["apikey"] = apikey
        if member is not UNSET:
            field_dict["member"] = member
        if merchant is not UNSET:
            field_dict["merchant"] = merchant
        if bill_id is not UNSET:
            field_dict["bill_id"] = bill_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg", UNSET)

        message = d.pop("message", UNSET)

        apikey = d.pop("apikey", UNSET)

        member = d.pop("member", UNSET)

        merchant = d.pop("merchant", UNSET)

        bill_id = d.pop("bill_id", UNSET)

        bill_result = cls(
            code=code,
            msg=msg,
            message=message,
            apikey=apikey,
            member=member,
            merchant=merchant,
            bill_id=bill_id,
        )

        bill_result.additional_properties = d
        return bill_result

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
