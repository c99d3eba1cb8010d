"""The public web repair form, its status page, the QR label and the agents' intake queue
(REQ-1, REQ-4): spam protection, privacy, acceptance into orders, rights."""

import datetime
import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.service import public, services
from aftersales.service.models import ServiceOrder, WebRequest, WebRequestStatus
from tests.service.conftest import dispatched

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counts live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visitor():
    """Someone on the public site, not logged in, reading English."""
    return Client(headers={"accept-language": "en"})


def aged_token(seconds: float = 60) -> str:
    """The form's timing token as handed out ``seconds`` ago."""
    return signing.dumps({"t": int(time.time() - seconds)}, salt=public.TOKEN_SALT)


def form_data(**overrides) -> dict:
    data = {
        "name": "李女士",
        "phone": "138 1234 5678",
        "address": "杭州市上城区解放路 10 号",
        "product_text": "空气能热水器",
        "serial_number": "",
        "order_type": "repair",
        "description": "热水器不制热，显示 E3 故障码",
        public.TOKEN_FIELD: aged_token(),
        public.HONEYPOT_FIELD: "",
    }
    return {**data, **overrides}


def submitted(web_request_count: int = 1) -> list[WebRequest]:
    requests = list(WebRequest.objects.order_by("pk"))
    assert len(requests) == web_request_count
    return requests


def web_request(**overrides) -> WebRequest:
    fields = {
        "name": "李女士",
        "phone": "13812345678",
        "description": "热水器不制热",
        "client_ip": "198.51.100.4",
    }
    return services.submit_web_request(**{**fields, **overrides})


def backdate(req: WebRequest, hours: float) -> WebRequest:
    WebRequest.objects.filter(pk=req.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )
    req.refresh_from_db()
    return req


