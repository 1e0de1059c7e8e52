from enum import StrEnum


class BillSendSendType(StrEnum):
    TALK = "TALK"
    URL = "URL"

    def __str__(self) -> str:
        return str(self.value)
