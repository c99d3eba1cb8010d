"""Notify people and mark notifications read; the one door for writes of this app.

``notify`` writes the inbox rows in the caller's transaction and delivers e-mail, SMS and
WeChat after it commits. A failed delivery is logged and never breaks the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from aftersales.core.bulk import insert_rows
from aftersales.notifications import sms, wechat
from aftersales.notifications.models import Notification, Topic

logger = logging.getLogger("aftersales.notifications")

# Escalations are urgent enough for a text message; warnings wait in the inbox and mail.
DEFAULT_SMS_TOPICS = (Topic.SLA_ESCALATED,)
# WeChat reaches people at no cost per message: escalations and new assignments.
DEFAULT_WECHAT_TOPICS = (Topic.SLA_ESCALATED, Topic.ORDER_ASSIGNED)


class Translated(NamedTuple):
    """A text made of a message template (marked with ``gettext_noop``) and its
    parameters, translated when it is read out: in each recipient's language, lazy
    parameters (a label) included. ``notify_many`` translates each template and each lazy
    parameter once per language for a whole batch (issue 7: a sweep's thousands of
    messages share a few templates)."""

    template: str
    params: dict

    def __call__(self) -> str:
        return _translate(self, {})


Text = str | Callable[[], str]


def _translate(text: Translated, seen: dict) -> str:
    """``text`` in the active language; ``seen``: the translations already made in it
    (of templates by text, of lazy parameters by identity)."""
    template = seen.get(text.template)
    if template is None:
        template = seen[text.template] = _(text.template)
    params = {}
    for name, value in text.params.items():
        if isinstance(value, Promise):
            key = id(value)
            if key not in seen:
                seen[key] = (value, str(value))  # the object kept: its id stays its own
            value = seen[key][1]
        params[name] = value
    return template % params


def _text_of(value: Text, seen: dict | None = None) -> str:
    """The text in the active language (lazy strings and callables are evaluated now)."""
    if isinstance(value, Translated):
        return _translate(value, {} if seen is None else seen)
    return str(value() if callable(value) else value)


def notify(
    recipients: Iterable, *, topic: str, title: Text, body: Text = "", url: str = ""
) -> list[Notification]:
    """One notification per distinct active recipient; e-mail, SMS and WeChat after commit.

    ``title`` and ``body`` may be lazy strings (or callables) so that each person reads
    them in their own language.
    """
    message = {"recipients": recipients, "topic": topic, "title": title, "body": body, "url": url}
    rows = [
        Notification(recipient=user, topic=kind, title=text, body=more, url=link)
        for user, kind, text, more, link in _rows([message])
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    _deliver_after_commit([n.pk for n in created])
    return created


# Notifications delivered by one after-commit call (and one query).
DELIVERY_BATCH = 500

# The columns notify_many writes, in the order of its rows.
_COLUMNS = ("recipient_id", "topic", "title", "body", "url", "created_at")


def notify_many(messages: Iterable[dict]) -> list[int]:
    """``notify`` for many messages at once (a sweep over a batch of orders): each message
    holds ``notify``'s arguments (``recipients``, ``topic``, ``title``, ``body``, ``url``);
    the inbox rows of all of them are written at once, as plain rows without model
    instances (issue 7: a sweep writes tens of thousands), and delivered after commit as
    ``notify``'s are, each channel of each message at most once. Returns the ids of the
    notifications."""
    now = timezone.now()
    rows = [(user.pk, *row, now) for user, *row in _rows(list(messages))]
    ids = insert_rows(Notification, _COLUMNS, rows, returning_ids=True)
    _deliver_after_commit(ids)
    return ids


def _deliver_after_commit(ids: list[int]) -> None:
    for start in range(0, len(ids), DELIVERY_BATCH):
        transaction.on_commit(partial(deliver, ids[start : start + DELIVERY_BATCH]))


def _rows(messages: list[dict]) -> list[tuple]:
    """The notifications of the messages, as (recipient, topic, title, body, url): one per
    distinct active recipient of each, in the recipient's language. Each text is made once
    per message and language, and each language is switched to once for the whole batch
    (a sweep's thousand messages)."""
    default = settings.LANGUAGE_CODE
    wanted: list[tuple[dict, list]] = []
    languages: dict[str, list[dict]] = {}
    for message in messages:
        users, seen = [], set()
        for user in message["recipients"]:
            if user is None or not user.is_active or user.pk in seen:
                continue
            seen.add(user.pk)
            users.append(user)
        wanted.append((message, users))
        for language in {user.language or default for user in users}:
            languages.setdefault(language, []).append(message)
    texts: dict[tuple[int, str], tuple[str, str]] = {}
    for language, in_language in languages.items():
        seen: dict = {}
        with translation.override(language):
            for message in in_language:
                texts[id(message), language] = (
                    _text_of(message["title"], seen)[:200],
                    _text_of(message.get("body", ""), seen),
                )
    rows = []
    for message, users in wanted:
        topic, url = message["topic"], message.get("url", "")[:300]
        for user in users:
            title, body = texts[id(message), user.language or default]
            rows.append((user, topic, title, body, url))
    return rows


def _absolute(url: str) -> str:
    base = getattr(settings, "AFTERSALES_PUBLIC_BASE_URL", "")
    return f"{base}{url}" if base and url.startswith("/") else url


def _sms_topics() -> set[str]:
    return set(getattr(settings, "AFTERSALES_SMS_TOPICS", DEFAULT_SMS_TOPICS))


def _wechat_topics() -> set[str]:
    return set(getattr(settings, "AFTERSALES_WECHAT_TOPICS", DEFAULT_WECHAT_TOPICS))


def _backend(loaded: dict, channel: str, load: Callable[[], object]):
    """The channel's backend, loaded once per delivery; False when it cannot be (logged)."""
    if channel not in loaded:
        try:
            loaded[channel] = load()
        except Exception:
            logger.exception("%s backend cannot be loaded", channel)
            loaded[channel] = False
    return loaded[channel]


def deliver(notification_ids: list[int]) -> None:
    """Send the e-mail, SMS and WeChat of these notifications, each channel at most once.

    Each channel is claimed with a conditional update before sending, so two workers never
    both send; a failed send releases the claim and is logged.
    """
    sms_topics, wechat_topics = _sms_topics(), _wechat_topics()
    backends: dict = {}
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient"
    ):
        user = notification.recipient
        if user.email and notification.emailed_at is None:
            _send(notification, "emailed_at", partial(_email, notification))
        if user.phone and notification.topic in sms_topics and notification.sms_sent_at is None:
            backend = _backend(backends, "SMS", sms.get_backend)
            if backend:
                _send(notification, "sms_sent_at", partial(_sms, backend, notification))
        if (
            user.wechat_id
            and notification.topic in wechat_topics
            and notification.wechat_sent_at is None
        ):
            backend = _backend(backends, "WeChat", wechat.get_backend)
            if backend:
                _send(notification, "wechat_sent_at", partial(_wechat, backend, notification))


