"""Satisfaction surveys (FUP-2, FUP-3, FUP-6, SVC-6 target, SEC-4 tokens).

FUP-2: a completed order gets one survey; the day after completion (at
AFTERSALES_SURVEY_SEND_AT, local time) the periodic job "followup.surveys" texts the
customer a link with an unguessable token (and e-mails it when the customer file has an
address). The customer answers once on the public page, or an agent keys in the paper
card. FUP-3: the answers, per technician per month, feed the appraisal; SVC-6: the share
of satisfied answers is held against the 90 % target. FUP-6: a new customer gets a
survey AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS after registration (or when an agent sends it).

The token (SEC-4). Only sha256(token) is stored. The row made at completion carries the
hash of a random token that is thrown away at once: nobody holds it, so the survey cannot
be answered on the web before it is sent. The sending job makes the real token, stores
its hash in the same conditional update that claims the survey (sent_at null → now) and
puts the token only into the message. Two workers never both send a survey, and the
link in the message is the one key to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.periodic import periodic
from aftersales.core.permissions import require_perm
from aftersales.core.validators import checked_text
from aftersales.customers.models import Customer
from aftersales.followup.models import (
    RATING_FIELDS,
    AnswerChannel,
    Survey,
    SurveyKind,
)
from aftersales.service.models import ServiceOrder

logger = logging.getLogger(__name__)

VIEW_SURVEYS = "followup.view_survey"
SEND_SURVEYS = "followup.add_survey"
KEY_IN_SURVEYS = "followup.key_in_survey"
VIEW_SATISFACTION = "followup.view_satisfaction"

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 bits
TOKEN_MAX_LENGTH = 64  # anything longer in a URL is not ours: no hashing, no lookup
TEXT_LIMIT = 2000
SATISFIED_FROM = Decimal("4")  # score ≥ 4 (satisfied or very satisfied) counts as satisfied
SEND_BATCH = 500
NEW_CUSTOMER_CATCH_UP_DAYS = 7  # a sweep that was down a few days still sends FUP-6 surveys
CENT = Decimal("0.01")

SMS_TEXT = {
    SurveyKind.ORDER: gettext_noop(
        "[After-sales] Thank you for choosing our service (order %(order)s). Please rate "
        "our technician's work, it takes one minute: %(link)s"
    ),
    SurveyKind.NEW_CUSTOMER: gettext_noop(
        "[After-sales] Welcome as our customer. Please tell us how satisfied you are with "
        "our service, it takes one minute: %(link)s"
    ),
}
MAIL_SUBJECT = gettext_noop("How satisfied are you with our service?")
MAIL_BODY = gettext_noop(
    "Dear %(customer)s,\n\nthank you for choosing our after-sales service. Please rate "
    "our work on this page (valid until %(until)s):\n\n%(link)s\n\nYour answer helps us "
    "serve you better."
)


class SurveyNotFound(ServiceError):
    """No survey has this token (forged, mistyped, or replaced by a later sending)."""


class SurveyExpired(ServiceError):
    """The link's validity (AFTERSALES_SURVEY_VALID_DAYS) has passed."""


class SurveyAnswered(ServiceError):
    """FUP-2: one answer per survey; the second is refused."""


# --- settings and small helpers --------------------------------------------------------


def send_time() -> dt.time:
    """AFTERSALES_SURVEY_SEND_AT ("10:00") as a time of day."""
    text = str(getattr(settings, "AFTERSALES_SURVEY_SEND_AT", "10:00")).strip()
    try:
        hours, minutes = text.split(":")[:2]
        return dt.time(int(hours), int(minutes))
    except (TypeError, ValueError):
        logger.warning("AFTERSALES_SURVEY_SEND_AT=%r is not HH:MM; 10:00 is used", text)
        return dt.time(10, 0)


def valid_days() -> int:
    return int(getattr(settings, "AFTERSALES_SURVEY_VALID_DAYS", 30))


def new_customer_days() -> int:
    return int(getattr(settings, "AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS", 30))


