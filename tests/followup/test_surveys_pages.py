"""Survey pages: the public answer page (FUP-2, SEC-4: once per token, expired, forged,
rate-limited) and the staff pages (list, detail, paper key-in, FUP-6 sending,
FUP-3/SVC-6 figures and their Excel export), each right checked."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.followup import surveys
from aftersales.followup.models import Survey, SurveyKind
from tests.followup import survey_fixtures as fx
from tests.followup.survey_fixtures import GOOD

pytestmark = pytest.mark.django_db

fresh_rate_limits, outbox, send_now, sent_survey = (
    fx.fresh_rate_limits,
    fx.outbox,
    fx.send_now,
    fx.sent_survey,
)


def _post_answer(client, token, **fields):
    data = {**GOOD, "suggestions": "", "other_needs": "", **fields}
    return client.post(f"/survey/{token}/", data, REMOTE_ADDR="10.1.1.1")


def _answered_count() -> int:
    return Survey.objects.filter(answered_at__isnull=False).count()


# --- the public page ------------------------------------------------------------------------


def test_fup_2_public_page_in_chinese_without_login(sent_survey, client):
    survey, token = sent_survey
    response = client.get(f"/survey/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html  # the site's language by default
    assert survey.order.number in html
    assert "郑师傅" in html  # the technician by family name only
    assert html.count('type="radio"') == 20  # four questions, five grades each
    assert "<script>" not in html  # CSP: no inline script
    assert response["Cache-Control"].startswith("max-age=0")


def test_fup_2_answer_on_the_page_then_a_second_is_refused(sent_survey, client):
    survey, token = sent_survey
    response = _post_answer(client, token, suggestions="很满意")
    assert response.status_code == 302 and response["Location"] == "/survey/thanks/"
    assert client.get("/survey/thanks/").status_code == 200
    survey.refresh_from_db()
    assert survey.channel == "web" and survey.suggestions == "很满意" and survey.satisfied
    answered_at = survey.answered_at
    again = _post_answer(client, token, attitude=1, suggestions="再来一次")
    assert again.status_code == 409
    assert b'data-testid="survey-answered"' in again.content
    survey.refresh_from_db()
    assert survey.answered_at == answered_at and survey.attitude == 5
    assert AuditEntry.objects.filter(action="followup.survey.answered").count() == 1
    # Opening the link again says it is answered.
    shown = client.get(f"/survey/{token}/")
    assert shown.status_code == 200 and b'data-testid="survey-answered"' in shown.content


def test_fup_2_missing_grade_is_shown_and_nothing_written(sent_survey, client):
    _survey, token = sent_survey
    response = client.post(
        f"/survey/{token}/", {"attitude": 5, "skill": 4, "punctuality": 9}, REMOTE_ADDR="10.1.1.2"
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"punctuality", "promises"}
    assert b"invalid-feedback" in response.content
    assert _answered_count() == 0


def test_sec_4_forged_token_is_a_friendly_404(sent_survey, client):
    _survey, token = sent_survey
    for bad in ("not-a-token", token[:-2], "A" * 200):
        response = client.get(f"/survey/{bad}/")
        assert response.status_code == 404
        assert b'data-testid="survey-not-found"' in response.content
    assert _post_answer(client, token[:-2]).status_code == 404
    assert _answered_count() == 0


def test_fup_2_expired_link_is_410_and_nothing_written(sent_survey, client):
    survey, token = sent_survey
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get(f"/survey/{token}/").status_code == 410
    response = _post_answer(client, token)
    assert response.status_code == 410
    assert b'data-testid="survey-expired"' in response.content
    assert _answered_count() == 0


def test_sec_4_the_public_page_is_rate_limited(sent_survey, client, settings):
    settings.AFTERSALES_SURVEY_RATE = "3/h"
    _survey, token = sent_survey
    for _i in range(3):
        assert client.get("/survey/guess-one/", REMOTE_ADDR="10.9.9.9").status_code == 404
    limited = client.get(f"/survey/{token}/", REMOTE_ADDR="10.9.9.9")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert b'data-testid="rate-limited"' in limited.content
    posted = client.post(f"/survey/{token}/", GOOD, REMOTE_ADDR="10.9.9.9")
    assert posted.status_code == 429
    assert _answered_count() == 0
    # Another address is not held up.
    assert client.get(f"/survey/{token}/", REMOTE_ADDR="10.9.9.10").status_code == 200


# --- staff pages ----------------------------------------------------------------------------


def test_fup_2_list_and_detail_for_customer_service(completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    agent = client_for(people["agent"])
    response = agent.get("/followup/surveys/")
    assert response.status_code == 200
    assert [s.pk for s in response.context["page_obj"]] == [survey.pk]
    assert agent.get("/followup/surveys/?state=answered").context["page_obj"].object_list == []
    assert len(agent.get("/followup/surveys/?state=not_sent").context["page_obj"]) == 1
    tech = people["technician"].pk
    assert len(agent.get(f"/followup/surveys/?technician={tech}").context["page_obj"]) == 1
    month = timezone.localtime(survey.send_at).strftime("%Y-%m")
    assert len(agent.get(f"/followup/surveys/?month={month}").context["page_obj"]) == 1
    assert agent.get("/followup/surveys/?month=2001-01").context["page_obj"].object_list == []
    detail = agent.get(f"/followup/surveys/{survey.pk}/")
    assert detail.status_code == 200 and detail.context["can_key_in"]
    assert survey.token_hash.encode() not in detail.content


def test_org_3_other_branch_sees_no_survey(completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    outsider = client_for(people["outsider"])
    assert outsider.get("/followup/surveys/").context["page_obj"].object_list == []
    assert outsider.get(f"/followup/surveys/{survey.pk}/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/followup/surveys/",
        "/followup/surveys/{pk}/",
        "/followup/surveys/{pk}/key-in/",
        "/followup/surveys/send/",
        "/followup/satisfaction/",
        "/followup/satisfaction/export/",
    ],
)
def test_pages_refuse_roles_without_the_right(url, completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    response = client_for(people["technician"]).get(url.format(pk=survey.pk))
    assert response.status_code == 403


def test_fup_2_key_in_page_needs_its_right(completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    # The branch manager sees surveys but does not key in cards.
    manager = client_for(people["branch_manager"])
    assert manager.get(f"/followup/surveys/{survey.pk}/").status_code == 200
    assert manager.post(f"/followup/surveys/{survey.pk}/key-in/", GOOD).status_code == 403
    assert _answered_count() == 0


def test_fup_2_agent_keys_in_the_paper_card_on_the_page(completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    agent = client_for(people["agent"])
    url = f"/followup/surveys/{survey.pk}/key-in/"
    assert agent.get(url).status_code == 200
    refused = agent.post(url, {"attitude": 5})
    assert refused.status_code == 400 and _answered_count() == 0
    done = agent.post(url, {**GOOD, "suggestions": "希望提前电话通知"})
    assert done.status_code == 302 and done["Location"] == f"/followup/surveys/{survey.pk}/"
    survey.refresh_from_db()
    assert survey.channel == "paper" and survey.keyed_by == people["agent"]
    detail = agent.get(done["Location"])
    assert detail.context["complaint_url"] == f"/complaints/new/?survey={survey.pk}"
    assert b"/complaints/new/?survey=" in detail.content
    # The page does not take a second card.
    assert agent.get(url).status_code == 302
    assert agent.post(url, GOOD).status_code == 302
    assert AuditEntry.objects.filter(action="followup.survey.answered").count() == 1


def test_fup_6_agent_sends_a_new_customer_survey_on_the_page(
    hz_customer, people, client_for, outbox
):
    agent = client_for(people["agent"])
    form = agent.get(f"/followup/surveys/send/?customer={hz_customer.pk}")
    assert form.context["form"].initial["customer_code"] == hz_customer.code
    assert agent.post("/followup/surveys/send/", {"customer_code": "NO-SUCH"}).status_code == 400
    done = agent.post("/followup/surveys/send/", {"customer_code": hz_customer.code})
    survey = Survey.objects.get(customer=hz_customer, kind=SurveyKind.NEW_CUSTOMER)
    assert done.status_code == 302 and done["Location"] == f"/followup/surveys/{survey.pk}/"
    again = agent.post("/followup/surveys/send/", {"customer_code": hz_customer.code})
    assert again.status_code == 400
    assert Survey.objects.filter(customer=hz_customer).count() == 1


def test_fup_3_svc_6_satisfaction_page_and_export(completed_order, people, client_for):
    survey = Survey.objects.get(order=completed_order)
    surveys.key_in_survey(actor=people["agent"], survey=survey, **GOOD)
    month = timezone.localtime(Survey.objects.get(pk=survey.pk).answered_at).strftime("%Y-%m")
    manager = client_for(people["company_manager"])
    page = manager.get(f"/followup/satisfaction/?month={month}")
    assert page.status_code == 200
    figures = page.context["figures"]
    assert figures["overall"]["count"] == 1 and figures["overall"]["met"] is True
    assert b'data-testid="target-state"' in page.content
    [row] = figures["technicians"]
    assert row["technician"] == people["technician"].pk
    assert manager.get("/followup/satisfaction/?month=2026-99").status_code == 400
    export = manager.get(f"/followup/satisfaction/export/?month={month}")
    assert export.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = list(sheet.values)
    assert values[1][0] == str(people["technician"]) and values[1][1] == 1
    assert values[1][3] == 100.0


def test_fup_6_the_customer_page_links_to_sending_the_survey(client_for, people, hz_customer):
    """FUP-6: from a customer's file the agent opens the send page with the customer filled in;
    a role without the right sees no link."""
    url = f"/followup/surveys/send/?customer={hz_customer.pk}"
    html = client_for(people["agent"]).get(f"/customers/{hz_customer.pk}/").content.decode()
    assert url in html
    page = client_for(people["agent"]).get(url)
    assert page.context["form"].initial["customer_code"] == hz_customer.code
    html = client_for(people["technician"]).get(f"/customers/{hz_customer.pk}/").content.decode()
    assert url not in html