def _send(notification: Notification, field: str, send: Callable[[], None]) -> None:
    claimed = Notification.objects.filter(pk=notification.pk, **{field: None}).update(
        **{field: timezone.now()}
    )
    if not claimed:
        return  # another worker sent it
    try:
        send()
    except Exception:
        logger.exception("Sending notification %s (%s) failed", notification.pk, field)
        Notification.objects.filter(pk=notification.pk).update(**{field: None})


def _email(notification: Notification) -> None:
    user = notification.recipient
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{_absolute(notification.url)}".strip()
    send_mail(notification.title, body, None, [user.email])


def _short_text(notification: Notification) -> str:
    """The title, and the link when the site has a public address (SMS and WeChat)."""
    text = notification.title
    if notification.url and getattr(settings, "AFTERSALES_PUBLIC_BASE_URL", ""):
        text = f"{text} {_absolute(notification.url)}"
    return text


def _sms(backend, notification: Notification) -> None:
    backend.send(notification.recipient.phone, _short_text(notification))


def _wechat(backend, notification: Notification) -> None:
    backend.send(notification.recipient.wechat_id, _short_text(notification))


def mark_read(*, actor, notification: Notification) -> Notification:
    """The recipient has read it (again is harmless). Nobody marks another person's."""
    if not actor.is_authenticated or notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This notification is addressed to someone else."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor) -> int:
    """Every unread notification of the actor is read now; returns how many."""
    if not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to read your notifications."))
    return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())


def text_customer(phone: str, text: str) -> None:
    """An SMS to a customer (who has no account, hence no inbox), sent after the caller's
    transaction commits through the site's SMS backend; a failure is logged, never raised."""
    if not phone:
        return

    def send():
        try:
            sms.get_backend().send(phone, text)
        except Exception:
            logger.exception("SMS to a customer failed")

    transaction.on_commit(send)
