"""The one failure every sender raises, so the outbox can decide between retrying and giving up."""

from __future__ import annotations

from collections.abc import Mapping


class DeliveryFailed(Exception):
    """A notification did not reach its receiver.

    ``reason`` is one line in Bahasa Indonesia that an operator understands and can act on (it is shown in
    the console and never holds a secret such as a bot token or a password); ``retryable`` says whether the
    same attempt may succeed later (a server down, a timeout, a 4xx SMTP answer) or never will without
    someone changing the configuration or the address (a refused recipient, a wrong token).
    """

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, retryable={self.retryable})"


class PartiallyDelivered(DeliveryFailed):
    """An e-mail was accepted for some recipients and refused for others.

    Never retryable: sending the message again would reach the accepted recipients twice. ``message_id`` is
    the Message-ID that did go out, ``refused`` maps each refused address to the server's answer.
    """

    def __init__(self, reason: str, message_id: str, refused: Mapping[str, str]) -> None:
        super().__init__(reason, retryable=False)
        self.message_id = message_id
        self.refused = dict(refused)
