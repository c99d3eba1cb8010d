"""The order page's "after the service" card: the return visit (FUP-1) and survey (FUP-2) of
a completed order, shown to customer service and hidden from a role without the rights."""

import pytest

pytestmark = pytest.mark.django_db


def test_fup_1_fup_2_order_page_shows_the_visit_and_survey_to_customer_service(
    client_for, people, completed_order
):
    order = completed_order
    html = client_for(people["agent"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="aftercare-card"' in html
    assert f"/followup/return-visits/{order.return_visits.get().pk}/" in html
    assert f"/followup/surveys/{order.surveys.get().pk}/" in html


def test_fup_1_the_card_is_not_shown_without_the_rights(client_for, people, completed_order):
    html = client_for(people["technician"]).get(f"/orders/{completed_order.pk}/").content.decode()
    assert "aftercare-visit" not in html and "aftercare-survey" not in html
