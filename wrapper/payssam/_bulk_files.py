"""What the bulk commands read and where they write by default: shared by their --help and their runs.

Imports nothing, so `payssam --help` can describe the files without loading the machinery that sends.
"""

BATCH_COLUMNS = ("bill_id", "price", "phone", "customer_name", "product_name", "message", "issuer", "expires_on")
BATCH_REQUIRED = ("price", "phone", "customer_name", "product_name")
BATCH_SUFFIX = ".sent.jsonl"
"""send-batch's results go beside FILE as FILE + this, unless --output names a path."""
BATCH_CONCURRENCY = 4
RECONCILE_SUFFIX = ".states.jsonl"
"""reconcile's results go beside FILE as FILE + this, unless --output names a path."""
RECONCILE_CONCURRENCY = 8