def shanghai(y, m, d, hh=0, mm=0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def clock(monkeypatch):
    """clock(moment) freezes ``timezone.now()`` there: REQ-4 counts working hours, so the
    time of day and the day of the week matter."""

    def set_to(moment: datetime.datetime) -> datetime.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


# The public form (REQ-1) ---------------------------------------------------------------


def test_req_1_the_web_form_submits_and_gives_a_request_number(visitor):
    # given the public form, opened without logging in
    page = visitor.get("/repair/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="{public.TOKEN_FIELD}"' in html and f'name="{public.HONEYPOT_FIELD}"' in html
    assert "bi-list" not in html and "sidebar" not in html  # no staff menu
    # when it is filled in and sent
    resp = visitor.post("/repair/", form_data(), follow=True)
    # then the request is stored, numbered, and the thank-you page shows the number
    (req,) = submitted()
    assert re.fullmatch(r"WR-\d{8}-\d{4}", req.number)
    assert req.status == WebRequestStatus.NEW
    assert req.phone == "13812345678" and req.name == "李女士" and not req.via_qr
    assert req.client_ip == "127.0.0.1"
    assert resp.status_code == 200
    thanks = resp.content.decode()
    assert req.number in thanks and 'data-testid="thanks"' in thanks
    assert f"/repair/status/?number={req.number}" in thanks
    # and the submission is in the audit trail
    actions = AuditEntry.objects.for_object(req).values_list("action", flat=True)
    assert list(actions) == ["service.web_request.submitted"]


def test_req_1_bad_input_shows_form_errors_and_writes_nothing(visitor):
    cases = [
        {"phone": "12345"},
        {"description": "   "},
        {"name": ""},
        {"name": "x" * 101},
        {"order_type": "teleport"},
        {"description": "y" * 2001},
    ]
    for overrides in cases:
        resp = visitor.post("/repair/", form_data(**overrides))
        assert resp.status_code == 200, overrides
        assert resp.context["form"].errors, overrides
    assert not WebRequest.objects.exists()


def test_req_1_qr_code_prefills_the_serial_and_only_the_model_name(visitor, hz_unit):
    # given a unit with its QR label, when the code is scanned (lower case as typed by hand)
    page = visitor.get("/repair/?sn=krf35-0001")
    # then the serial and the model's name are filled in, and nothing else about the unit
    form = page.context["form"]
    assert form.initial == {"serial_number": "KRF35-0001", "product_text": "空气能热水器"}
    html = page.content.decode()
    assert 'data-testid="qr-note"' in html
    for private in ["杭州西湖宾馆", "北山街", "0571-87001234", "C-HZ-001"]:
        assert private not in html
    # when sent from that page, the request remembers it came from the QR code
    visitor.post("/repair/?sn=KRF35-0001", form_data(serial_number="KRF35-0001"))
    (req,) = submitted()
    assert req.via_qr and req.serial_number == "KRF35-0001"


def test_req_1_an_unknown_serial_is_prefilled_without_a_product(visitor, hz_unit):
    page = visitor.get("/repair/?sn=NO-SUCH-1")
    assert page.context["form"].initial == {"serial_number": "NO-SUCH-1"}
    assert page.context["via_qr"] is True
    assert "空气能热水器" not in page.content.decode()


def test_req_1_the_honeypot_looks_like_success_but_stores_nothing(visitor):
    # when a robot fills the hidden field
    data = form_data(**{public.HONEYPOT_FIELD: "http://spam"})
    resp = visitor.post("/repair/", data, follow=True)
    # then it sees the usual thank-you page, and nothing is stored or audited
    assert resp.status_code == 200
    assert 'data-testid="thanks"' in resp.content.decode()
    assert re.search(r"WR-\d{8}-\d{4}", resp.content.decode())
    assert not WebRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="service.web_request.submitted").exists()


def test_req_1_a_form_sent_too_fast_is_refused_kindly_and_its_token_kept(visitor):
    # when the form comes back a moment after it was handed out
    token = public.form_token()
    resp = visitor.post("/repair/", form_data(**{public.TOKEN_FIELD: token}))
    # then it is refused with a kind word, the data kept, nothing stored
    assert resp.status_code == 200
    assert "quicker than we expected" in resp.content.decode()
    assert resp.context["form"]["name"].value() == "李女士"
    assert not WebRequest.objects.exists()
    # and the same token is handed back, so sending again later goes through
    assert resp.context["token"] == token
    with override_settings(AFTERSALES_PUBLIC_MIN_FILL_SECONDS=0):
        visitor.post("/repair/", form_data(**{public.TOKEN_FIELD: token}))
    submitted()


def test_req_1_a_forged_or_missing_token_is_refused_and_replaced(visitor):
    for token in ["", "forged", aged_token(3 * 24 * 3600)]:
        resp = visitor.post("/repair/", form_data(**{public.TOKEN_FIELD: token}))
        assert resp.status_code == 200
        assert "send it again" in resp.content.decode()
        assert public.token_age(resp.context["token"]) is not None  # a fresh, valid one
    assert not WebRequest.objects.exists()


@override_settings(AFTERSALES_PUBLIC_RATE="2/h")
def test_req_1_the_form_is_rate_limited_per_address(visitor):
    # given two requests sent from one address
    for _ in range(2):
        assert visitor.post("/repair/", form_data()).status_code == 302
    # when a third comes within the hour
    resp = visitor.post("/repair/", form_data())
    # then it gets a plain 429 page and is not stored
    assert resp.status_code == 429
    assert 'data-testid="rate-limited"' in resp.content.decode()
    assert int(resp["Retry-After"]) > 0
    submitted(2)
    # and another address is not affected
    other = Client(headers={"accept-language": "en"}, REMOTE_ADDR="192.0.2.9")
    assert other.post("/repair/", form_data()).status_code == 302


@override_settings(AFTERSALES_PUBLIC_RATE="2/h")
def test_req_1_form_errors_do_not_use_up_the_limit(visitor):
    for _ in range(4):
        visitor.post("/repair/", form_data(phone="bad"))
    assert visitor.post("/repair/", form_data()).status_code == 302


def test_req_1_the_client_address_is_remote_addr_unless_the_proxy_is_trusted(visitor):
    visitor.post("/repair/", form_data(), HTTP_X_FORWARDED_FOR="203.0.113.1")
    with override_settings(AFTERSALES_TRUST_X_FORWARDED_FOR=True):
        visitor.post("/repair/", form_data(), HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.2")
    first, second = submitted(2)
    assert first.client_ip == "127.0.0.1"
    assert second.client_ip == "198.51.100.2"


def test_req_1_xss_looking_input_is_stored_as_text_and_shown_escaped(visitor, client_for, people):
    script = "<script>alert(1)</script>"
    visitor.post("/repair/", form_data(name=f"{script}王", description=f"坏了 {script}"))
    (req,) = submitted()
    assert req.description == f"坏了 {script}"
    for url in ["/orders/requests/", f"/orders/requests/{req.pk}/"]:
        html = client_for(people["agent"]).get(url).content.decode()
        assert script not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# The status page ---------------------------------------------------------------------


def test_req_1_status_by_request_number_and_phone(visitor):
    req = web_request()
    resp = visitor.post("/repair/status/", {"number": req.number.lower(), "phone": "138-1234-5678"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="status-result"' in html and req.number in html
    assert "We received your request" in html
    assert "Our service staff will look at it soon" in html


def test_req_1_a_wrong_phone_and_an_unknown_number_look_the_same(visitor):
    req = web_request()
    wrong_phone = visitor.post("/repair/status/", {"number": req.number, "phone": "13900000000"})
    unknown = visitor.post("/repair/status/", {"number": "WR-20990101-0001", "phone": req.phone})
    bad_phone = visitor.post("/repair/status/", {"number": req.number, "phone": "abc"})
    for resp in (wrong_phone, unknown, bad_phone):
        assert resp.status_code == 200
        html = resp.content.decode()
        assert 'data-testid="not-found"' in html and 'data-testid="status-result"' not in html
        assert "李女士" not in html


def test_req_1_status_by_order_number_and_phone_shows_technician_and_appointment(
    visitor, people, new_order
):
    # given an order dispatched to the Hangzhou technician 郑伟 with an appointment
    order = dispatched(new_order(), people)
    appointment = timezone.now() + datetime.timedelta(days=1)
    ServiceOrder.objects.filter(pk=order.pk).update(appointment_at=appointment)
    # when the customer looks it up with the order number and the customer's phone
    resp = visitor.post("/repair/status/", {"number": order.number, "phone": "057187001234"})
    # then the progress says who comes, by family name only, and when
    html = resp.content.decode()
    assert 'data-testid="status-result"' in html
    assert "郑师傅 will contact you." in html
    assert "郑伟" not in html
    assert timezone.localtime(appointment).strftime("%Y-%m-%d %H:%M") in html
    assert resp.context["facts"]["kind"] == "order"
    # and with a wrong phone it is not found
    resp = visitor.post("/repair/status/", {"number": order.number, "phone": "13900000000"})
    assert 'data-testid="not-found"' in resp.content.decode()


def test_req_1_status_follows_an_accepted_request_to_completion(
    visitor, people, hz_customer, hz_unit
):
    req = web_request()
    order = services.accept_web_request(
        actor=people["agent"], request_obj=req, customer=hz_customer, unit=hz_unit
    )
    facts = services.web_request_status(req.number, req.phone)
    assert facts["order_number"] == order.number and not facts["dispatched"]
    html = visitor.post("/repair/status/", {"number": req.number, "phone": req.phone})
    assert f"Accepted as service order {order.number}" in html.content.decode()


def test_req_1_a_rejected_request_says_so_without_the_internal_reason(visitor, people):
    req = web_request()
    services.reject_web_request(actor=people["agent"], request_obj=req, reason="内部：广告")
    html = visitor.post("/repair/status/", {"number": req.number, "phone": req.phone})
    html = html.content.decode()
    assert "could not take it up" in html and "内部：广告" not in html


@override_settings(AFTERSALES_STATUS_RATE="3/h")
def test_req_1_status_lookups_are_rate_limited(visitor):
    req = web_request()
    for _ in range(3):
        visitor.post("/repair/status/", {"number": "WR-20990101-0001", "phone": req.phone})
    # the fourth lookup within the hour is refused, even with the right number
    resp = visitor.post("/repair/status/", {"number": req.number, "phone": req.phone})
    assert resp.status_code == 429
    assert 'data-testid="status-result"' not in resp.content.decode()


def test_req_1_status_page_prefills_the_number_from_the_thank_you_link(visitor):
    resp = visitor.get("/repair/status/?number=WR-20260101-0001")
    assert resp.context["form"].initial == {"number": "WR-20260101-0001"}


# The intake queue (REQ-4) ----------------------------------------------------------------


def test_req_4_the_queue_shows_new_requests_oldest_first_with_age_and_overdue(
    client_for, people, clock
):
    # given it is Wednesday 16:00 (all the waits below are working time)
    clock(shanghai(2026, 3, 18, 16))
    # given a request sent 40 minutes ago and one sent 6 h 20 min ago, and one already handled
    recent = backdate(web_request(name="新请求"), 40 / 60)
    old = backdate(web_request(name="老请求", phone="13900001111"), 6 + 20 / 60)
    handled = web_request(name="已处理")
    services.reject_web_request(actor=people["agent"], request_obj=handled, reason="重复")
    # when the agent opens the queue
    resp = client_for(people["agent"]).get("/orders/requests/")
    # then the new ones are listed oldest first, with their age; the old one is overdue
    assert resp.status_code == 200
    rows = list(resp.context["page_obj"])
    assert [r.pk for r in rows] == [old.pk, recent.pk]
    assert rows[0].overdue and not rows[1].overdue
    assert rows[0].age_text == "6 h 20 min" and rows[1].age_text == "40 min"
    html = resp.content.decode()
    assert html.count('data-testid="overdue"') == 1
    assert 'class="table-danger"' in html
    assert resp.context["waiting_count"] == 2 and resp.context["overdue_count"] == 1
    # and the filter shows the handled ones too
    resp = client_for(people["agent"]).get("/orders/requests/?status=rejected")
    assert [r.pk for r in resp.context["page_obj"]] == [handled.pk]
    resp = client_for(people["agent"]).get("/orders/requests/?status=")
    assert len(resp.context["page_obj"]) == 3


@override_settings(AFTERSALES_WEB_REQUEST_MAX_AGE_HOURS=1)
def test_req_4_the_overdue_bound_is_a_setting(client_for, people, clock):
    clock(shanghai(2026, 3, 18, 16))  # Wednesday: 1.5 h back is working time
    backdate(web_request(), 1.5)
    resp = client_for(people["agent"]).get("/orders/requests/")
    assert resp.context["overdue_count"] == 1


def _queue(client_for, user, moment, clock) -> tuple[dict, list]:
    """The intake queue as ``user`` sees it at ``moment`` (logged in then): context, rows."""
    clock(moment)
    resp = client_for(user).get("/orders/requests/")
    assert resp.status_code == 200
    return resp.context, list(resp.context["page_obj"])


def test_req_4_a_request_sent_on_friday_night_is_overdue_by_monday_noon_not_saturday(
    client_for, people, clock
):
    """REQ-4: the bound (4 h, half a working day) counts working hours, not nights or
    weekends: a request sent Friday 22:00 is not overdue Saturday 10:00, but is on
    Monday at 12:30 (08:30 opening + 4 working hours)."""
    # given a request sent on Friday 2026-03-13 at 22:00
    clock(shanghai(2026, 3, 13, 22))
    req = web_request()
    agent = people["agent"]
    # when the agent looks on Saturday morning, then it waits but is not overdue
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 14, 10), clock)
    assert [r.pk for r in rows] == [req.pk]
    assert rows[0].age_text == "12 h 0 min" and not rows[0].overdue
    assert ctx["waiting_count"] == 1 and ctx["overdue_count"] == 0
    # nor on Monday at 12:29 (3 h 59 min of working time)
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 16, 12, 29), clock)
    assert not rows[0].overdue and ctx["overdue_count"] == 0
    # but on Monday at 12:30 it is
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 16, 12, 30), clock)
    assert rows[0].overdue and ctx["overdue_count"] == 1
    resp = client_for(agent).get(f"/orders/requests/{req.pk}/")
    assert resp.context["web_request"].overdue
    assert 'data-testid="overdue"' in resp.content.decode()


