"""Satisfaction surveys, the services: made on completion, sent once the next day with an
unguessable link, answered once (web or paper card), FUP-6 new-customer surveys, and the
figures per technician per month against the 90 % target (FUP-2, FUP-3, FUP-6, SVC-6,
SEC-4)."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.customers.models import Customer
from aftersales.followup import surveys
from aftersales.followup.models import Survey, SurveyKind
from tests.followup import survey_fixtures as fx
from tests.followup.survey_fixtures import BAD, BASE_URL, GOOD, local, tokens_in

# The shared fixtures, by assignment (pytest finds them in the module).
fresh_rate_limits, outbox, send_now, sent_survey = (
    fx.fresh_rate_limits,
    fx.outbox,
    fx.send_now,
    fx.sent_survey,
)

pytestmark = pytest.mark.django_db


def _answers(survey) -> tuple:
    survey.refresh_from_db()
    return (
        survey.answered_at,
        survey.attitude,
        survey.skill,
        survey.punctuality,
        survey.promises,
        survey.score,
        survey.satisfied,
        survey.channel,
        survey.suggestions,
    )


def _answered_audits() -> int:
    return AuditEntry.objects.filter(action="followup.survey.answered").count()


# --- FUP-2: made on completion, sent the next day -------------------------------------------


def test_fup_2_completion_makes_one_survey_to_send_the_next_day_at_ten(completed_order, people):
    survey = Survey.objects.get(order=completed_order)
    assert survey.kind == SurveyKind.ORDER
    assert survey.customer_id == completed_order.customer_id
    assert survey.technician == people["technician"]
    assert survey.phone == completed_order.contact_phone
    next_day = timezone.localdate(completed_order.completed_at) + dt.timedelta(days=1)
    assert timezone.localtime(survey.send_at).date() == next_day
    assert timezone.localtime(survey.send_at).time() == dt.time(10, 0)
    assert survey.expires_at - survey.send_at == dt.timedelta(days=30)
    assert survey.sent_at is None and survey.answered_at is None
    assert len(survey.token_hash) == 64
    created = AuditEntry.objects.get(action="followup.survey.created")
    assert created.note == completed_order.number
    assert "token_hash" not in created.changes  # the audit trail never holds the key
    # A second call (e.g. a re-completion) leaves the one survey.
    surveys.on_order_completed(completed_order, people["technician"])
    assert Survey.objects.filter(order=completed_order).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(
            order=completed_order,
            customer=completed_order.customer,
            token_hash="0" * 64,
            send_at=survey.send_at,
            expires_at=survey.expires_at,
        )


@pytest.mark.parametrize(
    ("completed", "send_at"),
    [
        (local(2026, 3, 2, 23, 30), local(2026, 3, 3, 10, 0)),
        (local(2026, 3, 3, 0, 10), local(2026, 3, 4, 10, 0)),
        # 15:59 UTC is 23:59 in Shanghai: still the local 31 March.
        (dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC), local(2026, 4, 1, 10, 0)),
    ],
)
def test_fup_2_send_time_is_the_next_local_day_at_the_set_hour(
    completed_order, people, completed, send_at, settings
):
    settings.AFTERSALES_SURVEY_SEND_AT = "10:00"
    Survey.objects.filter(order=completed_order).delete()
    completed_order.completed_at = completed
    surveys.on_order_completed(completed_order, people["technician"])
    survey = Survey.objects.get(order=completed_order)
    assert survey.send_at == send_at
    assert survey.expires_at == send_at + dt.timedelta(days=30)


def test_fup_2_sec_4_the_job_sends_once_with_a_link_that_works(
    completed_order, outbox, hz_customer, django_capture_on_commit_callbacks, client
):
    hz_customer.email = "wang@example.cn"
    hz_customer.save()
    survey = Survey.objects.get(order=completed_order)
    made_hash = survey.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        # Not yet: a minute before the send time.
        assert surveys.send_due_surveys(survey.send_at - dt.timedelta(minutes=1)) == 0
        assert surveys.send_due_surveys(survey.send_at) == 1
        # Two more runs (another worker, the next minute): nothing more goes out.
        assert surveys.send_due_surveys(survey.send_at) == 0
        assert surveys.run(survey.send_at + dt.timedelta(minutes=1)) == {
            "sent": 0,
            "new_customers": 0,
        }
    assert len(outbox) == 1
    phone, text = outbox[0]
    assert phone == completed_order.contact_phone
    assert completed_order.number in text
    [token] = tokens_in(outbox)
    assert len(token) >= 32
    survey.refresh_from_db()
    assert survey.sent_at == survey.send_at
    # The stored hash is the sent token's, and not the one made at completion.
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert survey.token_hash != made_hash
    assert token not in str(list(AuditEntry.objects.values_list("changes", "note")))
    assert AuditEntry.objects.get(action="followup.survey.sent").note == "sms, email"
    # The e-mail carries the same link.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.cn"]
    assert f"{BASE_URL}/survey/{token}/" in mail.outbox[0].body
    # The link opens the survey.
    response = client.get(f"/survey/{token}/")
    assert response.status_code == 200
    assert response.context["survey"].pk == survey.pk


def test_fup_2_a_survey_without_phone_or_email_is_not_sent(completed_order, outbox):
    survey = Survey.objects.get(order=completed_order)
    Survey.objects.filter(pk=survey.pk).update(phone="")
    assert surveys.send_due_surveys(survey.send_at) == 0
    survey.refresh_from_db()
    assert survey.sent_at is None
    assert outbox == []


# --- FUP-2: answered once ------------------------------------------------------------------


def test_fup_2_the_customer_answers_once_through_the_link(sent_survey):
    survey, token = sent_survey
    answered = surveys.answer_survey(token=token, **GOOD, suggestions="师傅很专业")
    assert answered.channel == "web"
    assert answered.score == Decimal("4.75")
    assert answered.satisfied is True
    assert answered.keyed_by is None
    entry = AuditEntry.objects.get(action="followup.survey.answered")
    assert entry.actor is None and entry.note == "web"
    assert "token_hash" not in entry.changes
    first = _answers(survey)
    with pytest.raises(surveys.SurveyAnswered):
        surveys.answer_survey(token=token, **BAD, suggestions="改主意了")
    assert _answers(survey) == first
    assert _answered_audits() == 1


def test_fup_2_score_is_the_mean_and_satisfied_from_four(sent_survey):
    survey, token = sent_survey
    answered = surveys.answer_survey(token=token, attitude=4, skill=4, punctuality=4, promises=3)
    assert answered.score == Decimal("3.75")
    assert answered.satisfied is False


def test_fup_2_expired_link_is_refused_on_worked_dates(completed_order, people, send_now):
    """Completed 2 March 15:00 → sent 3 March 10:00 → valid until 2 April 10:00."""
    Survey.objects.filter(order=completed_order).delete()
    completed_order.completed_at = local(2026, 3, 2, 15, 0)
    surveys.on_order_completed(completed_order, people["technician"])
    survey = Survey.objects.get(order=completed_order)
    assert survey.expires_at == local(2026, 4, 2, 10, 0)
    token = send_now(survey)
    with pytest.raises(surveys.SurveyExpired):
        surveys.answer_survey(token=token, **GOOD, now=local(2026, 4, 2, 10, 0))
    with pytest.raises(surveys.SurveyExpired):
        surveys.answer_survey(token=token, **GOOD, now=local(2026, 4, 20, 8, 0))
    assert _answers(survey)[0] is None and _answered_audits() == 0
    # A minute before the end it still counts.
    surveys.answer_survey(token=token, **GOOD, now=local(2026, 4, 2, 9, 59))
    survey.refresh_from_db()
    assert survey.answered_at == local(2026, 4, 2, 9, 59)


def test_sec_4_forged_or_unsent_tokens_find_nothing(sent_survey, completed_order):
    survey, token = sent_survey
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in [forged, "", "x" * 500, token.upper() if token.upper() != token else token + "x"]:
        with pytest.raises(surveys.SurveyNotFound):
            surveys.answer_survey(token=bad, **GOOD)
    # The hash itself is not a token either.
    with pytest.raises(surveys.SurveyNotFound):
        surveys.answer_survey(token=survey.token_hash, **GOOD)
    assert _answers(survey)[0] is None and _answered_audits() == 0


def test_fup_2_bad_grades_are_refused_field_by_field(sent_survey):
    survey, token = sent_survey
    with pytest.raises(ServiceError) as refused:
        surveys.answer_survey(
            token=token, attitude=6, skill="", punctuality="abc", promises=0, suggestions="x" * 2001
        )
    assert set(refused.value.message_dict) == {
        "attitude",
        "skill",
        "punctuality",
        "promises",
        "suggestions",
    }
    with pytest.raises(ServiceError):
        surveys.answer_survey(token=token, **GOOD, channel="paper")
    assert _answers(survey)[0] is None and _answered_audits() == 0


# --- FUP-2: the paper card ------------------------------------------------------------------


def test_fup_2_agent_keys_in_the_paper_card_once(completed_order, people, outbox):
    survey = Survey.objects.get(order=completed_order)
    agent = people["agent"]
    keyed = surveys.key_in_survey(actor=agent, survey=survey, **BAD, suggestions="上门迟到两小时")
    assert keyed.channel == "paper" and keyed.keyed_by == agent
    assert keyed.score == Decimal("2.00") and keyed.satisfied is False
    entry = AuditEntry.objects.get(action="followup.survey.answered")
    assert entry.actor == agent and entry.note == "paper"
    first = _answers(survey)
    with pytest.raises(surveys.SurveyAnswered):
        surveys.key_in_survey(actor=agent, survey=survey, **GOOD)
    assert _answers(survey) == first
    # A card keyed in before the send time: the link is never sent.
    assert surveys.send_due_surveys(survey.send_at) == 0
    assert outbox == []


def test_fup_2_key_in_needs_the_right(completed_order, people):
    survey = Survey.objects.get(order=completed_order)
    for persona in ("technician", "branch_manager", "company_manager"):
        with pytest.raises(PermissionDenied):
            surveys.key_in_survey(actor=people[persona], survey=survey, **GOOD)
    assert _answers(survey)[0] is None


def test_org_3_surveys_in_reach(completed_order, people):
    survey = Survey.objects.get(order=completed_order)
    assert surveys.surveys_visible_to(people["branch_manager"]).filter(pk=survey.pk).exists()
    assert surveys.surveys_visible_to(people["agent"]).filter(pk=survey.pk).exists()
    assert not surveys.surveys_visible_to(people["outsider"]).filter(pk=survey.pk).exists()


# --- FUP-6: new customers -------------------------------------------------------------------


def _registered(customer, when):
    Customer.objects.filter(pk=customer.pk).update(created_at=when)


def test_fup_6_a_new_customer_gets_a_survey_thirty_days_after_registration(
    hz_customer, outbox, settings, django_capture_on_commit_callbacks
):
    settings.AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS = 30
    _registered(hz_customer, local(2026, 3, 1, 16, 0))
    with django_capture_on_commit_callbacks(execute=True):
        # 30 days later, before the send time: not yet; from 10:00 on: once.
        assert surveys.send_new_customer_surveys(local(2026, 3, 31, 9, 59)) == 0
        assert surveys.run(local(2026, 3, 31, 10, 0))["new_customers"] == 1
        assert surveys.send_new_customer_surveys(local(2026, 3, 31, 10, 1)) == 0
        assert surveys.send_new_customer_surveys(local(2026, 4, 2, 10, 0)) == 0
    survey = Survey.objects.get(customer=hz_customer)
    assert survey.kind == SurveyKind.NEW_CUSTOMER
    assert survey.order is None and survey.technician is None
    assert survey.sent_at == local(2026, 3, 31, 10, 0)
    assert survey.expires_at == local(2026, 4, 30, 10, 0)
    [token] = tokens_in(outbox)
    assert outbox[0][0] == hz_customer.phone
    surveys.answer_survey(token=token, **GOOD, now=local(2026, 4, 1, 12, 0))


def test_fup_6_old_customers_and_the_switch_off_get_none(hz_customer, outbox, settings):
    settings.AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS = 30
    _registered(hz_customer, local(2025, 1, 1, 9, 0))
    assert surveys.send_new_customer_surveys(local(2026, 3, 31, 12, 0)) == 0
    _registered(hz_customer, local(2026, 3, 1, 9, 0))
    settings.AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS = 0
    assert surveys.send_new_customer_surveys(local(2026, 3, 31, 12, 0)) == 0
    assert not Survey.objects.exists()


def test_fup_6_an_agent_sends_it_now_once(hz_customer, people, outbox):
    survey = surveys.send_new_customer_survey(actor=people["agent"], customer=hz_customer)
    assert survey.kind == SurveyKind.NEW_CUSTOMER and survey.sent_at is not None
    assert AuditEntry.objects.get(action="followup.survey.sent").actor == people["agent"]
    with pytest.raises(ServiceError):
        surveys.send_new_customer_survey(actor=people["agent"], customer=hz_customer)
    with pytest.raises(PermissionDenied):
        surveys.send_new_customer_survey(actor=people["technician"], customer=hz_customer)
    assert Survey.objects.filter(customer=hz_customer).count() == 1


# --- FUP-3, SVC-6: the figures --------------------------------------------------------------


def _answered(order_survey_factory, technician, grades, answered_at, agent):
    survey = order_survey_factory(technician)
    surveys.key_in_survey(
        actor=agent,
        survey=survey,
        **dict(zip(["attitude", "skill", "punctuality", "promises"], grades, strict=True)),
    )
    Survey.objects.filter(pk=survey.pk).update(answered_at=answered_at)
    return survey


@pytest.fixture
def order_survey(hz_customer):
    """order_survey(technician) → an unanswered survey (as if made on completion)."""
    made = []

    def make(technician):
        token, token_hash = surveys.new_token()
        made.append(token)
        send_at = local(2026, 2, 1, 10, 0)
        return Survey.objects.create(
            customer=hz_customer,
            kind=SurveyKind.NEW_CUSTOMER,  # no order needed for the figures' arithmetic
            technician=technician,
            token_hash=token_hash,
            send_at=send_at,
            expires_at=send_at + dt.timedelta(days=30),
        )

    return make


def test_fup_3_svc_6_figures_per_technician_and_the_target(order_survey, people, settings):
    settings.AFTERSALES_SATISFACTION_TARGET = 90
    agent, zheng, he = people["agent"], people["technician"], people["service_centre"]
    march = local(2026, 3, 15, 12, 0)
    rows = [
        (zheng, (5, 5, 5, 5), march),  # 5.00 satisfied
        (zheng, (4, 4, 4, 3), march),  # 3.75 not satisfied
        (zheng, (4, 4, 4, 4), local(2026, 3, 31, 23, 59)),  # 4.00 satisfied (last minute)
        (he, (5, 4, 5, 4), local(2026, 3, 1, 0, 0)),  # 4.50 satisfied (first minute)
        (he, (1, 1, 1, 1), local(2026, 4, 1, 0, 0)),  # April: not in March
        (he, (1, 1, 1, 1), local(2026, 2, 28, 23, 59)),  # February
    ]
    for technician, grades, when in rows:
        _answered(order_survey, technician, grades, when, agent)
    Survey.objects.update(kind=SurveyKind.ORDER)
    figures = surveys.satisfaction(actor=people["company_manager"], month=dt.date(2026, 3, 1))
    by_name = {t["name"]: t for t in figures["technicians"]}
    z, h = by_name[str(zheng)], by_name[str(he)]
    assert (z["count"], z["satisfied"], z["rate"]) == (3, 2, Decimal("66.7"))
    assert z["attitude"] == Decimal("4.33") and z["promises"] == Decimal("4.00")
    assert z["score"] == Decimal("4.25") and z["met"] is False
    assert (h["count"], h["satisfied"], h["rate"], h["met"]) == (1, 1, Decimal("100.0"), True)
    assert h["skill"] == Decimal("4.00")
    overall = figures["overall"]
    assert (overall["count"], overall["satisfied"], overall["rate"]) == (4, 3, Decimal("75.0"))
    assert overall["met"] is False and overall["target"] == 90
    trend = {row["month"]: row for row in figures["trend"]}
    assert len(figures["trend"]) == 12
    assert trend[dt.date(2026, 2, 1)]["count"] == 1
    assert trend[dt.date(2026, 2, 1)]["rate"] == Decimal("0.0")
    assert trend[dt.date(2026, 3, 1)]["rate"] == Decimal("75.0")
    assert dt.date(2026, 4, 1) not in trend
    assert trend[dt.date(2025, 4, 1)]["met"] is None  # no answers: neither met nor missed


def test_svc_6_ninety_percent_is_met(order_survey, people):
    agent, zheng = people["agent"], people["technician"]
    when = local(2026, 5, 10, 9, 0)
    for _i in range(9):
        _answered(order_survey, zheng, (5, 4, 4, 4), when, agent)
    _answered(order_survey, zheng, (3, 3, 3, 3), when, agent)
    Survey.objects.update(kind=SurveyKind.ORDER)
    figures = surveys.satisfaction(actor=people["agent"], month=dt.date(2026, 5, 1))
    assert figures["overall"]["rate"] == Decimal("90.0")
    assert figures["overall"]["met"] is True
    # New-customer surveys are counted apart.
    Survey.objects.update(kind=SurveyKind.NEW_CUSTOMER)
    figures = surveys.satisfaction(actor=people["agent"], month=dt.date(2026, 5, 1))
    assert figures["overall"]["count"] == 0 and figures["overall"]["met"] is None
    assert figures["new_customers"]["count"] == 10


def test_fup_3_figures_need_the_right_and_keep_to_reach(order_survey, people):
    with pytest.raises(PermissionDenied):
        surveys.satisfaction(actor=people["technician"], month=dt.date(2026, 3, 1))
    with pytest.raises(ServiceError):
        surveys.parse_month("2026-13")
    assert surveys.parse_month("2026-03") == dt.date(2026, 3, 1)
    _answered(
        order_survey, people["technician"], (5, 5, 5, 5), local(2026, 3, 2, 9, 0), people["agent"]
    )
    # Hangzhou's customer, no order: the Nanjing manager does not see it.
    figures = surveys.satisfaction(actor=people["outsider"], month=dt.date(2026, 3, 1))
    assert figures["new_customers"]["count"] == 0
    figures = surveys.satisfaction(actor=people["branch_manager"], month=dt.date(2026, 3, 1))
    assert figures["new_customers"]["count"] == 1