def target_percent() -> int:
    """SVC-6: the satisfaction target in % (90 by default)."""
    return int(getattr(settings, "AFTERSALES_SATISFACTION_TARGET", 90))


def _local_at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_default_timezone())


def next_day_send_at(moment: dt.datetime) -> dt.datetime:
    """FUP-2: the local day after ``moment`` at AFTERSALES_SURVEY_SEND_AT."""
    return _local_at(timezone.localdate(moment) + dt.timedelta(days=1), send_time())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """An unguessable token and its hash (SEC-4)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def survey_path(token: str) -> str:
    return reverse("survey:answer", args=[token])


def survey_link(token: str) -> str:
    """The absolute link for the customer's message (AFTERSALES_PUBLIC_BASE_URL + path)."""
    base = str(getattr(settings, "AFTERSALES_PUBLIC_BASE_URL", "") or "").rstrip("/")
    return f"{base}{survey_path(token)}"


def survey_state(survey: Survey, now: dt.datetime | None = None) -> str:
    """answered, expired, waiting (sent, open) or not_sent — for lists and the API."""
    now = now or timezone.now()
    if survey.answered_at:
        return "answered"
    if survey.expires_at <= now:
        return "expired"
    if survey.sent_at:
        return "waiting"
    return "not_sent"


STATE_LABELS = {
    "answered": gettext_noop("answered"),
    "expired": gettext_noop("expired"),
    "waiting": gettext_noop("sent, waiting for the answer"),
    "not_sent": gettext_noop("not sent yet"),
}


def state_filter(state: str, now: dt.datetime | None = None) -> Q:
    """The queryset condition of a survey_state value."""
    now = now or timezone.now()
    if state == "answered":
        return Q(answered_at__isnull=False)
    if state == "expired":
        return Q(answered_at__isnull=True, expires_at__lte=now)
    if state == "waiting":
        return Q(answered_at__isnull=True, expires_at__gt=now, sent_at__isnull=False)
    if state == "not_sent":
        return Q(answered_at__isnull=True, expires_at__gt=now, sent_at__isnull=True)
    return Q()


def surveys_visible_to(user):
    """ORG-3: HQ roles see every survey; others those of orders in their reach (the order's
    handling unit, or assigned to them) and new-customer surveys of customers in reach."""
    from aftersales.accounts.reach import reach_of

    if not getattr(user, "is_authenticated", False):
        return Survey.objects.none()
    if reach_of(user).everything:
        return Survey.objects.all()
    return Survey.objects.filter(
        Q(order__in=ServiceOrder.objects.visible_to(user).values("pk"))
        | Q(order__isnull=True, customer__in=Customer.objects.visible_to(user).values("pk"))
    )


def require_survey_reach(actor, survey: Survey) -> None:
    if not surveys_visible_to(actor).filter(pk=survey.pk).exists():
        raise PermissionDenied(_("This survey belongs to a unit outside your reach."))


# --- FUP-2: the survey of a completed order -----------------------------------------------


def on_order_completed(order: ServiceOrder, actor) -> None:
    """FUP-2: called inside the completion's transaction. The order gets one survey (kind
    order) for its customer and technician, to be sent the next local day at
    AFTERSALES_SURVEY_SEND_AT and valid AFTERSALES_SURVEY_VALID_DAYS from then."""
    if Survey.objects.filter(order_id=order.pk, kind=SurveyKind.ORDER).exists():
        return
    send_at = next_day_send_at(order.completed_at or timezone.now())
    # The hash of a token nobody keeps: the sending job replaces it with the real one.
    _unused, token_hash = new_token()
    survey = Survey.objects.create(
        kind=SurveyKind.ORDER,
        token_hash=token_hash,
        customer_id=order.customer_id,
        order=order,
        technician_id=order.technician_id,
        phone=(order.contact_phone or "")[:30],
        send_at=send_at,
        expires_at=send_at + dt.timedelta(days=valid_days()),
        created_by=actor if getattr(actor, "pk", None) else None,
        updated_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        survey, "followup.survey.created", actor=actor, after=_audited(survey), note=order.number
    )