def test_req_4_a_request_sent_during_working_hours_is_overdue_after_four_working_hours(
    client_for, people, clock
):
    """REQ-4: a request sent Wednesday 10:00 is overdue once more than 4 working hours
    have passed (after 14:00); one sent at 16:00 is overdue the next day after 11:00
    (1.5 h on Wednesday + 2.5 h on Thursday)."""
    agent = people["agent"]
    clock(shanghai(2026, 3, 18, 10))
    morning = web_request()
    clock(shanghai(2026, 3, 18, 16))
    afternoon = web_request(phone="13900001111")
    # at 14:00 exactly the morning one has waited 4 working hours, not more
    clock(shanghai(2026, 3, 18, 14))
    resp = client_for(agent).get(f"/orders/requests/{morning.pk}/")
    assert not resp.context["web_request"].overdue
    clock(shanghai(2026, 3, 18, 14, 1))
    resp = client_for(agent).get(f"/orders/requests/{morning.pk}/")
    assert resp.context["web_request"].overdue
    # the afternoon one: not overdue overnight nor at Thursday 11:00, overdue at 11:01
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 19, 8), clock)
    assert [r.overdue for r in rows] == [True, False] and ctx["overdue_count"] == 1
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 19, 11), clock)
    assert [r.overdue for r in rows] == [True, False] and ctx["overdue_count"] == 1
    ctx, rows = _queue(client_for, agent, shanghai(2026, 3, 19, 11, 1), clock)
    assert [r.pk for r in rows] == [morning.pk, afternoon.pk]
    assert [r.overdue for r in rows] == [True, True] and ctx["overdue_count"] == 2


