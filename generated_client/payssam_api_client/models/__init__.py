"""Contains all the data models used in inputs/outputs"""

from .approval import Approval
from .approval_ack import ApprovalAck
from .approval_ack_code import ApprovalAckCode
from .approval_ack_msg import ApprovalAckMsg
from .approval_callback import ApprovalCallback
from .bill_req import BillReq
from .bill_req_3p import BillReq3P
from .bill_result import BillResult
from .cancel_bill import CancelBill
from .destroy_bill_req import DestroyBillReq
from .req_cancel_bill import ReqCancelBill
from .send_bill import SendBill
from .send_bill_req import SendBillReq
from .sent_bill import SentBill

__all__ = (
    "Approval",
    "ApprovalAck",
    "ApprovalAckCode",
    "ApprovalAckMsg",
    "ApprovalCallback",
    "BillReq",
    "BillReq3P",
    "BillResult",
    "CancelBill",
    "DestroyBillReq",
    "ReqCancelBill",
    "SendBill",
    "SendBillReq",
    "SentBill",
)
