from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.approval_ack_code import ApprovalAckCode
from ..models.approval_ack_msg import ApprovalAckMsg

T = TypeVar("T", bound="ApprovalAck")


@_attrs_define
class ApprovalAck:
    """The acknowledgement the SDK sends: v1's documented body, a superset of A's and F's {"code":"0000"} [INF]; E says the
    review needs it.

        Example:
            {'code': '0000', 'msg': '성공하였습니다.'}

        Attributes:
            code (ApprovalAckCode): The success code.
            msg (ApprovalAckMsg): The success text, byte for byte (v1).
    """

    code: ApprovalAckCode
    msg: ApprovalAckMsg

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        msg = self.msg.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "msg": msg,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = ApprovalAckCode(d.pop("code"))

        msg = ApprovalAckMsg(d.pop("msg"))

        approval_ack = cls(
            code=code,
            msg=msg,
        )

        return approval_ack
