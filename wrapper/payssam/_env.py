"""The environment variables that configure a client (PaySsam.from_env, the `payssam` command)."""

ENV_APIKEY = "PAYSSAM_APIKEY"
ENV_MEMBER = "PAYSSAM_MEMBER"
ENV_MERCHANT = "PAYSSAM_MERCHANT"
ENV_BASE_URL = "PAYSSAM_BASE_URL"
ENV_API_VERSION = "PAYSSAM_API_VERSION"
