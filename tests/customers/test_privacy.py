"""A person's data rights (SEC-3, PIPL): export of everything held about them, anonymisation
on request with the business records kept whole, consent for details beyond the service;
each download logged (CUS-2)."""

import datetime
import io
import json
import secrets
from decimal import Decimal

import pytest
from django.db import models
from django.db.models import Sum
from django.utils import timezone

from aftersales.audit.models import AccessEntry, AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.customers import privacy, services
from aftersales.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

NAME, PHONE, ADDRESS = "张伟", "13851234567", "南京市鼓楼区中山路 1 号"
RELATIVE, RELATIVE_PHONE = "张小红", "13900001111"
HOME = "南京市鼓楼区中山路 1 号 3 单元"


@pytest.fixture
def person(people, nj_customer, make_unit):
    """张伟, a Nanjing end user with a relative as second contact, a unit at home, and a
    finished order that left copies of their details in many tables."""
    from aftersales.charges.models import CustomerPayment, Invoice
    from aftersales.complaints import services as complaints
    from aftersales.complaints.models import ComplaintClass
    from aftersales.followup.models import ReturnVisit, Survey, VisitCall
    from aftersales.leads.models import Lead
    from aftersales.notifications.models import Notification
    from aftersales.parts.models import Receivable
    from aftersales.service import services as orders
    from aftersales.service.models import WebRequest

    manager = people["outsider"]  # the Nanjing branch manager, whose customer it is
    services.add_contact(actor=manager, customer=nj_customer, name=NAME, phone=PHONE)
    services.add_contact(
        actor=manager,
        customer=nj_customer,
        name=RELATIVE,
        phone=RELATIVE_PHONE,
        position="家属",
        birthday=datetime.date(1990, 5, 1),
        interests="书法",
        personal_consent=True,
        consent_purpose="生日问候",
    )
    unit = make_unit(nj_customer, "SN-PRIV-1")
    unit.installation_address = HOME
    unit.save()
    order = orders.receive_order(
        actor=manager,
        customer=nj_customer,
        unit=unit,
        order_type="repair",
        channel="phone",
        description=f"热水器漏水。{NAME}下午在家，也可打{RELATIVE} {RELATIVE_PHONE}",
        address=HOME,
    )
    order = orders.cancel_order(actor=manager, order=order, reason=f"{NAME}已自行关阀，改日再报")
    now = timezone.now()
    WebRequest.objects.create(
        number="WR-PRIV-1",
        name=NAME,
        phone=PHONE,
        address=HOME,
        description="网上报修：漏水",
        order=order,
        client_ip="203.0.113.9",
    )
    # A request never accepted: found by the phone number alone.
    WebRequest.objects.create(
        number="WR-PRIV-2", status="rejected", name=NAME, phone=PHONE, description="重复"
    )
    visit = ReturnVisit.objects.create(
        order=order,
        status="satisfied",
        due_at=now,
        next_call_at=now,
        answers=[{"question": "满意吗", "answer": f"{NAME}说满意"}],
        notes=f"接电话的是{RELATIVE}",
    )
    VisitCall.objects.create(visit=visit, called_at=now, outcome="satisfied", note=PHONE)
    Survey.objects.create(
        token_hash=secrets.token_hex(32),
        customer=nj_customer,
        order=order,
        phone=PHONE,
        send_at=now,
        expires_at=now,
        suggestions=f"希望师傅提前给{PHONE}打电话",
    )
    complaints.register_complaint(
        actor=people["agent"],
        channel="phone",
        complaint_class=ComplaintClass.objects.first(),
        subject="上门晚了",
        content=f"{NAME}投诉：约好的时间没来，地址{HOME}",
        complainant_name=NAME,
        complainant_phone=PHONE,
        complainant_address=HOME,
        customer=nj_customer,
        resolved_on_spot=True,
        resolution=f"已致电{NAME}道歉",
    )
    Lead.objects.create(
        number="LD-PRIV-1",
        order=order,
        customer=nj_customer,
        org_unit=order.org_unit,
        reporter=manager,
        product_interest="再买一台热泵",
        note=f"联系{RELATIVE} {RELATIVE_PHONE}",
    )
    Invoice.objects.create(
        order=order, title=NAME, tax_number="", amount=Decimal("120.00"), requested_by=manager
    )
    CustomerPayment.objects.create(
        number="RC-PRIV-1",
        order=order,
        source="on_site",
        method="cash",
        amount=Decimal("120.00"),
        payer=NAME,
        received_at=now,
        received_by=manager,
    )
    Receivable.objects.create(order=order, owner=manager, amount=Decimal("35.50"), arose_at=now)
    Notification.objects.create(
        recipient=people["agent"],
        topic="order.assigned",
        title=f"{order.number} {NAME}",
        body=f"{NAME}, {HOME}: 漏水",
        url=order.get_absolute_url(),
    )
    return Customer.objects.get(pk=nj_customer.pk)