def test_req_4_holidays_do_not_count_towards_the_bound(client_for, people, clock):
    """REQ-4: a request sent Wed 2026-09-30 16:00, before the National Day holiday
    (10-01..10-07), is not overdue during the holiday; it is on Thu 10-08 after 11:00."""
    clock(shanghai(2026, 9, 30, 16))
    web_request()
    agent = people["agent"]
    ctx, rows = _queue(client_for, agent, shanghai(2026, 10, 5, 12), clock)
    assert not rows[0].overdue and ctx["overdue_count"] == 0
    ctx, rows = _queue(client_for, agent, shanghai(2026, 10, 8, 11), clock)
    assert not rows[0].overdue and ctx["overdue_count"] == 0
    ctx, rows = _queue(client_for, agent, shanghai(2026, 10, 8, 11, 1), clock)
    assert rows[0].overdue and ctx["overdue_count"] == 1


def test_req_4_the_overdue_count_matches_the_flags(client_for, people, clock):
    """REQ-4: the count on the page and the rows' flags use the same cutoff, also for
    requests sent exactly at it; handled requests are never overdue."""
    sent = [
        shanghai(2026, 3, 12, 9),  # Thursday: overdue
        shanghai(2026, 3, 13, 17, 29),  # Friday, one minute before closing: overdue
        shanghai(2026, 3, 13, 22),  # Friday night: 4 h exactly at Monday 12:30, overdue
        shanghai(2026, 3, 16, 8, 30),  # Monday's opening, exactly the cutoff: not overdue
        shanghai(2026, 3, 16, 11),  # Monday morning: not overdue
    ]
    requests = []
    for number, moment in enumerate(sent):
        clock(moment)
        requests.append(web_request(phone=f"1390000{number:04d}"))
    services.reject_web_request(actor=people["agent"], request_obj=requests[0], reason="重复")
    # when the agent opens the queue on Monday at 12:30
    ctx, rows = _queue(client_for, people["agent"], shanghai(2026, 3, 16, 12, 30), clock)
    # then the flags and the count agree
    assert [r.pk for r in rows] == [r.pk for r in requests[1:]]
    assert [r.overdue for r in rows] == [True, True, False, False]
    assert ctx["waiting_count"] == 4
    assert ctx["overdue_count"] == sum(r.overdue for r in rows) == 2
    # and the page says the bound is in working hours
    clock(shanghai(2026, 3, 16, 12, 30))
    html = client_for(people["agent"]).get("/orders/requests/").content.decode()
    assert html.count('data-testid="overdue"') == 2
    assert "longer than 4 working hours" in html


