from enum import StrEnum


class ApprovalAckMsg(StrEnum):
    성공하였습니다 = "성공하였습니다."

    def __str__(self) -> str:
        return str(self.value)
