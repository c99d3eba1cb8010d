"""FUP-2 in the browser, on a phone-sized screen: the customer opens the survey link from
the SMS, picks a grade for each of the four questions, writes a suggestion, sends, sees the
thank-you page; the survey is answered once, by the web.

Drives Debian's chromium through Playwright; skipped where it is not installed."""

import pytest

from aftersales.followup import surveys
from aftersales.followup.models import Survey
from tests.browser.conftest import CHROMIUM, page  # noqa: F401
from tests.followup import survey_fixtures as fx

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

outbox = fx.outbox


@pytest.fixture
def facts(transactional_db, django_db_serialized_rollback, completed_order, outbox):  # noqa: F811
    """Read before the browser starts (the ORM and Playwright's loop share the thread)."""
    survey = Survey.objects.get(order=completed_order)
    assert surveys.send_due_surveys(survey.send_at) == 1
    [token] = fx.tokens_in(outbox)
    return {"survey": survey.pk, "token": token, "order": completed_order.number}


def test_fup_2_the_customer_answers_the_survey_on_a_phone(live_server, facts, page):  # noqa: F811
    base = live_server.url
    page.goto(f"{base}/survey/{facts['token']}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert facts["order"] in page.locator("main").inner_text()
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Sending with a question left out shows what is missing; nothing is written.
    page.click("[data-testid=option-attitude-5]")
    with page.expect_navigation():
        page.click("[data-testid=survey-submit]")
    assert page.locator(".invalid-feedback").count() == 3
    assert page.locator("[data-testid=option-attitude-5]").is_visible()
    # The choice made is kept; the rest is picked now.
    assert page.locator("input[name=attitude][value='5']").is_checked()
    page.click("[data-testid=option-skill-5]")
    page.click("[data-testid=option-punctuality-3]")
    page.click("[data-testid=option-promises-4]")
    page.fill("textarea[name=suggestions]", "师傅很专业，就是来晚了一点")
    page.screenshot(path="/tmp/survey-phone.png", full_page=True)
    with page.expect_navigation():
        page.click("[data-testid=survey-submit]")
    assert page.locator("[data-testid=survey-thanks]").is_visible()
    survey = Survey.objects.get(pk=facts["survey"])
    assert survey.answered_at is not None and survey.channel == "web"
    assert (survey.attitude, survey.skill, survey.punctuality, survey.promises) == (5, 5, 3, 4)
    assert str(survey.score) == "4.25" and survey.satisfied is True
    assert survey.suggestions == "师傅很专业，就是来晚了一点"
    # The link again: already answered, thank you.
    page.goto(f"{base}/survey/{facts['token']}/")
    assert page.locator("[data-testid=survey-answered]").is_visible()
