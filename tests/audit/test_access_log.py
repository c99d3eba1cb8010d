"""The access log (CUS-2, SEC-2): every view and export of a customer file and of the other
confidential records says who, when, what and from where; it is append-only, searchable by
administrators and the keeper of the files, exportable, and cheap to write."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.audit.models import AccessEntry, ImmutableAuditError
from aftersales.audit.services import record_access
from aftersales.customers import services as customer_services
from aftersales.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"


def test_cus_2_customer_page_logs_one_view_with_who_what_where(client_for, people, hz_customer):
    resp = client_for(people["agent"]).get(
        f"/customers/{hz_customer.pk}/", REMOTE_ADDR="10.8.1.7", HTTP_USER_AGENT=BROWSER
    )
    assert resp.status_code == 200
    entry = AccessEntry.objects.get()
    assert (entry.actor, entry.actor_name) == (people["agent"], people["agent"].username)
    assert entry.action == "view"
    assert entry.content_type.model_class() is Customer
    assert (entry.object_id, entry.object_repr) == (str(hz_customer.pk), hz_customer.name)
    assert entry.path == f"/customers/{hz_customer.pk}/"
    assert (entry.client_address, entry.user_agent) == ("10.8.1.7", BROWSER)
    assert entry.at is not None


def test_cus_2_denied_page_is_not_an_access(client_for, people, hz_customer):
    assert client_for(people["outsider"]).get(f"/customers/{hz_customer.pk}/").status_code == 403
    assert not AccessEntry.objects.exists()


def test_sec_2_client_address_from_forwarded_for_only_behind_our_proxy(
    client_for, people, hz_customer, settings
):
    """X-Forwarded-For is the client's word unless our own proxy appended the last hop."""
    client = client_for(people["agent"])
    url = f"/customers/{hz_customer.pk}/"
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    settings.AFTERSALES_TRUST_X_FORWARDED_FOR = False
    client.get(url, **forwarded)
    settings.AFTERSALES_TRUST_X_FORWARDED_FOR = True
    client.get(url, **forwarded)
    addresses = list(AccessEntry.objects.order_by("pk").values_list("client_address", flat=True))
    assert addresses == ["127.0.0.1", "198.51.100.7"]


def _customers(people, n):
    for i in range(n):
        customer_services.create_customer(
            actor=people["admin"],
            name=f"测试经销商{i}",
            kind="end_user",
            entity="person",
            phone=f"1380000{i:04d}",
        )


