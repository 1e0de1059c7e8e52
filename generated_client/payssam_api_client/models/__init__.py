"""Contains all the data models used in inputs/outputs"""

from .approval import Approval
from .bill_req import BillReq
from .cancel_bill import CancelBill
from .req_cancel_bill import ReqCancelBill

__all__ = (
    "Approval",
    "BillReq",
    "CancelBill",
    "ReqCancelBill",
)
