"""The contract's request limits and version, for the SDK's validation and payssam.CONTRACT_VERSION.

Generated from openapi/payssam-v2.json by openapi/tools/contract_constants.py (make generate); do not
edit: a change starts in openapi/.
"""

CONTRACT_VERSION = "2.0.1"
BILL_ID_MAX = 20
BILL_ID_PATTERN = "^[A-Za-z0-9]+$"
PRICE_PATTERN = "^[0-9]{1,10}$"
PHONE_PATTERN = "^01[0-9]{8,9}$"
APIKEY_MAX = 32
MEMBER_MAX = 60
MERCHANT_MAX = 60
ISSUER_MAX = 50
CALLBACK_URL_MAX = 2048
CALLBACK_URL_PATTERN = (
    "^https?://[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?(/([A-Za-z0-9._~:/?@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)?$"
)
REDIRECT_URL_MAX = 2048
TEXT_PATTERN = "\\S"
EXPIRE_DT_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
CANCEL_REASON_MAX = 20
CODE_PATTERN = "^[0-9A-Z_]{1,40}$"