def test_req_4_the_menu_shows_web_requests_to_intake_staff_only(client_for, people):
    html = client_for(people["agent"]).get("/orders/requests/").content.decode()
    assert 'href="/orders/requests/"' in html
    html = client_for(people["technician"]).get("/orders/mine/").content.decode()
    assert 'href="/orders/requests/"' not in html


def test_req_4_the_detail_page_offers_matching_customers_and_the_unit(
    client_for, people, hz_customer, hz_unit
):
    # given a request from the customer's phone with the unit's serial
    req = web_request(phone="0571-87001234", serial_number="krf35-0001")
    # when the agent opens it
    resp = client_for(people["agent"]).get(f"/orders/requests/{req.pk}/")
    # then the customer is the one candidate, chosen, with the unit preselected
    assert resp.status_code == 200
    (candidate,) = resp.context["candidates"]
    assert candidate["customer"] == hz_customer
    assert len(candidate["reasons"]) == 2
    assert resp.context["chosen"] == hz_customer
    form = resp.context["accept_form"]
    assert form.initial == {"customer": hz_customer.pk, "unit": hz_unit.pk}
    assert list(form.fields["unit"].queryset) == [hz_unit]
    # and a search by name finds customers too
    resp = client_for(people["agent"]).get(f"/orders/requests/{req.pk}/?q=西湖")
    assert [c["customer"] for c in resp.context["candidates"]] == [hz_customer]