def _business_figures():
    """Counts and sums that anonymising must leave exactly as they were."""
    from aftersales.charges.models import CustomerPayment, Invoice
    from aftersales.parts.models import Receivable
    from aftersales.service.models import ServiceOrder

    figures = {}
    for model in (ServiceOrder, Invoice, CustomerPayment, Receivable):
        figures[model.__name__] = model.objects.count()
    for model in (Invoice, CustomerPayment, Receivable):
        figures[f"{model.__name__} sum"] = model.objects.aggregate(s=Sum("amount"))["s"]
    figures["orders"] = sorted(ServiceOrder.objects.values_list("number", "status", "customer"))
    for holding in privacy.HOLDINGS:
        model = privacy._model(holding)
        figures[model._meta.label] = model.objects.count()
    return figures


def _text_values(row) -> str:
    """Every text and JSON column of a row, as one string to search."""
    parts = []
    for f in row._meta.concrete_fields:
        if isinstance(f, models.CharField | models.TextField | models.GenericIPAddressField):
            parts.append(str(getattr(row, f.attname) or ""))
        elif isinstance(f, models.JSONField):
            parts.append(json.dumps(getattr(row, f.attname), ensure_ascii=False))
    return "\n".join(parts)


def test_sec_3_anonymise_keeps_business_records_and_leaves_no_personal_string(people, person):
    """SEC-3: counts, sums, numbers and statuses unchanged; the person's name, phones and
    addresses found in no text column of any row that held them; one audit row naming the
    fields cleared, not their old values; the file marked anonymised and inactive."""
    # given the rows that hold the person's data, and the figures of the business
    relative = Contact.objects.get(customer=person, name=RELATIVE)
    subject = privacy.Subject(customer=person)
    held = {label: [r.pk for r in rows] for label, rows in privacy._matched(subject).items()}
    assert len(held["service.ServiceOrder"]) == 1 and len(held["service.WebRequest"]) == 2
    before = _business_figures()
    audit_rows = AuditEntry.objects.count()
    # when the information manager anonymises the person on request
    done = privacy.anonymise_customer(
        actor=people["info_manager"],
        customer=person,
        reason=f"{NAME}本人来信要求删除（{PHONE}）",
    )
    # then nothing was added or lost and the money adds up as before
    assert _business_figures() == before
    assert AuditEntry.objects.count() == audit_rows + 1
    # and no text column of the rows that held the person's data still holds them
    from aftersales.notifications.models import Notification

    needles = [NAME, PHONE, ADDRESS, HOME, RELATIVE, RELATIVE_PHONE]
    checked = 0
    for holding in [*privacy.HOLDINGS, privacy.NOTIFICATIONS]:
        model = privacy._model(holding)
        pks = held.get(holding.model) or (
            list(Notification.objects.values_list("pk", flat=True))
            if holding is privacy.NOTIFICATIONS
            else []
        )
        for row in model.objects.filter(pk__in=pks):
            text = _text_values(row)
            found = [n for n in needles if n in text]
            assert not found, f"{model._meta.label} #{row.pk} still holds {found}"
            checked += 1
    assert checked >= 18
    # and the file is marked, deactivated, and its neutral name says what happened
    assert done.anonymised_at is not None and done.anonymised_by == people["info_manager"]
    assert not done.is_active and done.name == f"已匿名 / Anonymised #{person.pk}"
    assert done.phone == "" and done.address == ""
    relative.refresh_from_db()
    assert relative.birthday is None and relative.interests == ""
    assert not relative.personal_consent and relative.anonymised_at is not None
    # and the audit row names tables and fields, never the values removed
    entry = AuditEntry.objects.for_object(done).first()
    assert entry.action == "customers.customer.anonymised"
    assert entry.changes["customers.customer"][1]["fields"] == [
        "address",
        "name",
        "phone",
    ]
    assert "contact_phone" in entry.changes["service.serviceorder"][1]["fields"]
    assert entry.changes["is_active"] == [True, False]
    written = json.dumps(entry.changes, ensure_ascii=False) + entry.note + entry.object_repr
    assert not [n for n in needles if n in written]
    # and earlier audit rows are kept as they were (SEC-1, legal retention)
    created = AuditEntry.objects.for_object(done).get(action="customers.customer.created")
    assert NAME in json.dumps(created.changes, ensure_ascii=False)


