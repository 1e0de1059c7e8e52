from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.send_bill import SendBill


T = TypeVar("T", bound="SendBillReq")


@_attrs_define
class SendBillReq:
    """Send a bill by KakaoTalk (T profile). The docs give a nested body: the credentials at the top, the bill under `bill`
    [DOC].

        Attributes:
            apikey (str): 파트너 연동을 위한 고유키 (secret). Same limits as on cancel/read [DOC].
            member (str): 파트너 사용자 코드 [DOC].
            merchant (str): 파트너 매장 코드 [DOC].
            bill (SendBill): The bill to send; required fields as listed by the docs [DOC].
    """

    apikey: str
    member: str
    merchant: str
    bill: SendBill
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        apikey = self.apikey

        member = self.member

        merchant = self.merchant

        bill = self.bill.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "apikey": apikey,
                "member": member,
                "merchant": merchant,
                "bill": bill,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.send_bill import SendBill

        d = dict(src_dict)
        apikey = d.pop("apikey")

        member = d.pop("member")

        merchant = d.pop("merchant")

        bill = SendBill.from_dict(d.pop("bill"))

        send_bill_req = cls(
            apikey=apikey,
            member=member,
            merchant=merchant,
            bill=bill,
        )

        send_bill_req.additional_properties = d
        return send_bill_req

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