def test_req_1_accepting_creates_the_order_received_when_the_request_was_sent(
    client_for, people, hz_customer, hz_unit
):
    # given a request sent three hours ago from the QR code
    req = backdate(web_request(serial_number="KRF35-0001", via_qr=True), 3)
    # when the agent accepts it for the customer and the unit
    resp = client_for(people["agent"]).post(
        f"/orders/requests/{req.pk}/accept/", {"customer": hz_customer.pk, "unit": hz_unit.pk}
    )
    # then an order is made, received at the request's time, by the QR channel
    order = ServiceOrder.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{order.pk}/"
    assert order.received_at == req.created_at
    assert order.channel == "qr" and order.customer == hz_customer and order.unit == hz_unit
    assert order.contact_name == "李女士" and order.contact_phone == "13812345678"
    assert order.description == "热水器不制热"
    req.refresh_from_db()
    assert req.status == WebRequestStatus.ACCEPTED and req.order == order
    assert req.handled_by == people["agent"]
    entry = AuditEntry.objects.for_object(req).get(action="service.web_request.accepted")
    assert entry.actor == people["agent"] and order.number in entry.note


def test_req_1_a_web_form_request_becomes_a_web_channel_order(people, hz_customer):
    order = services.accept_web_request(
        actor=people["agent"], request_obj=web_request(), customer=hz_customer
    )
    assert order.channel == "web" and order.unit is None


def test_req_4_a_request_accepted_twice_is_refused_with_a_clear_message(
    client_for, people, hz_customer
):
    req = web_request()
    agent, manager = client_for(people["agent"]), client_for(people["branch_manager"])
    agent_page = {"customer": hz_customer.pk}
    # given two people with the request open; the first accepts it
    assert agent.post(f"/orders/requests/{req.pk}/accept/", agent_page).status_code == 302
    # when the second accepts it too
    resp = manager.post(f"/orders/requests/{req.pk}/accept/", agent_page, follow=True)
    # then no second order is made, and they are told who was first
    assert ServiceOrder.objects.count() == 1
    html = resp.content.decode()
    assert f"Web request {req.number} was already handled (Accepted)." in html
    assert 'data-testid="order-link"' in html


