from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.points_data import PointsData


T = TypeVar("T", bound="PointsAnswer")


@_attrs_define
class PointsAnswer:
    """
    Attributes:
        code (str): 응답 코드. "0000" success; otherwise a text code such as BILL_003 or VALIDATION_002. Example: 0000.
        message (str | Unset): 응답 메세지. ⚠ The request/response page shows `msg`; the points schema, the balance example
            and the sandbox use `message` [3P×1 C measured]: read message, then msg [INF].
        msg (str | Unset): 응답 메세지 as the request/response page names it (⚠ see message).
        data (None | PointsData | Unset): The balance; null on errors.
    """

    code: str
    message: str | Unset = UNSET
    msg: str | Unset = UNSET
    data: None | PointsData | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.points_data import PointsData

        code = self.code

        message = self.message

        msg = self.msg

        data: dict[str, Any] | None | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        elif isinstance(self.data, PointsData):
            data = self.data.to_dict()
        else:
            data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
            }
        )
        if message is not UNSET:
            field_dict["message"] = message
        if msg is not UNSET:
            field_dict["msg"] = msg
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.points_data import PointsData

        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message", UNSET)

        msg = d.pop("msg", UNSET)

        def _parse_data(data: object) -> None | PointsData | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                data_type_0 = PointsData.from_dict(data)

                return data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PointsData | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        points_answer = cls(
            code=code,
            message=message,
            msg=msg,
            data=data,
        )

        points_answer.additional_properties = d
        return points_answer

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
