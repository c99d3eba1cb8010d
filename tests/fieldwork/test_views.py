"""Field-work pages: the card on the order page (SVC-5 checklist, SVC-3 check-in /
check-out), the take-back hand-over with two signature pads, its printable view and the
return; signature files only within reach (ORG-3)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftersales.fieldwork import services
from aftersales.fieldwork.models import SiteVisit, TakeBack, VisitCheck
from tests.fieldwork.conftest import planned_on_site, tick_all
from tests.service.conftest import in_progress, signature_data_url, signature_png

pytestmark = pytest.mark.django_db


def take_back_post(**overrides):
    data = {
        "items": "主控板 1 块",
        "serial_numbers": "PCB-0001",
        "condition": "外观完好，带连接线 1 根",
        "promised_return_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        "technician_signature": signature_data_url(),
        "customer_signature": signature_data_url(),
        "signer_name": "王经理",
    }
    return {**data, **overrides}


def recorded_take_back(order, people):
    return services.record_take_back(
        actor=people["technician"],
        order=order,
        items="主控板 1 块",
        condition="外观完好",
        promised_return_on=timezone.localdate() + datetime.timedelta(days=3),
        technician_signature=signature_png(),
        customer_signature=signature_png(),
        signer_name="王经理",
    )


# The card on the order page ----------------------------------------------------------------


def test_svc_5_the_order_page_shows_the_checklist_and_check_in(
    client_for, people, on_site, checklist
):
    resp = client_for(people["technician"]).get(f"/orders/{on_site.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-testid="fieldwork"' in html
    assert html.count('data-testid="checklist-item"') == len(checklist)
    assert checklist[0].text in html
    for testid in ["tick-checklist", "check-in", "new-take-back", "checklist-missing"]:
        assert f'data-testid="{testid}"' in html
    assert "data-geolocate" in html  # the phone adds its position when allowed


def test_the_card_is_not_shown_for_a_phone_plan(client_for, people, new_order):
    order = in_progress(new_order(), people)
    html = client_for(people["technician"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="fieldwork"' not in html


def test_a_view_only_role_sees_the_card_without_buttons(client_for, people, on_site):
    html = client_for(people["finance"]).get(f"/orders/{on_site.pk}/").content.decode()
    assert 'data-testid="fieldwork"' in html
    for testid in ["tick-checklist", "check-in", "check-out", "new-take-back"]:
        assert f'data-testid="{testid}"' not in html


def test_the_order_page_shows_the_card_with_a_constant_number_of_queries(
    client_for, people, on_site
):
    client = client_for(people["technician"])
    url = f"/orders/{on_site.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as bare:
        assert client.get(url).status_code == 200
    # given ticks, two visits and two hand-overs
    tech = people["technician"]
    tick_all(on_site, tech)
    for _ in range(2):
        services.check_in(actor=tech, order=on_site)
        services.check_out(actor=tech, order=on_site, note="上门检查")
        recorded_take_back(on_site, people)
    with CaptureQueriesContext(connection) as full:
        resp = client.get(url)
    html = resp.content.decode()
    assert html.count('data-testid="visit"') == 2
    assert html.count('data-testid="take-back"') == 2
    # Issue 7: an empty list costs no query on the order page (it knows which are empty);
    # with rows, one query each (ticks, visits, hand-overs) whatever their number.
    assert len(full) == len(bare) + 3, [q["sql"] for q in full.captured_queries]


# Buttons of the card ------------------------------------------------------------------------


def test_svc_5_check_in_page_refused_until_ticked_then_recorded(
    client_for, people, on_site, checklist
):
    client = client_for(people["technician"])
    # when the technician checks in without ticking
    resp = client.post(f"/fieldwork/orders/{on_site.pk}/check-in/", follow=True)
    # then the order page says which items are missing, and no visit is recorded
    html = resp.content.decode()
    assert resp.redirect_chain[-1][0].endswith(f"/orders/{on_site.pk}/#fieldwork")
    assert "Tick the required pre-visit checklist items first" in html
    assert checklist[0].text in html
    assert not SiteVisit.objects.exists()
    # when they tick the list on the card, then check in with the phone's position
    resp = client.post(
        f"/fieldwork/orders/{on_site.pk}/checklist/",
        {"items": [i.pk for i in checklist]},
        follow=True,
    )
    assert "checklist items ticked" in resp.content.decode()
    assert VisitCheck.objects.filter(order=on_site).count() == len(checklist)
    resp = client.post(
        f"/fieldwork/orders/{on_site.pk}/check-in/",
        {"latitude": "30.274085", "longitude": "120.155070"},
        follow=True,
    )
    html = resp.content.decode()
    assert "Checked in at" in html and 'data-testid="check-out"' in html
    visit = SiteVisit.objects.get()
    assert str(visit.latitude) == "30.274085"
    # and check out with a note
    resp = client.post(
        f"/fieldwork/orders/{on_site.pk}/check-out/", {"note": "已更换传感器"}, follow=True
    )
    assert "Checked out at" in resp.content.decode()
    visit.refresh_from_db()
    assert visit.note == "已更换传感器" and not visit.is_open


def test_svc_3_check_out_without_a_visit_shows_the_reason(client_for, people, on_site):
    resp = client_for(people["technician"]).post(
        f"/fieldwork/orders/{on_site.pk}/check-out/", follow=True
    )
    assert "There is no open visit" in resp.content.decode()


def test_the_card_buttons_accept_only_post(client_for, people, on_site):
    client = client_for(people["technician"])
    for action in ["checklist", "check-in", "check-out"]:
        assert client.get(f"/fieldwork/orders/{on_site.pk}/{action}/").status_code == 405


# The take-back hand-over ----------------------------------------------------------------------


def test_svc_3_take_back_form_with_two_signatures_records_and_prints(client_for, people, on_site):
    client = client_for(people["technician"])
    url = f"/fieldwork/orders/{on_site.pk}/take-back/"
    html = client.get(url).content.decode()
    assert html.count('data-testid="signature-pad"') == 2
    assert "Technician's signature" in html and "Customer's signature" in html
    resp = client.post(url, take_back_post())
    take_back = TakeBack.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/fieldwork/take-backs/{take_back.pk}/"
    sheet = client.get(resp["Location"]).content.decode()
    for text in [take_back.number, "主控板 1 块", "PCB-0001", "王经理", "data-print"]:
        assert text in sheet
    assert 'data-testid="not-returned"' in sheet and 'data-testid="record-return"' in sheet
    page = client.get(f"/orders/{on_site.pk}/").content.decode()
    assert take_back.number in page and 'data-testid="record-return"' in page


def test_svc_3_take_back_form_refuses_a_non_image_and_writes_nothing(
    client_for, people, on_site, media_root
):
    client = client_for(people["technician"])
    pdf = "data:image/png;base64,JVBERi0xLjQKJcfsj6IK"
    resp = client.post(
        f"/fieldwork/orders/{on_site.pk}/take-back/",
        take_back_post(customer_signature=pdf, technician_signature=""),
    )
    assert resp.status_code == 200
    form = resp.context["form"]
    assert "customer_signature" in form.errors and "technician_signature" in form.errors
    assert "Upload a PNG or JPEG image." in resp.content.decode()
    assert not TakeBack.objects.exists()
    assert not (media_root / "takebacks").exists()
    resp = client.post(
        f"/fieldwork/orders/{on_site.pk}/take-back/",
        take_back_post(customer_signature="data:image/png;base64,@@@"),
    )
    assert "The signature could not be read" in resp.content.decode()
    assert not TakeBack.objects.exists()


def test_svc_3_return_form_records_the_customer_signature(client_for, people, on_site):
    take_back = recorded_take_back(on_site, people)
    client = client_for(people["technician"])
    url = f"/fieldwork/take-backs/{take_back.pk}/return/"
    html = client.get(url).content.decode()
    assert html.count('data-testid="signature-pad"') == 1
    resp = client.post(url, {"customer_signature": "", "signer_name": "王经理"})
    assert "The customer signs for what comes back." in resp.content.decode()
    resp = client.post(
        url,
        {
            "customer_signature": signature_data_url(),
            "signer_name": "王经理",
            "note": "已装机试运行",
        },
    )
    assert resp.status_code == 302
    take_back.refresh_from_db()
    assert take_back.is_returned and take_back.return_note == "已装机试运行"
    sheet = client.get(f"/fieldwork/take-backs/{take_back.pk}/").content.decode()
    assert 'data-testid="return-record"' in sheet and 'data-testid="record-return"' not in sheet
    assert client.get(f"/fieldwork/take-backs/{take_back.pk}/signature/return/").status_code == 200


# Who (ORG-3) -----------------------------------------------------------------------------------


def test_org_3_finance_gets_403_on_the_field_work_pages(client_for, people, on_site):
    """Finance may view the order but not do its field work: a 403 that says why."""
    take_back = recorded_take_back(on_site, people)
    client = client_for(people["finance"])
    for method, url in [
        ("get", f"/fieldwork/orders/{on_site.pk}/take-back/"),
        ("post", f"/fieldwork/orders/{on_site.pk}/take-back/"),
        ("get", f"/fieldwork/take-backs/{take_back.pk}/return/"),
        ("post", f"/fieldwork/orders/{on_site.pk}/check-in/"),
        ("post", f"/fieldwork/orders/{on_site.pk}/checklist/"),
    ]:
        resp = getattr(client, method)(url)
        assert resp.status_code == 403, url
        assert "handle_serviceorder" in resp.content.decode()
    assert not SiteVisit.objects.exists() and TakeBack.objects.count() == 1


def test_org_3_outsiders_get_403_on_every_field_work_page(client_for, people, on_site):
    take_back = recorded_take_back(on_site, people)
    client = client_for(people["outsider"])
    for url in [
        f"/fieldwork/orders/{on_site.pk}/take-back/",
        f"/fieldwork/take-backs/{take_back.pk}/",
        f"/fieldwork/take-backs/{take_back.pk}/return/",
        f"/fieldwork/take-backs/{take_back.pk}/signature/customer/",
    ]:
        resp = client.get(url)
        assert resp.status_code == 403, url
        assert "outside your reach" in resp.content.decode()
    assert client.post(f"/fieldwork/orders/{on_site.pk}/check-in/").status_code == 403


def test_org_3_signature_files_are_served_only_within_reach(client, client_for, people, on_site):
    take_back = recorded_take_back(on_site, people)
    url = f"/fieldwork/take-backs/{take_back.pk}/signature/customer/"
    for persona in ["technician", "branch_manager", "agent", "finance"]:
        resp = client_for(people[persona]).get(url)
        assert resp.status_code == 200, persona
        assert b"".join(resp.streaming_content) == signature_png()
        assert resp["Cache-Control"].startswith("max-age=0")
    assert client_for(people["outsider"]).get(url).status_code == 403
    assert client_for(people["service_centre"]).get(url).status_code == 403
    assert client.get(url).status_code == 302  # anonymous: to the login page
    tech = client_for(people["technician"])
    assert tech.get(f"/fieldwork/take-backs/{take_back.pk}/signature/return/").status_code == 404
    assert tech.get(f"/fieldwork/take-backs/{take_back.pk}/signature/other/").status_code == 404
    assert tech.get("/fieldwork/take-backs/99999/signature/customer/").status_code == 404


def test_a_dispatcher_may_use_the_card_for_the_technician(client_for, people, new_order):
    order = planned_on_site(new_order(), people)
    html = client_for(people["branch_manager"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="check-in"' in html and 'data-testid="tick-checklist"' in html
