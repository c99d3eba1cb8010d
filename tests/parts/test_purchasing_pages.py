# ruff: noqa: F811 — the fixtures imported from the test modules are used as arguments
"""Pages and API of purchase inquiries (PRT-7): the list (open first), asking from the order,
purchasing's answer and the asker's withdrawal; 403 for roles without the right and for
someone else's inquiry; refused input shown with 400 and nothing written."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.parts import purchasing
from aftersales.parts.models import InquiryStatus, PurchaseInquiry
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    make_order,
    new_order,
    working_order,
)
from tests.parts.test_purchasing import bracket, buyer  # noqa: F401

pytestmark = pytest.mark.django_db


def _ask(people, actor="technician", **fields):
    return purchasing.ask_purchasing(actor=people[actor], **{"quantity": 1, **fields})


def test_prt_7_asking_from_the_order_with_the_part_prefilled(
    client_for, working_order, people, bracket, buyer
):
    c = client_for(people["technician"])
    resp = c.get(reverse("parts:inquiry_create"), {"order": working_order.pk, "part": bracket.pk})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'value="ZJ-01 固定支架"' in html
    assert working_order.number in html
    resp = c.post(
        reverse("parts:inquiry_create"),
        {"order": working_order.pk, "part": "ZJ-01", "quantity": "3"},
    )
    inquiry = PurchaseInquiry.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/parts/inquiries/{inquiry.pk}/"
    assert (inquiry.order, inquiry.part, inquiry.quantity) == (working_order, bracket, 3)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"part": "YSJ-35"}, "is an assembly"),
        ({"part": "XX-404"}, "No part has this part no. or name"),
        ({"part": ""}, "Choose a catalogue part or describe"),
        ({"quantity": "0"}, "greater than or equal to 1"),
        ({"quantity": "abc"}, "Enter a whole number"),
    ],
)
def test_prt_7_bad_input_on_the_ask_page_is_400_and_nothing_written(
    data, shown, client_for, people, bracket
):
    resp = client_for(people["keeper"]).post(
        reverse("parts:inquiry_create"), {"part": "ZJ-01", "quantity": "1", **data}
    )
    assert resp.status_code == 400 and shown in resp.content.decode()
    assert PurchaseInquiry.objects.count() == 0


def test_prt_7_purchasing_answers_on_the_page(client_for, people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    c = client_for(buyer)
    html = c.get(reverse("parts:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert 'data-testid="answer-form"' in html and 'data-testid="withdraw-form"' not in html
    url = reverse("parts:inquiry_answer", args=[inquiry.pk])
    resp = c.post(url, {"can_buy": "yes", "answer": "可以", "supplier": ""})
    assert resp.status_code == 400 and "Name the supplier" in resp.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    resp = c.post(
        url,
        {
            "can_buy": "yes",
            "answer": "可以",
            "supplier": "宁波五金",
            "unit_cost": "9.90",
            "expected_on": day,
        },
    )
    assert resp.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.supplier == "宁波五金"
    html = client_for(people["technician"]).get(resp["Location"]).content.decode()
    assert "宁波五金" in html and "can be bought" in html


def test_prt_7_the_asker_withdraws_on_the_page(client_for, people, bracket):
    inquiry = _ask(people, part=bracket)
    c = client_for(people["technician"])
    html = c.get(reverse("parts:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert 'data-testid="withdraw-form"' in html and 'data-testid="answer-form"' not in html
    url = reverse("parts:inquiry_withdraw", args=[inquiry.pk])
    resp = c.post(url, {"reason": ""})
    assert resp.status_code == 400 and "Say why the inquiry is withdrawn" in resp.content.decode()
    assert c.post(url, {"reason": "找到了"}).status_code == 302
    html = c.get(reverse("parts:inquiry_detail", args=[inquiry.pk])).content.decode()
    assert "找到了" in html


def test_prt_7_the_list_shows_open_first_and_filters_by_status(client_for, people, bracket, buyer):
    answered = _ask(people, part=bracket)
    purchasing.answer_inquiry(actor=buyer, inquiry=answered, can_buy=False, answer="停产")
    waiting = _ask(people, description="M8 螺栓")
    c = client_for(buyer)
    html = c.get(reverse("parts:inquiry_list")).content.decode()
    assert html.index(waiting.number) < html.index(answered.number)  # open first
    html = c.get(reverse("parts:inquiry_list"), {"status": "answered"}).content.decode()
    assert answered.number in html and waiting.number not in html


def test_prt_7_403_for_the_salesperson_and_for_someone_elses_inquiry(
    client_for, people, bracket, buyer
):
    inquiry = _ask(people, actor="keeper", part=bracket)
    sales = client_for(people["salesperson"])
    resp = sales.get(reverse("parts:inquiry_list"))
    assert resp.status_code == 403 and "view_purchaseinquiry" in resp.content.decode()
    resp = sales.get(reverse("parts:inquiry_create"))
    assert resp.status_code == 403 and "add_purchaseinquiry" in resp.content.decode()
    assert sales.get(reverse("parts:inquiry_detail", args=[inquiry.pk])).status_code == 403
    # the technician may not read, answer or withdraw the keeper's own inquiry
    tech = client_for(people["technician"])
    assert tech.get(reverse("parts:inquiry_detail", args=[inquiry.pk])).status_code == 403
    url = reverse("parts:inquiry_answer", args=[inquiry.pk])
    assert tech.post(url, {"can_buy": "no", "answer": "x"}).status_code == 403
    url = reverse("parts:inquiry_withdraw", args=[inquiry.pk])
    assert tech.post(url, {"reason": "x"}).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
    assert tech.get(reverse("parts:inquiry_detail", args=[999999])).status_code == 404


def test_org_3_an_order_of_another_branch_is_403_on_the_ask_page(client_for, working_order, people):
    from django.contrib.auth.models import Group

    people["outsider"].groups.add(Group.objects.get(name="technician"))
    resp = client_for(people["outsider"]).get(
        reverse("parts:inquiry_create"), {"order": working_order.pk}
    )
    assert resp.status_code == 403 and "outside your reach" in resp.content.decode()


# --- API ---------------------------------------------------------------------------------------


def test_prt_7_api_ask_answer_and_list(api_for, working_order, people, bracket, buyer):
    api = api_for(people["technician"])
    resp = api.post(
        "/api/purchase-inquiries/",
        {"part": bracket.pk, "quantity": 4, "order": working_order.pk},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    assert resp.json()["number"].startswith("XJ") and resp.json()["status"] == "open"
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    resp = api_for(buyer).post(
        f"/api/purchase-inquiries/{pk}/answer/",
        {
            "can_buy": True,
            "answer": "有货",
            "supplier": "宁波五金",
            "unit_cost": "3.20",
            "expected_on": day,
        },
        format="json",
    )
    assert resp.status_code == 200 and resp.json()["unit_cost"] == "3.20"
    listed = api.get("/api/purchase-inquiries/", {"status": "answered"}).json()["results"]
    assert [i["id"] for i in listed] == [pk]


def test_prt_7_api_refuses_an_assembly_and_bad_answers_writing_nothing(
    api_for, people, catalogue, bracket, buyer
):
    api = api_for(people["keeper"])
    resp = api.post(
        "/api/purchase-inquiries/",
        {"part": catalogue["parts"]["compressor"].pk, "quantity": 1},
        format="json",
    )
    assert resp.status_code == 400 and "is an assembly" in str(resp.json()["part"])
    resp = api.post("/api/purchase-inquiries/", {"part": bracket.pk, "quantity": 0}, format="json")
    assert resp.status_code == 400 and "quantity" in resp.json()
    assert PurchaseInquiry.objects.count() == 0
    inquiry = _ask(people, actor="keeper", part=bracket)
    resp = api_for(buyer).post(
        f"/api/purchase-inquiries/{inquiry.pk}/answer/",
        {"can_buy": True, "answer": "可以"},
        format="json",
    )
    assert resp.status_code == 400 and {"supplier", "expected_on"} <= set(resp.json())
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN


def test_prt_7_api_403_without_the_right(api_for, people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    sales = api_for(people["salesperson"])
    resp = sales.get("/api/purchase-inquiries/")
    assert resp.status_code == 403 and "view_purchaseinquiry" in str(resp.json())
    resp = api_for(people["keeper"]).post(
        f"/api/purchase-inquiries/{inquiry.pk}/answer/",
        {"can_buy": False, "answer": "x"},
        format="json",
    )
    assert resp.status_code == 403 and "answer_purchaseinquiry" in str(resp.json())
    resp = api_for(people["keeper"]).post(
        f"/api/purchase-inquiries/{inquiry.pk}/withdraw/", {"reason": "x"}, format="json"
    )
    assert resp.status_code == 403  # someone else's inquiry
    resp = api_for(people["technician"]).post(
        f"/api/purchase-inquiries/{inquiry.pk}/withdraw/", {"reason": "不要了"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"


def test_prt_7_every_inquiry_action_is_in_the_schema(client_for, people):
    text = client_for(people["keeper"]).get("/api/schema/").content.decode()
    for path in (
        "/api/purchase-inquiries/:",
        "/api/purchase-inquiries/{id}/:",
        "/api/purchase-inquiries/{id}/answer/:",
        "/api/purchase-inquiries/{id}/withdraw/:",
    ):
        assert path in text
