"""The complaint pages (CMP-1…CMP-5): register form with prefill, the board, the detail page
with its actions, the reply PDF, the violations list and its Excel export; 403s by role
and reach (ORG-3)."""

import datetime as dt

from aftersales.complaints import services
from aftersales.complaints.models import Complaint, ComplaintReply
from tests.complaints.conftest import FRIDAY_4PM


def _post_form(attitude, order, **extra):
    return {
        "channel": "letter",
        "kind": "complaint",
        "complaint_class": attitude.pk,
        "severity": "",
        "subject": "来信投诉",
        "content": "客户来信说师傅收了额外的钱。",
        "complainant_name": "王女士",
        "complainant_phone": "13900001111",
        "order_number": order.number,
        **extra,
    }


def test_cmp_3_register_page_and_redirect(client_for, people, attitude, order):
    c = client_for(people["agent"])
    assert c.get("/complaints/new/").status_code == 200
    response = c.post("/complaints/new/", _post_form(attitude, order))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == f"/complaints/{complaint.pk}/"
    assert complaint.channel == "letter" and complaint.order == order
    page = c.get(response.url)
    assert complaint.number in page.content.decode()


def test_cmp_3_register_bad_input_400_nothing_written(client_for, people, attitude, order):
    c = client_for(people["agent"])
    response = c.post("/complaints/new/", _post_form(attitude, order, order_number="NOPE"))
    assert response.status_code == 400
    assert "No service order with this number." in response.content.decode()
    assert c.post("/complaints/new/", _post_form(attitude, order, subject="")).status_code == 400
    response = c.post(
        "/complaints/new/", _post_form(attitude, order, resolved_on_spot="on", resolution="")
    )
    assert response.status_code == 400
    assert "resolved on the spot" in response.content.decode()
    assert not Complaint.objects.exists()


def test_cmp_3_register_from_survey_prefills_and_links(client_for, people, survey, attitude):
    c = client_for(people["agent"])
    page = c.get(f"/complaints/new/?survey={survey.pk}").content.decode()
    assert "迟到两小时" in page and survey.order.number in page
    assert f'name="survey" value="{survey.pk}"' in page
    data = _post_form(attitude, survey.order, channel="survey", survey=survey.pk)
    response = c.post(f"/complaints/new/?survey={survey.pk}", data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.survey == survey and complaint.responsible == survey.technician


def test_cmp_3_register_from_return_visit_prefills(client_for, people, return_visit):
    page = client_for(people["agent"]).get(f"/complaints/new/?return_visit={return_visit.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "第二天又不热" in text and 'value="return_visit" selected' in text


def test_cmp_3_finance_cannot_register_page(client_for, people):
    assert client_for(people["finance"]).get("/complaints/new/").status_code == 403
    assert client_for(people["finance"]).get("/complaints/").status_code == 403


def test_cmp_3_board_counts_filters_and_overdue(client_for, people, register):
    late = register(received_at=FRIDAY_4PM, subject="迟迟没人处理")
    register(subject="刚登记的")
    page = client_for(people["supervisor"]).get("/complaints/?overdue=report")
    text = page.content.decode()
    assert page.status_code == 200
    assert late.number in text and "刚登记的" not in text
    assert 'data-testid="report-overdue"' in text
    everything = client_for(people["supervisor"]).get("/complaints/?status=open").content
    assert "刚登记的" in everything.decode()


def test_org_3_outsider_gets_403_on_another_branch_complaint(client_for, people, register):
    c = register()
    assert client_for(people["outsider"]).get(f"/complaints/{c.pk}/").status_code == 403
    assert client_for(people["branch_manager"]).get(f"/complaints/{c.pk}/").status_code == 200
    board = client_for(people["outsider"]).get("/complaints/").content.decode()
    assert c.number not in board


def test_cmp_4_close_without_reply_on_the_page_is_refused(client_for, people, register, safety):
    c = register(complaint_class=safety)
    services.resolve_complaint(actor=people["agent"], complaint=c, resolution="已赔偿")
    client = client_for(people["supervisor"])
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    assert 'data-testid="refusal-close"' in page
    response = client.post(f"/complaints/{c.pk}/close/", {"close-note": ""})
    assert response.status_code == 400
    assert "written reply" in response.content.decode()
    c.refresh_from_db()
    assert c.status == "resolved"
    response = client.post(
        f"/complaints/{c.pk}/reply/", {"reply-text": "致歉并赔偿", "reply-sent_via": "letter"}
    )
    assert response.status_code == 302
    reply = ComplaintReply.objects.get()
    pdf = client.get(f"/complaints/replies/{reply.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.post(f"/complaints/{c.pk}/close/", {"close-note": "结案"}).status_code == 302
    c.refresh_from_db()
    assert c.status == "closed"


def test_sec_5_technician_cannot_close_on_the_page(client_for, people, register):
    c = register(actor=people["technician"])
    services.resolve_complaint(actor=people["branch_manager"], complaint=c, resolution="已解决")
    client = client_for(people["technician"])
    assert client.get(f"/complaints/{c.pk}/").status_code == 200  # they registered it
    assert client.post(f"/complaints/{c.pk}/close/", {}).status_code == 403
    c.refresh_from_db()
    assert c.status == "resolved"


def test_actions_on_the_page_investigate_and_refer(client_for, people, register):
    c = register()
    client = client_for(people["agent"])
    response = client.post(
        f"/complaints/{c.pk}/investigate/",
        {"investigate-cause": "沟通不畅", "investigate-proposal": "道歉"},
    )
    assert response.status_code == 302
    response = client.post(f"/complaints/{c.pk}/refer/", {"refer-note": "客户要求赔偿"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "dispute" and c.owner == people["specialist"]
    bad = client_for(people["specialist"]).post(f"/complaints/{c.pk}/resolve/", {})
    assert bad.status_code == 400


def test_cmp_2_violation_list_and_excel(client_for, people, register):
    register(received_at=FRIDAY_4PM)
    services.record_late_complaints(FRIDAY_4PM + dt.timedelta(days=2))
    page = client_for(people["supervisor"]).get("/complaints/violations/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="violation-row"') == 2
    xlsx = client_for(people["finance"]).get("/complaints/violations/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.open")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert len(rows) == 3 and {float(r[6]) for r in rows[1:]} == {100.0, 200.0}
    assert client_for(people["technician"]).get("/complaints/violations/").status_code == 403