def test_sec_3_anonymise_refuses_a_second_time_a_company_and_no_reason(people, person):
    keeper = people["info_manager"]
    with pytest.raises(ServiceError):
        privacy.anonymise_customer(actor=keeper, customer=person, reason="  ")
    privacy.anonymise_customer(actor=keeper, customer=person, reason="本人申请")
    with pytest.raises(ServiceError, match="already anonymised"):
        privacy.anonymise_customer(actor=keeper, customer=person, reason="again")
    # an anonymised file is not filled in again
    with pytest.raises(ServiceError, match="anonymised"):
        services.update_customer(actor=keeper, customer=person, name="张伟")
    with pytest.raises(ServiceError, match="anonymised"):
        services.reactivate_customer(actor=keeper, customer=person)


def test_sec_3_a_company_file_is_not_anonymised(people, hz_customer):
    with pytest.raises(ServiceError, match="company"):
        privacy.anonymise_customer(actor=people["admin"], customer=hz_customer, reason="x")


def test_sec_3_anonymise_waits_for_open_service(people, nj_customer):
    """Open work needs the person's contact details: finish or cancel it first."""
    from aftersales.service import services as orders

    order = orders.receive_order(
        actor=people["outsider"],
        customer=nj_customer,
        order_type="repair",
        channel="phone",
        description="不制热",
    )
    with pytest.raises(ServiceError, match=order.number):
        privacy.anonymise_customer(actor=people["admin"], customer=nj_customer, reason="申请")
    assert Customer.objects.get(pk=nj_customer.pk).anonymised_at is None


def test_sec_3_contact_person_anonymised_where_named_company_file_kept(
    client_for, people, hz_customer
):
    """A company's contact person: their record and the copies that name them; the
    company's own file, its other contacts and the order's site address stay."""
    from aftersales.service import services as orders

    li = hz_customer.contacts.get()  # 李明, 13912345678
    other = services.add_contact(
        actor=people["agent"], customer=hz_customer, name="周静", phone="13600001111"
    )
    order = orders.receive_order(
        actor=people["agent"],
        customer=hz_customer,
        order_type="repair",
        channel="phone",
        description="机房热泵报警，李明跟进",
        contact_name="李明",
        contact_phone="13912345678",
    )
    orders.cancel_order(actor=people["agent"], order=order, reason="误报")
    privacy.anonymise_contact(actor=people["info_manager"], contact=li, reason="本人离职后申请")
    li.refresh_from_db()
    order.refresh_from_db()
    assert li.name == f"已匿名联系人 / Anonymised contact #{li.pk}" and li.phone == ""
    assert order.contact_name == li.name and order.contact_phone == ""
    assert "李明" not in order.description and order.address == hz_customer.address
    company = Customer.objects.get(pk=hz_customer.pk)
    assert company.name == hz_customer.name and company.anonymised_at is None
    other.refresh_from_db()
    assert other.name == "周静" and other.phone == "13600001111"
    with pytest.raises(ServiceError, match="already"):
        privacy.anonymise_contact(actor=people["info_manager"], contact=li, reason="again")
    # the company's page, history included, no longer shows them; the other contact stays
    page = client_for(people["agent"]).get(f"/customers/{hz_customer.pk}/").content.decode()
    assert "李明" not in page and "13912345678" not in page
    assert "周静" in page