def test_req_9_accepting_a_repeat_of_an_open_order_needs_confirmation(
    client_for, people, hz_customer, hz_unit, new_order
):
    open_order = new_order()
    req = web_request(phone="0571-87001234")
    url = f"/orders/requests/{req.pk}/accept/"
    data = {"customer": hz_customer.pk, "unit": hz_unit.pk}
    resp = client_for(people["agent"]).post(url, data)
    assert resp.status_code == 200
    assert open_order.number in resp.content.decode()
    assert resp.context["accept_form"].errors["confirm_duplicate"]
    resp = client_for(people["agent"]).post(url, {**data, "confirm_duplicate": "on"})
    assert resp.status_code == 302
    assert ServiceOrder.objects.count() == 2


def test_req_4_rejecting_needs_a_reason(client_for, people):
    req = web_request()
    url = f"/orders/requests/{req.pk}/reject/"
    resp = client_for(people["agent"]).post(url, {"reason": "  "})
    assert resp.status_code == 200 and resp.context["reject_form"].errors
    req.refresh_from_db()
    assert req.status == WebRequestStatus.NEW
    resp = client_for(people["agent"]).post(url, {"reason": "广告信息"})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == WebRequestStatus.REJECTED and req.reject_reason == "广告信息"
    entry = AuditEntry.objects.for_object(req).get(action="service.web_request.rejected")
    assert entry.note == "广告信息"


def test_req_4_people_without_the_intake_right_get_403(client_for, people, api_for):
    req = web_request()
    for persona in ["technician", "finance", "engineer"]:
        c = client_for(people[persona])
        for url in ["/orders/requests/", f"/orders/requests/{req.pk}/"]:
            resp = c.get(url)
            assert resp.status_code == 403, (persona, url)
            assert "service.add_serviceorder" in resp.content.decode()
        resp = c.post(f"/orders/requests/{req.pk}/reject/", {"reason": "x"})
        assert resp.status_code == 403
        api = api_for(people[persona])
        assert api.get("/api/web-requests/").status_code == 403
        resp = api.post(f"/api/web-requests/{req.pk}/reject/", {"reason": "x"}, format="json")
        assert resp.status_code == 403
        assert "service.add_serviceorder" in resp.data["detail"]
    req.refresh_from_db()
    assert req.status == WebRequestStatus.NEW
    # and the queue needs a login
    assert Client().get("/orders/requests/").status_code == 302


def test_req_4_a_branch_manager_may_take_requests(client_for, people):
    web_request()
    assert client_for(people["branch_manager"]).get("/orders/requests/").status_code == 200


# API ------------------------------------------------------------------------------------------