def _audited(survey: Survey) -> dict:
    """The survey's snapshot without the token hash (the audit trail never holds keys)."""
    data = snapshot(survey)
    data.pop("token_hash", None)
    return data


# --- sending (the periodic job) --------------------------------------------------------------


def _message_texts(survey: Survey, token: str) -> tuple[str, str, str]:
    """(SMS text, mail subject, mail body) in the site's language."""
    link = survey_link(token)
    with translation.override(settings.LANGUAGE_CODE):
        sms = _(SMS_TEXT[survey.kind]) % {
            "order": survey.order.number if survey.order_id else "",
            "link": link,
        }
        subject = _(MAIL_SUBJECT)
        body = _(MAIL_BODY) % {
            "customer": survey.customer.name,
            "until": timezone.localtime(survey.expires_at).strftime("%Y-%m-%d"),
            "link": link,
        }
    return sms, subject, body


def _deliver(survey: Survey, token: str) -> list[str]:
    """Text the phone and mail the customer's address (after the commit); the channels."""
    from aftersales.notifications.services import text_customer

    sms, subject, body = _message_texts(survey, token)
    channels = []
    if survey.phone:
        text_customer(survey.phone, sms)
        channels.append("sms")
    email = survey.customer.email
    if email:

        def mail():
            try:
                send_mail(subject, body, None, [email])
            except Exception:
                logger.exception("survey e-mail to a customer failed")

        transaction.on_commit(mail)
        channels.append("email")
    return channels


def _sendable() -> Q:
    return Q(phone__gt="") | Q(customer__email__gt="")