def test_cus_2_list_export_logs_once_with_rows_and_filter_at_one_insert(client_for, people):
    """One entry for the whole Excel list, one INSERT, no query per row."""
    client = client_for(people["info_manager"])
    _customers(people, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/customers/export/?kind=end_user").status_code == 200
    _customers(people, 5)  # … now 7 rows
    with CaptureQueriesContext(connection) as large:
        resp = client.get("/customers/export/?kind=end_user&q=")
        b"".join(resp.streaming_content)
    assert len(large.captured_queries) == len(small.captured_queries)
    touching = [q["sql"] for q in large.captured_queries if "audit_accessentry" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    entry = AccessEntry.objects.order_by("-pk").first()
    assert entry.action == "export" and entry.content_type is None
    assert "7 rows" in entry.what and "kind=end_user" in entry.what
    assert AccessEntry.objects.count() == 2


def test_cus_2_file_export_and_contact_view_logged(client_for, people, hz_customer):
    client = client_for(people["info_manager"])
    assert client.get(f"/customers/{hz_customer.pk}/export/").status_code == 200
    contact = hz_customer.contacts.get()
    assert client.get(f"/customers/contacts/{contact.pk}/edit/").status_code == 200
    kinds = list(
        AccessEntry.objects.order_by("pk").values_list("action", "content_type__model", "what")
    )
    assert kinds[0][:2] == ("export", "customer") and "Excel" in kinds[0][2]
    assert kinds[1][:2] == ("view", "contact")


def test_cus_2_api_detail_is_a_view_and_a_list_one_export_with_its_count(
    api_for, people, hz_customer
):
    api = api_for(people["agent"])
    assert api.get(f"/api/customers/{hz_customer.pk}/").status_code == 200
    assert api.get("/api/customers/", {"kind": "dealer"}).status_code == 200
    assert api.get("/api/contacts/").status_code == 200
    view, customers, contacts = AccessEntry.objects.order_by("pk")
    assert (view.action, view.object_id) == ("view", str(hz_customer.pk))
    assert customers.action == "export" and customers.object_id == ""
    assert "1 rows" in customers.what and "kind=dealer" in customers.what
    assert contacts.action == "export" and "Contact" in contacts.what


def test_sec_2_access_entries_cannot_be_changed_or_deleted(client_for, people, hz_customer):
    client_for(people["agent"]).get(f"/customers/{hz_customer.pk}/")
    entry = AccessEntry.objects.get()
    entry.what = "tampered"
    with pytest.raises(ImmutableAuditError):
        entry.save()
    with pytest.raises(ImmutableAuditError):
        entry.delete()
    with pytest.raises(ImmutableAuditError):
        AccessEntry.objects.update(what="x")
    with pytest.raises(ImmutableAuditError):
        AccessEntry.objects.all().delete()
    c = client_for(people["admin"])
    assert c.get("/admin/audit/accessentry/").status_code == 200
    assert c.get("/admin/audit/accessentry/add/").status_code == 403
    assert c.post(f"/admin/audit/accessentry/{entry.pk}/change/", {}).status_code == 403
    assert c.get(f"/admin/audit/accessentry/{entry.pk}/delete/").status_code == 403


def test_sec_2_unknown_action_is_a_programming_error(rf, people):
    request = rf.get("/")
    request.user = people["admin"]
    with pytest.raises(ValueError):
        record_access(request, "peek")


def test_sec_2_search_page_filters_by_person_type_action_dates_address_and_text(
    client_for, people, hz_customer, nj_customer
):
    client_for(people["agent"]).get(f"/customers/{hz_customer.pk}/", REMOTE_ADDR="10.1.1.5")
    client_for(people["info_manager"]).get(
        f"/customers/{nj_customer.pk}/export/", REMOTE_ADDR="192.168.3.9"
    )
    contact = hz_customer.contacts.get()
    client_for(people["info_manager"]).get(f"/customers/contacts/{contact.pk}/edit/")
    admin = client_for(people["admin"])
    from django.contrib.contenttypes.models import ContentType

    customer_type = ContentType.objects.get_for_model(Customer).pk
    contact_type = ContentType.objects.get_for_model(Contact).pk
    cases = {
        f"person={people['agent'].username}": 1,
        "action=export": 1,
        f"content_type={customer_type}": 2,
        f"content_type={contact_type}": 1,
        "client_address=10.1.": 1,
        "text=张伟": 1,
        "since=2000-01-01&until=2999-12-31": 3,
        "until=2000-01-01": 0,
    }
    for query, expected in cases.items():
        resp = admin.get(f"/audit/access/?{query}")
        assert resp.status_code == 200, query
        assert resp.context["page_obj"].paginator.count == expected, query
    page = admin.get("/audit/access/").content.decode()
    assert "10.1.1.5" in page and "access-export" in page


def test_sec_2_search_page_is_for_administrators_and_the_keeper_only(client_for, people):
    for persona in ["admin", "info_manager"]:
        assert client_for(people[persona]).get("/audit/access/").status_code == 200, persona
    for persona in ["agent", "technician", "company_manager", "branch_manager", "finance"]:
        resp = client_for(people[persona]).get("/audit/access/")
        assert resp.status_code == 403, persona
        assert "audit.view_accessentry" in resp.content.decode()
        assert client_for(people[persona]).get("/audit/access/export/").status_code == 403


def test_sec_2_search_export_is_excel_and_is_logged_itself(client_for, people, hz_customer):
    from openpyxl import load_workbook

    client_for(people["agent"]).get(f"/customers/{hz_customer.pk}/")
    resp = client_for(people["admin"]).get("/audit/access/export/?action=view")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == people["agent"].username
    entry = AccessEntry.objects.order_by("-pk").first()
    assert entry.actor == people["admin"] and entry.action == "export"
    assert "1 rows" in entry.what and "action=view" in entry.what


def test_sec_2_access_log_api_is_read_only_for_those_with_the_right(api_for, people, hz_customer):
    api_for(people["agent"]).get(f"/api/customers/{hz_customer.pk}/")
    admin = api_for(people["admin"])
    resp = admin.get("/api/access-log/", {"action": "view"})
    assert resp.status_code == 200
    assert [r["content_type"] for r in resp.data["results"]] == ["customers.customer"]
    assert admin.post("/api/access-log/", {}, format="json").status_code == 405
    entry_id = resp.data["results"][0]["id"]
    assert admin.delete(f"/api/access-log/{entry_id}/").status_code == 405
    resp = api_for(people["agent"]).get("/api/access-log/")
    assert resp.status_code == 403 and "audit.view_accessentry" in resp.data["detail"]
    # reading the log is itself an export of it
    assert AccessEntry.objects.filter(actor=people["admin"], action="export").count() == 1
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/access-log/" in schema["paths"]


def test_sec_2_menu_shows_the_access_log_next_to_the_audit_log(people):
    from aftersales.core.navigation import menu_for

    labels = [str(i["label"]) for i in menu_for(people["admin"], "/audit/access/")]
    assert labels.index("Access log") == labels.index("Audit log") + 1
    active = [str(i["label"]) for i in menu_for(people["admin"], "/audit/access/") if i["active"]]
    assert active == ["Access log"]
    assert "Access log" in [str(i["label"]) for i in menu_for(people["info_manager"], "/")]
    assert "Access log" not in [str(i["label"]) for i in menu_for(people["agent"], "/")]


def test_cus_2_cus_8_confidential_records_logged_order_pages_not_sec_3_demo():
    """Across the demo company: views of return visits, surveys, complaints, contracts,
    leads and hand-overs, and PDF/Excel files with customer data are logged; an order page
    (the fields order handling needs) is not. The demo has its own access entries and one
    customer anonymised on request (SEC-3)."""
    from django.test import Client

    from aftersales.accounts.models import User
    from aftersales.complaints.models import Complaint, ComplaintReply
    from aftersales.core.demo import load
    from aftersales.exchanges.models import ExchangeRequest
    from aftersales.fieldwork.models import TakeBack
    from aftersales.followup.models import ReturnVisit, Survey
    from aftersales.leads.models import Lead
    from aftersales.products.models import MaintenanceContract
    from aftersales.service.models import ServiceOrder

    load()
    # the demo: a few entries of its own, and one person anonymised with their orders kept
    assert AccessEntry.objects.filter(action="view").count() >= 2
    assert AccessEntry.objects.filter(action="export", content_type__isnull=True).exists()
    anonymised = Customer.objects.get(anonymised_at__isnull=False)
    assert anonymised.name == f"已匿名 / Anonymised #{anonymised.pk}" and not anonymised.is_active
    assert {o.contact_name for o in anonymised.service_orders.all()} == {anonymised.name}

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    order = ServiceOrder.objects.order_by("pk").first()
    before = AccessEntry.objects.count()
    assert client.get(f"/orders/{order.pk}/").status_code == 200
    assert AccessEntry.objects.count() == before, "an order page is not a customer file"

    logged = [
        (f"/followup/return-visits/{ReturnVisit.objects.first().pk}/", "view", "returnvisit"),
        (f"/followup/return-visits/{ReturnVisit.objects.first().pk}/pdf/", "print", "returnvisit"),
        (f"/followup/surveys/{Survey.objects.first().pk}/", "view", "survey"),
        ("/followup/satisfaction/export/", "export", None),
        (f"/complaints/{Complaint.objects.first().pk}/", "view", "complaint"),
        (
            f"/complaints/replies/{ComplaintReply.objects.first().pk}/pdf/",
            "print",
            "complaintreply",
        ),
        ("/complaints/violations/?format=xlsx", "export", None),
        (
            f"/products/contracts/{MaintenanceContract.objects.first().pk}/",
            "view",
            "maintenancecontract",
        ),
        (f"/leads/{Lead.objects.first().pk}/", "view", "lead"),
        (f"/fieldwork/take-backs/{TakeBack.objects.first().pk}/", "view", "takeback"),
        (f"/exchanges/{ExchangeRequest.objects.first().pk}/pdf/", "print", "exchangerequest"),
        ("/exchanges/ledger/?export=xlsx", "export", None),
        (f"/orders/{order.pk}/voucher.pdf", "print", "serviceorder"),
        ("/customers/export/", "export", None),
        ("/followup/satisfaction/", "view", None),
        ("/parts/reports/old-parts-not-returned/?format=xlsx", "export", None),
    ]
    from aftersales.charges.models import CustomerPayment, Quotation
    from aftersales.followup.models import FollowupCase

    def first(model):
        return model.objects.order_by("pk").first().pk

    # the API reads of the same records
    logged += [
        (f"/api/return-visits/{first(ReturnVisit)}/", "view", "returnvisit"),
        (f"/api/followup-cases/{first(FollowupCase)}/", "view", "followupcase"),
        (f"/api/surveys/{first(Survey)}/", "view", "survey"),
        (f"/api/complaints/{first(Complaint)}/", "view", "complaint"),
        (f"/api/complaint-replies/{first(ComplaintReply)}/", "view", "complaintreply"),
        (f"/api/complaint-replies/{first(ComplaintReply)}/pdf/", "print", "complaintreply"),
        (f"/api/exchanges/{first(ExchangeRequest)}/pdf/", "print", "exchangerequest"),
        (f"/api/quotations/{first(Quotation)}/pdf/", "print", "quotation"),
        (
            f"/api/maintenance-contracts/{first(MaintenanceContract)}/",
            "view",
            "maintenancecontract",
        ),
        (f"/api/leads/{first(Lead)}/", "view", "lead"),
        (f"/api/fieldwork/take-backs/{first(TakeBack)}/", "view", "takeback"),
        (f"/api/customers/{anonymised.pk}/", "view", "customer"),
        (f"/charges/payments/{first(CustomerPayment)}/receipt.pdf", "print", "customerpayment"),
    ]
    for url, action, model in logged:
        before = AccessEntry.objects.count()
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert AccessEntry.objects.count() == before + 1, url
        entry = AccessEntry.objects.order_by("-pk").first()
        assert entry.action == action, url
        assert (entry.content_type.model if entry.content_type_id else None) == model, url
        assert entry.path == url and entry.actor_name == "admin"


def test_cus_2_scanned_paper_voucher_download_logged(client_for, people, nj_customer):
    """The scan the customer signed leaves the system as a file: a download."""
    from django.core.files.base import ContentFile

    from aftersales.service import services as orders

    order = orders.receive_order(
        actor=people["outsider"],
        customer=nj_customer,
        order_type="repair",
        channel="phone",
        description="不制热",
    )
    order.paper_voucher.save("voucher.png", ContentFile(b"\x89PNG\r\n\x1a\nscan"))
    resp = client_for(people["admin"]).get(f"/orders/{order.pk}/paper-voucher/")
    assert resp.status_code == 200
    entry = AccessEntry.objects.get()
    assert (entry.action, entry.object_id) == ("download", str(order.pk))
    assert entry.content_type.model == "serviceorder"


def test_cus_2_a_nul_byte_in_the_query_is_logged_without_it(rf, people):
    """CUS-2: the logged address and browser are the client's text; a NUL byte in them (which
    PostgreSQL cannot store) is dropped, not a server error."""
    from aftersales.audit.models import AccessEntry
    from aftersales.audit.services import record_access

    request = rf.get("/customers/export/", {"q": "a\x00b"}, HTTP_USER_AGENT="x\x00y")
    request.user = people["info_manager"]
    entry = record_access(request, "export", what="list\x00")
    entry = AccessEntry.objects.get(pk=entry.pk)
    assert "\x00" not in entry.path and "%00" in entry.path
    assert entry.user_agent == "xy" and entry.what == "list"