def test_sec_3_personal_data_export_json_and_excel_logged(client_for, people, person):
    """The download holds every table with the person's details, and is logged (CUS-2)."""
    from openpyxl import load_workbook

    client = client_for(people["info_manager"])
    resp = client.get(f"/customers/{person.pk}/personal-data.json", REMOTE_ADDR="10.1.2.3")
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment")
    data = json.loads(resp.content)
    tables = {section["table"] for section in data["sections"]}
    assert {
        "customers.customer",
        "customers.contact",
        "products.unit",
        "service.serviceorder",
        "service.webrequest",
        "followup.returnvisit",
        "followup.survey",
        "complaints.complaint",
        "leads.lead",
        "charges.invoice",
        "charges.customerpayment",
    } <= tables
    survey = next(s for s in data["sections"] if s["table"] == "followup.survey")
    assert "token_hash" not in survey["fields"]  # the survey link stays secret
    assert PHONE in resp.content.decode()
    entry = AccessEntry.objects.get(action="export", object_id=str(person.pk))
    assert entry.actor == people["info_manager"] and entry.client_address == "10.1.2.3"
    assert "JSON" in entry.what
    resp = client.get(f"/customers/{person.pk}/personal-data.xlsx")
    assert resp.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert len(workbook.sheetnames) == len(data["sections"]) + 1
    assert AccessEntry.objects.filter(action="export", object_id=str(person.pk)).count() == 2


def test_sec_3_contact_export_holds_only_what_names_them(client_for, people, person):
    relative = Contact.objects.get(customer=person, name=RELATIVE)
    resp = client_for(people["admin"]).get(f"/customers/contacts/{relative.pk}/personal-data.json")
    data = json.loads(resp.content)
    tables = {section["table"]: section["rows"] for section in data["sections"]}
    assert [row["name"] for row in tables["customers.contact"]] == [RELATIVE]
    assert "customers.customer" not in tables  # the file of 张伟 is not 张小红's data
    assert len(tables["service.serviceorder"]) == 1  # its description names her
    assert "followup.survey" not in tables


def test_sec_3_roles_without_the_right_get_403(client_for, api_for, people, person):
    """Export and anonymise: information manager and administrator only."""
    for persona in ["agent", "company_manager", "branch_manager", "outsider"]:
        client = client_for(people[persona])
        for url in [
            f"/customers/{person.pk}/personal-data.json",
            f"/customers/{person.pk}/anonymise/",
        ]:
            resp = client.get(url)
            assert resp.status_code == 403, (persona, url)
        assert client.post(f"/customers/{person.pk}/anonymise/", {"reason": "x"}).status_code == 403
        api = api_for(people[persona])
        assert api.get(f"/api/customers/{person.pk}/personal-data/").status_code == 403
        resp = api.post(f"/api/customers/{person.pk}/anonymise/", {"reason": "x"}, format="json")
        assert resp.status_code == 403
        assert "customers.anonymise_customer" in resp.data["detail"]
    assert Customer.objects.get(pk=person.pk).anonymised_at is None
    assert not AccessEntry.objects.filter(action="export").exists()


def test_sec_3_confirmation_page_needs_a_reason_then_anonymises(client_for, people, person):
    client = client_for(people["info_manager"])
    page = client.get(f"/customers/{person.pk}/")
    assert f"/customers/{person.pk}/anonymise/" in page.content.decode()
    resp = client.get(f"/customers/{person.pk}/anonymise/")
    assert resp.status_code == 200 and "anonymise-touched" in resp.content.decode()
    resp = client.post(f"/customers/{person.pk}/anonymise/", {"reason": ""})
    assert resp.status_code == 400
    assert Customer.objects.get(pk=person.pk).anonymised_at is None
    resp = client.post(f"/customers/{person.pk}/anonymise/", {"reason": "本人来信申请"})
    assert resp.status_code == 302
    page = client.get(f"/customers/{person.pk}/").content.decode()
    assert 'data-testid="anonymised-badge"' in page
    assert f"已匿名 / Anonymised #{person.pk}" in page
    # done once: no button any more
    assert f"/customers/{person.pk}/anonymise/" not in page


def test_sec_3_api_anonymise_and_export(api_for, people, person, hz_customer):
    api = api_for(people["admin"])
    data = api.get(f"/api/customers/{person.pk}/personal-data/").json()
    assert data["subject"]["name"] == NAME
    assert api.post(f"/api/customers/{person.pk}/anonymise/", {}, format="json").status_code == 400
    resp = api.post(f"/api/customers/{person.pk}/anonymise/", {"reason": "申请"}, format="json")
    assert resp.status_code == 200 and resp.data["anonymised_at"]
    assert resp.data["name"].startswith("已匿名")
    resp = api.post(f"/api/customers/{person.pk}/anonymise/", {"reason": "再次"}, format="json")
    assert resp.status_code == 400
    # a company's own file is not a person's data
    assert api.get(f"/api/customers/{hz_customer.pk}/personal-data/").status_code == 400


