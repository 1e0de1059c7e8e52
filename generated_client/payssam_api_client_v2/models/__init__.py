"""Contains all the data models used in inputs/outputs"""

from .approval_ack import ApprovalAck
from .approval_ack_code import ApprovalAckCode
from .approval_ack_msg import ApprovalAckMsg
from .approval_callback import ApprovalCallback
from .bill_answer import BillAnswer
from .bill_cancel import BillCancel
from .bill_cancel_answer import BillCancelAnswer
from .bill_cancel_data import BillCancelData
from .bill_cancel_request import BillCancelRequest
from .bill_data import BillData
from .bill_destroy_request import BillDestroyRequest
from .bill_key import BillKey
from .bill_key_request import BillKeyRequest
from .bill_priced import BillPriced
from .bill_read_answer import BillReadAnswer
from .bill_read_data import BillReadData
from .bill_send import BillSend
from .bill_send_answer import BillSendAnswer
from .bill_send_data import BillSendData
from .bill_send_request import BillSendRequest
from .bill_send_send_type import BillSendSendType
from .merchant_points_request import MerchantPointsRequest
from .points_answer import PointsAnswer
from .points_data import PointsData
from .points_request import PointsRequest

__all__ = (
    "ApprovalAck",
    "ApprovalAckCode",
    "ApprovalAckMsg",
    "ApprovalCallback",
    "BillAnswer",
    "BillCancel",
    "BillCancelAnswer",
    "BillCancelData",
    "BillCancelRequest",
    "BillData",
    "BillDestroyRequest",
    "BillKey",
    "BillKeyRequest",
    "BillPriced",
    "BillReadAnswer",
    "BillReadData",
    "BillSend",
    "BillSendAnswer",
    "BillSendData",
    "BillSendRequest",
    "BillSendSendType",
    "MerchantPointsRequest",
    "PointsAnswer",
    "PointsData",
    "PointsRequest",
)
