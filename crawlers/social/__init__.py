"""Connectors for public social-media posts (X, Telegram, ...).

See ``crawlers.social.base`` for the contract and docs/social.md for how the cycle uses it.
"""

from crawlers.social.base import (
    AuthExpired,
    BadResponse,
    Connector,
    ConnectorError,
    NotConfigured,
    Page,
    Post,
    RateLimited,
)

__all__ = [
    "AuthExpired",
    "BadResponse",
    "Connector",
    "ConnectorError",
    "NotConfigured",
    "Page",
    "Post",
    "RateLimited",
]
