"""Surveys under concurrency on PostgreSQL (FUP-2, SEC-4): real transactions in threads.
Skipped on SQLite, which serialises writers."""

import pytest
from django.db import connection

from aftersales.audit.models import AuditEntry
from aftersales.followup import surveys
from aftersales.followup.models import Survey
from tests.followup import survey_fixtures as fx
from tests.followup.survey_fixtures import BAD, GOOD
from tests.threads import run_together as _run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

outbox = fx.outbox


def test_fup_2_two_answers_at_once_write_one(completed_order, outbox):  # noqa: F811
    """Invariant: two answers sent at the same moment on one link — one is kept, the other
    is refused as already answered; one audit row."""
    survey = Survey.objects.get(order=completed_order)
    assert surveys.send_due_surveys(survey.send_at) == 1
    [token] = fx.tokens_in(outbox)
    results, errors = _run_together(
        [
            lambda: surveys.answer_survey(token=token, **GOOD),
            lambda: surveys.answer_survey(token=token, **BAD),
            lambda: surveys.answer_survey(token=token, **GOOD, suggestions="三"),
        ]
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert all(isinstance(e, surveys.SurveyAnswered) for e in errors if e is not None)
    assert sum(e is not None for e in errors) == 2
    fresh = Survey.objects.get(pk=survey.pk)
    assert fresh.score == winners[0].score
    assert AuditEntry.objects.filter(action="followup.survey.answered").count() == 1


def test_fup_2_two_sweeps_at_once_send_each_survey_once(completed_order, outbox):  # noqa: F811
    """Invariant: two workers sweeping at the same moment send the survey one SMS."""
    survey = Survey.objects.get(order=completed_order)
    results, errors = _run_together(
        [lambda: surveys.send_due_surveys(survey.send_at) for _i in range(3)]
    )
    assert errors == [None, None, None]
    assert sorted(results) == [0, 0, 1]
    assert len(outbox) == 1
    [token] = fx.tokens_in(outbox)
    assert surveys.find_by_token(token).pk == survey.pk
