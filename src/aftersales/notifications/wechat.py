"""WeChat backends: the site names one in AFTERSALES_WECHAT_BACKEND (a dotted path).

A backend is a class with ``send(recipient_id, text)``; it raises on failure. The
recipient id is the person's WeChat ID in their account. A real provider (a WeChat Work /
企业微信 app message, or an official-account template message) is a small class of the
same shape in the deployment's code.
"""

import logging

from aftersales.notifications.backends import load_backend

logger = logging.getLogger("aftersales.notifications.wechat")

DEFAULT_BACKEND = "aftersales.notifications.wechat.LogBackend"


class BaseBackend:
    def send(self, recipient_id: str, text: str) -> None:
        raise NotImplementedError


class LogBackend(BaseBackend):
    """The default: writes the message to the log, sends nothing over the network."""

    def send(self, recipient_id: str, text: str) -> None:
        logger.info("WeChat to %s: %s", recipient_id, text)


class MemoryBackend(BaseBackend):
    """Keeps the messages in ``MemoryBackend.outbox`` (for tests, like Django's locmem mail)."""

    outbox: list[tuple[str, str]] = []

    def send(self, recipient_id: str, text: str) -> None:
        MemoryBackend.outbox.append((recipient_id, text))


def get_backend() -> BaseBackend:
    return load_backend("AFTERSALES_WECHAT_BACKEND", DEFAULT_BACKEND)