def send_due_surveys(now: dt.datetime | None = None) -> int:
    """FUP-2: send every survey whose time has come (send_at ≤ now, not sent, not answered,
    still valid, with a phone or an e-mail address). Each survey is claimed by one
    conditional update that also stores the new token's hash, so it is sent exactly once
    even with two workers. Returns how many were sent."""
    now = now or timezone.now()
    due = (
        Survey.objects.filter(
            _sendable(),
            send_at__lte=now,
            sent_at__isnull=True,
            answered_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("send_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in list(due[:SEND_BATCH]) if send_one(pk, now))


def send_one(pk: int, now: dt.datetime) -> str | None:
    """Claim and send one survey; the token sent (for the caller only, never stored), or
    None when it was sent already, answered by a paper card, or not there."""
    token, token_hash = new_token()
    with transaction.atomic():
        claimed = Survey.objects.filter(
            pk=pk, sent_at__isnull=True, answered_at__isnull=True
        ).update(sent_at=now, token_hash=token_hash, updated_at=now)
        if not claimed:
            return None  # another worker sent it, or a paper card came first
        survey = Survey.objects.select_related("customer", "order").get(pk=pk)
        channels = _deliver(survey, token)
        record(
            survey,
            "followup.survey.sent",
            actor=None,
            before={"sent_at": None},
            after={"sent_at": now.isoformat()},
            note=", ".join(channels),
        )
    return token


def _new_customer_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """FUP-6: customers registered in this window are due for their survey now: those
    registered AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS days ago (from the send time of day on),
    and a few days before in case the sweep was down."""
    days = new_customer_days()
    if days <= 0:
        return None
    today = timezone.localdate(now)
    latest_day = today - dt.timedelta(days=days)
    if timezone.localtime(now).time() < send_time():
        latest_day -= dt.timedelta(days=1)
    first_day = latest_day - dt.timedelta(days=NEW_CUSTOMER_CATCH_UP_DAYS - 1)
    return _local_at(first_day, dt.time.min), _local_at(
        latest_day + dt.timedelta(days=1), dt.time.min
    )


def _make_and_send_new_customer(customer_pk: int, now: dt.datetime, actor=None) -> Survey | None:
    """One FUP-6 survey for a customer that has none open or answered (made and sent in one
    transaction; the customer row is locked so two senders make one)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_pk)
        if (
            Survey.objects.filter(customer=customer, kind=SurveyKind.NEW_CUSTOMER)
            .filter(Q(answered_at__isnull=False) | Q(expires_at__gt=now))
            .exists()
        ):
            return None
        token, token_hash = new_token()
        who = actor if getattr(actor, "pk", None) else None
        survey = Survey.objects.create(
            kind=SurveyKind.NEW_CUSTOMER,
            token_hash=token_hash,
            customer=customer,
            phone=(customer.phone or "")[:30],
            send_at=now,
            sent_at=now,
            expires_at=now + dt.timedelta(days=valid_days()),
            created_by=who,
            updated_by=who,
        )
        channels = _deliver(survey, token)
        record(
            survey,
            "followup.survey.sent",
            actor=who,
            after=_audited(survey),
            note=", ".join(channels) or _("no phone or e-mail"),
        )
    survey.token = token  # for the caller only (the demo's link); never stored
    return survey


def send_new_customer_surveys(now: dt.datetime | None = None) -> int:
    """FUP-6: a survey for each active customer registered
    AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS days ago that has none (0 turns it off)."""
    now = now or timezone.now()
    window = _new_customer_window(now)
    if window is None:
        return 0
    start, end = window
    candidates = (
        Customer.objects.filter(is_active=True, created_at__gte=start, created_at__lt=end)
        .filter(Q(phone__gt="") | Q(email__gt=""))
        .exclude(surveys__kind=SurveyKind.NEW_CUSTOMER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in list(candidates[:SEND_BATCH]) if _make_and_send_new_customer(pk, now))


@periodic("followup.surveys")
def run(now: dt.datetime) -> dict:
    """The sweep's job: due order surveys, then FUP-6 new-customer surveys."""
    return {"sent": send_due_surveys(now), "new_customers": send_new_customer_surveys(now)}


def send_new_customer_survey(*, actor, customer: Customer) -> Survey:
    """FUP-6: an agent sends a customer the satisfaction survey now (right
    followup.add_survey). Refused while one is open, or when it was answered."""
    require_perm(actor, SEND_SURVEYS)
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer belongs to a unit outside your reach."))
    if not customer.is_active:
        raise ServiceError({"customer": _("This customer file is inactive.")})
    if not (customer.phone or customer.email):
        raise ServiceError(
            {"customer": _("The customer file has no phone and no e-mail to send the link to.")}
        )
    survey = _make_and_send_new_customer(customer.pk, timezone.now(), actor=actor)
    if survey is None:
        raise ServiceError(
            {
                "customer": _(
                    "This customer already has a new-customer survey that is open or answered."
                )
            }
        )
    return survey


# --- answering: the web link and the paper card ----------------------------------------------


@dataclass(frozen=True)
class Answer:
    attitude: int
    skill: int
    punctuality: int
    promises: int
    suggestions: str
    other_needs: str

    @property
    def score(self) -> Decimal:
        total = Decimal(self.attitude + self.skill + self.punctuality + self.promises)
        return (total / len(RATING_FIELDS)).quantize(CENT, rounding=ROUND_HALF_UP)


def _rating(value, field: str, errors: dict) -> int | None:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        errors[field] = _("Choose one of the five grades.")
    elif not 1 <= number <= 5:
        errors[field] = _("The grade is from 1 (very dissatisfied) to 5 (very satisfied).")
    return number


def checked_answer(
    *, attitude, skill, punctuality, promises, suggestions="", other_needs=""
) -> Answer:
    """FUP-2: all four grades (1–5) are required; the free texts are optional."""
    errors: dict[str, str] = {}
    ratings = {
        name: _rating(value, name, errors)
        for name, value in zip(RATING_FIELDS, (attitude, skill, punctuality, promises), strict=True)
    }
    texts = {
        "suggestions": checked_text(suggestions, "suggestions", TEXT_LIMIT, errors=errors),
        "other_needs": checked_text(other_needs, "other_needs", TEXT_LIMIT, errors=errors),
    }
    if errors:
        raise ServiceError(errors)
    return Answer(**ratings, **texts)


def _write_answer(survey: Survey, answer: Answer, *, channel: str, now, keyed_by=None) -> None:
    survey.attitude = answer.attitude
    survey.skill = answer.skill
    survey.punctuality = answer.punctuality
    survey.promises = answer.promises
    survey.suggestions = answer.suggestions
    survey.other_needs = answer.other_needs
    survey.score = answer.score
    survey.satisfied = answer.score >= SATISFIED_FROM
    survey.answered_at = now
    survey.channel = channel
    survey.keyed_by = keyed_by
    survey.updated_by = keyed_by
    survey.save(
        update_fields=[
            *RATING_FIELDS,
            "suggestions",
            "other_needs",
            "score",
            "satisfied",
            "answered_at",
            "channel",
            "keyed_by",
            "updated_by",
            "updated_at",
        ]
    )


def find_by_token(token: str) -> Survey | None:
    """The survey of a link's token, or None (nothing is looked up for a malformed one)."""
    token = str(token or "")
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Survey.objects.select_related("order", "technician", "customer")
        .filter(token_hash=hash_token(token))
        .first()
    )


def answer_survey(
    *,
    token: str,
    attitude,
    skill,
    punctuality,
    promises,
    suggestions: str = "",
    other_needs: str = "",
    channel: str = AnswerChannel.WEB,
    now: dt.datetime | None = None,
) -> Survey:
    """FUP-2: the customer answers through the link. Refused, with nothing written: a token
    no survey has (SurveyNotFound), a link past its validity (SurveyExpired), a survey
    already answered (SurveyAnswered), or grades missing or out of range (ServiceError).
    The survey row is locked, so two answers sent at once write one."""
    now = now or timezone.now()
    if channel != AnswerChannel.WEB:
        raise ServiceError({"channel": _("Paper cards are keyed in by customer service.")})
    answer = checked_answer(
        attitude=attitude,
        skill=skill,
        punctuality=punctuality,
        promises=promises,
        suggestions=suggestions,
        other_needs=other_needs,
    )
    found = find_by_token(token)
    if found is None:
        raise SurveyNotFound(_("This survey link is not valid."))
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=found.pk)
        if survey.answered_at is not None:
            raise SurveyAnswered(_("This survey has already been answered. Thank you!"))
        if survey.expires_at <= now:
            raise SurveyExpired(_("This survey link has expired."))
        before = _audited(survey)
        _write_answer(survey, answer, channel=AnswerChannel.WEB, now=now)
        after = _audited(survey)
        record(
            survey, "followup.survey.answered", actor=None, before=before, after=after, note="web"
        )
    return survey


def key_in_survey(
    *,
    actor,
    survey: Survey,
    attitude,
    skill,
    punctuality,
    promises,
    suggestions: str = "",
    other_needs: str = "",
) -> Survey:
    """FUP-2: customer service keys in the paper card (right followup.key_in_survey). One
    answer per survey as on the web. The card counts even after the link's validity (the
    customer filled it in on paper) and before the link was sent (a card left at the visit);
    a card keyed in first means the link is never sent."""
    require_perm(actor, KEY_IN_SURVEYS)
    require_survey_reach(actor, survey)
    answer = checked_answer(
        attitude=attitude,
        skill=skill,
        punctuality=punctuality,
        promises=promises,
        suggestions=suggestions,
        other_needs=other_needs,
    )
    now = timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at is not None:
            raise SurveyAnswered(
                _("This survey was already answered (%(channel)s, %(when)s).")
                % {
                    "channel": locked.get_channel_display(),
                    "when": timezone.localtime(locked.answered_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        before = _audited(locked)
        _write_answer(locked, answer, channel=AnswerChannel.PAPER, now=now, keyed_by=actor)
        record(
            locked,
            "followup.survey.answered",
            actor=actor,
            before=before,
            after=_audited(locked),
            note="paper",
        )
    return locked


# --- FUP-3, SVC-6: the figures -----------------------------------------------------------------


def parse_month(text) -> dt.date:
    """ "2026-03" → 2026-03-01; a ServiceError on the field "month" otherwise."""
    value = str(text or "").strip()
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise ServiceError({"month": _("Write the month as YYYY-MM, e.g. 2026-03.")}) from None


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local month as [start, end) instants."""
    return _local_at(month, dt.time.min), _local_at(add_months(month, 1), dt.time.min)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _mean(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _summary(count: int, satisfied: int) -> dict:
    rate = _percent(satisfied, count)
    return {
        "count": count,
        "satisfied": satisfied,
        "rate": rate,
        "target": target_percent(),
        "met": None if rate is None else rate >= target_percent(),
    }


def _answered_in(queryset, month: dt.date):
    start, end = month_bounds(month)
    return queryset.filter(answered_at__gte=start, answered_at__lt=end)


def satisfaction(*, actor, month: dt.date, months: int = 12) -> dict:
    """FUP-3, SVC-6: the month's answered order surveys per technician (count, mean of each
    grade and of the score, satisfied count and rate), the month's overall satisfaction
    rate against AFTERSALES_SATISFACTION_TARGET, new-customer surveys (FUP-6) apart, and
    the trend of the ``months`` months up to this one. Within the actor's reach."""
    require_perm(actor, VIEW_SATISFACTION)
    visible = surveys_visible_to(actor)
    orders = visible.filter(kind=SurveyKind.ORDER)
    in_month = _answered_in(orders, month)
    rows = (
        in_month.values("technician")
        .annotate(
            count=Count("pk"),
            satisfied_count=Count("pk", filter=Q(satisfied=True)),
            score_mean=Avg("score"),
            **{f"{name}_mean": Avg(name) for name in RATING_FIELDS},
        )
        .order_by("technician")
    )
    from aftersales.accounts.models import User

    rows = list(rows)
    names = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in=[r["technician"] for r in rows if r["technician"]])
    }
    technicians = []
    for row in rows:
        summary = _summary(row["count"], row["satisfied_count"])
        technicians.append(
            {
                "technician": row["technician"],
                "name": names.get(row["technician"]) or _("(no technician)"),
                **summary,
                "score": _mean(row["score_mean"]),
                **{name: _mean(row[f"{name}_mean"]) for name in RATING_FIELDS},
            }
        )
    technicians.sort(key=lambda t: (t["rate"] is None, -(t["rate"] or 0), t["name"]))
    overall = in_month.aggregate(count=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True)))
    new_customers = _answered_in(visible.filter(kind=SurveyKind.NEW_CUSTOMER), month).aggregate(
        count=Count("pk"), satisfied=Count("pk", filter=Q(satisfied=True))
    )
    first = add_months(month, -(months - 1))
    start, _end = month_bounds(first)
    _start, end = month_bounds(month)
    counts: dict[dt.date, list[int]] = {add_months(first, i): [0, 0] for i in range(months)}
    for answered_at, satisfied in orders.filter(
        answered_at__gte=start, answered_at__lt=end
    ).values_list("answered_at", "satisfied"):
        key = timezone.localdate(answered_at).replace(day=1)
        if key in counts:
            counts[key][0] += 1
            counts[key][1] += 1 if satisfied else 0
    trend = [{"month": key, **_summary(count, sat)} for key, (count, sat) in sorted(counts.items())]
    sent = orders.filter(sent_at__gte=_start, sent_at__lt=end).count()
    return {
        "month": month,
        "target": target_percent(),
        "overall": {**_summary(overall["count"], overall["satisfied"]), "sent": sent},
        "new_customers": _summary(new_customers["count"], new_customers["satisfied"]),
        "technicians": technicians,
        "trend": trend,
    }
