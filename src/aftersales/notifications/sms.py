"""SMS backends: the site names one in AFTERSALES_SMS_BACKEND (a dotted path).

A backend is a class with ``send(phone, text)``; it raises on failure. A real gateway
(Aliyun, Tencent Cloud …) is a small class of the same shape in the deployment's code.
"""

import logging

from aftersales.notifications.backends import load_backend

logger = logging.getLogger("aftersales.notifications.sms")

DEFAULT_BACKEND = "aftersales.notifications.sms.LogBackend"


class BaseBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LogBackend(BaseBackend):
    """The default: writes the message to the log, sends nothing over the network."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemoryBackend(BaseBackend):
    """Keeps the messages in ``MemoryBackend.outbox`` (for tests, like Django's locmem mail)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def get_backend() -> BaseBackend:
    return load_backend("AFTERSALES_SMS_BACKEND", DEFAULT_BACKEND)