def test_sec_3_api_contact_anonymise(api_for, people, hz_customer):
    contact = hz_customer.contacts.get()
    api = api_for(people["info_manager"])
    resp = api.post(f"/api/contacts/{contact.pk}/anonymise/", {"reason": "申请"}, format="json")
    assert resp.status_code == 200 and resp.data["phone"] == ""
    assert resp.data["anonymised_at"]


def test_sec_3_anonymised_history_reads_as_tables_and_fields(people, person):
    from aftersales.audit.presentation import history_rows

    privacy.anonymise_customer(actor=people["info_manager"], customer=person, reason="申请")
    entry = AuditEntry.objects.filter(action="customers.customer.anonymised").get()
    rows = {str(r["label"]): r for r in history_rows(entry)}
    assert "Service orders" in rows and rows["Service orders"]["old"] is None
    assert "contact phone" in rows["Service orders"]["new"]


# --- consent (SEC-3) ----------------------------------------------------------------------


def test_sec_3_birthday_and_interests_need_consent_and_purpose(people, hz_customer):
    agent = people["agent"]
    with pytest.raises(ServiceError) as refused:
        services.add_contact(
            actor=agent, customer=hz_customer, name="周静", phone="13600001111", interests="茶道"
        )
    assert "interests" in refused.value.message_dict
    with pytest.raises(ServiceError) as refused:
        services.add_contact(
            actor=agent,
            customer=hz_customer,
            name="周静",
            phone="13600001111",
            birthday=datetime.date(1990, 1, 1),
            personal_consent=True,
        )
    assert "consent_purpose" in refused.value.message_dict
    contact = services.add_contact(
        actor=agent,
        customer=hz_customer,
        name="周静",
        phone="13600001111",
        birthday=datetime.date(1990, 1, 1),
        personal_consent=True,
        consent_purpose="生日问候",
    )
    assert contact.consent_on == timezone.localdate()
    # consent withdrawn: the details go with it, or the change is refused
    with pytest.raises(ServiceError):
        services.update_contact(actor=agent, contact=contact, personal_consent=False)
    contact = services.update_contact(
        actor=agent, contact=contact, personal_consent=False, birthday=None
    )
    assert contact.consent_on is None and contact.consent_purpose == ""
    entry = AuditEntry.objects.for_object(hz_customer).first()
    assert "contact.personal_consent" in entry.changes


def test_sec_3_pages_stop_showing_old_values_the_trail_keeps_them(client_for, people, person):
    """After anonymisation the file's and the order's pages (history included) and the file
    export show none of the person's details; the administrators' audit search still
    finds them (SEC-1, kept under the legal retention obligation)."""
    from openpyxl import load_workbook

    order = person.service_orders.get()
    privacy.anonymise_customer(actor=people["info_manager"], customer=person, reason="申请")
    admin = client_for(people["admin"])
    for url in [f"/customers/{person.pk}/", f"/orders/{order.pk}/"]:
        page = admin.get(url).content.decode()
        assert 'data-testid="history-panel"' in page, url
        for n in (NAME, PHONE, HOME, RELATIVE):
            i = page.find(n)
            assert i < 0, (url, page[max(0, i - 300) : i + 100])
    resp = admin.get(f"/customers/{person.pk}/export/")
    workbook = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    cells = " ".join(
        str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert NAME not in cells and PHONE not in cells
    search = admin.get(f"/audit/?object_id={person.pk}").content.decode()
    assert PHONE in search


def test_sec_3_admin_site_does_not_refill_an_anonymised_file(client_for, people, person):
    privacy.anonymise_customer(actor=people["info_manager"], customer=person, reason="申请")
    admin = client_for(people["admin"])
    resp = admin.post(f"/admin/customers/customer/{person.pk}/change/", {"name": NAME})
    assert resp.status_code == 403
    contact = person.contacts.first()
    resp = admin.post(f"/admin/customers/contact/{contact.pk}/change/", {"name": NAME})
    assert resp.status_code == 403
    assert NAME not in Customer.objects.get(pk=person.pk).name