def test_req_4_api_lists_the_queue_and_accepts_and_rejects(
    api_for, people, hz_customer, hz_unit, clock
):
    """REQ-4: the API's overdue flag counts working hours, as the page does."""
    clock(shanghai(2026, 3, 18, 17))  # Wednesday 17:00: 6 h back is 11:00, working time
    api = api_for(people["agent"])
    old = backdate(web_request(), 6)
    other = web_request(phone="13900001111")
    resp = api.get("/api/web-requests/", {"status": "new"})
    assert resp.status_code == 200
    assert [r["number"] for r in resp.data["results"]] == [old.number, other.number]
    assert resp.data["results"][0]["overdue"] is True
    assert resp.data["results"][1]["overdue"] is False
    # accept: the order comes back
    resp = api.post(
        f"/api/web-requests/{old.pk}/accept/",
        {"customer": hz_customer.pk, "unit": hz_unit.pk},
        format="json",
    )
    assert resp.status_code == 201, resp.data
    assert resp.data["number"].startswith("SO-") and resp.data["channel"] == "web"
    # a second accept is a 400 that says why
    resp = api.post(f"/api/web-requests/{old.pk}/accept/", {"customer": hz_customer.pk})
    assert resp.status_code == 400
    assert "already handled" in resp.data["non_field_errors"][0]
    # reject needs a reason
    assert api.post(f"/api/web-requests/{other.pk}/reject/", {}).status_code == 400
    resp = api.post(f"/api/web-requests/{other.pk}/reject/", {"reason": "重复"}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "rejected"


def test_req_1_api_public_endpoint_takes_a_request_without_login(api_for):
    api = api_for()
    body = {"name": "王先生", "phone": "13812345678", "description": "不制热", "via_qr": True}
    resp = api.post("/api/public/repair-requests/", body, format="json")
    assert resp.status_code == 201, resp.data
    (req,) = submitted()
    assert resp.data == {"number": req.number}
    assert req.via_qr and req.client_ip == "127.0.0.1"
    # bad input is 400 with field errors, nothing written
    resp = api.post("/api/public/repair-requests/", {"name": "x", "phone": "1"}, format="json")
    assert resp.status_code == 400 and set(resp.data) == {"description"}
    resp = api.post("/api/public/repair-requests/", {**body, "phone": "1"}, format="json")
    assert resp.status_code == 400 and set(resp.data) == {"phone"}
    submitted(1)


def test_req_1_api_public_endpoint_has_the_honeypot_and_the_rate_limit(api_for):
    api = api_for()
    body = {"name": "王先生", "phone": "13812345678", "description": "不制热"}
    resp = api.post(
        "/api/public/repair-requests/", {**body, "website": "http://spam"}, format="json"
    )
    assert resp.status_code == 201 and resp.data["number"].startswith("WR-")
    assert not WebRequest.objects.exists()
    with override_settings(AFTERSALES_PUBLIC_RATE="2/h"):
        assert api.post("/api/public/repair-requests/", body, format="json").status_code == 201
        resp = api.post("/api/public/repair-requests/", body, format="json")
        assert resp.status_code == 429
        assert "Retry-After" in resp
    submitted(1)


# QR label -------------------------------------------------------------------------------------


def test_req_1_the_unit_page_links_a_printable_qr_label(client_for, people, hz_unit):
    agent = client_for(people["agent"])
    html = agent.get(f"/products/units/{hz_unit.pk}/").content.decode()
    assert f'href="/products/units/{hz_unit.pk}/qr/"' in html
    resp = agent.get(f"/products/units/{hz_unit.pk}/qr/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "<svg" in html and 'viewBox="' in html
    assert resp.context["target"] == "http://testserver/repair/?sn=KRF35-0001"
    assert "KRF35-0001" in html and "空气能热水器" in html
    with override_settings(AFTERSALES_PUBLIC_BASE_URL="https://service.example.com"):
        resp = agent.get(f"/products/units/{hz_unit.pk}/qr/")
    assert resp.context["target"] == "https://service.example.com/repair/?sn=KRF35-0001"


def test_org_3_the_qr_label_follows_the_unit_reach(client_for, people, hz_unit):
    # the Hangzhou technician may view the unit; the Nanjing manager may not
    url = f"/products/units/{hz_unit.pk}/qr/"
    assert client_for(people["technician"]).get(url).status_code == 200
    assert client_for(people["outsider"]).get(url).status_code == 403


def test_req_1_issue_7_a_web_request_is_written_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    """Issue 7: a web request takes its number under the counter's lock, then is written
    with its audit row — no "exists" check of the number it was just given (unique by
    construction and by its column's constraint)."""
    first = web_request()  # the counter row and the content type exist now
    # The savepoint, the counter (one upsert; a select for update and an update before),
    # the request, the audit row, the release.
    with django_assert_num_queries(5):
        second = web_request(phone="13900000002")
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1
    assert AuditEntry.objects.filter(action="service.web_request.submitted").count() == 2
