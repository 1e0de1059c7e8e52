from enum import StrEnum


class ApprovalAckCode(StrEnum):
    VALUE_0 = "0000"

    def __str__(self) -> str:
        return str(self.value)
