"""Customer pages: overview (CUS-1), file with history (CUS-3), forms (CUS-5), reach (ORG-3)."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from aftersales.audit.models import AuditEntry
from aftersales.customers import services
from aftersales.customers.models import Contact, Customer

from .conftest import uscc

pytestmark = pytest.mark.django_db


def many_customers(actor, n, start=0):
    for i in range(start, start + n):
        customer = services.create_customer(
            actor=actor,
            name=f"客户{i:03d}",
            kind="end_user",
            entity="person",
            phone=f"1390000{i:04d}",
        )
        services.add_contact(
            actor=actor, customer=customer, name=f"联系人{i}", phone=f"1380000{i:04d}"
        )


# CUS-1 overview --------------------------------------------------------------


def test_cus_1_overview_shows_one_line_per_customer_with_key_figures(
    client_for, people, hz_customer, nj_customer, make_unit
):
    # given a Hangzhou dealer with two units and one contact
    make_unit(hz_customer, "SN-0001")
    make_unit(hz_customer, "SN-0002")
    # when the HQ agent opens the overview
    resp = client_for(people["agent"]).get("/customers/")
    # then both customers are listed with their key figures
    assert resp.status_code == 200
    rows = {c.pk: c for c in resp.context["page_obj"]}
    assert set(rows) == {hz_customer.pk, nj_customer.pk}
    assert rows[hz_customer.pk].units_count == 2
    assert rows[hz_customer.pk].contacts_count == 1
    assert rows[nj_customer.pk].units_count == 0
    html = resp.content.decode()
    for text in [
        hz_customer.code,
        "杭州恒通暖通设备有限公司",
        "0571-88112233",
        "杭州分公司",
        "浙江",
    ]:
        assert text in html
    assert 'data-testid="export-xlsx"' not in html  # the agent has no export right


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=恒通", {"hz"}),
        ("q=88112233", {"hz"}),  # customer phone fragment
        ("q=139 1234 5678", {"hz"}),  # contact phone, written with spaces
        ("q=李明", {"hz"}),  # contact name
        ("q=91330100", {"hz"}),  # credit code
        ("q=13851234567", {"nj"}),
        ("kind=end_user", {"nj"}),
        ("entity=company", {"hz"}),
        ("service_tier=A", {"hz"}),
        ("region=EAST", {"hz", "nj"}),  # a region includes its sub-regions
        ("region=EAST-JS", {"nj"}),
        ("owner_unit=BR-HZ", {"hz"}),
        ("is_active=false", set()),
        ("relationship=active&credit=unknown", {"hz", "nj"}),
    ],
)
def test_cus_1_overview_filters_and_search(
    client_for, people, org, hz_customer, nj_customer, query, expected
):
    key, _sep, value = query.partition("=")
    if key == "region":
        query = f"region={org['regions'][value].pk}"
    if key == "owner_unit":
        query = f"owner_unit={org['units'][value].pk}"
    resp = client_for(people["agent"]).get(f"/customers/?{query}")
    assert resp.status_code == 200
    names = {"hz": hz_customer.pk, "nj": nj_customer.pk}
    assert {c.pk for c in resp.context["page_obj"]} == {names[k] for k in expected}


def test_cus_1_search_by_contact_does_not_repeat_or_inflate_rows(client_for, people, hz_customer):
    services.add_contact(
        actor=people["agent"], customer=hz_customer, name="李明华", phone="13900001111"
    )
    resp = client_for(people["agent"]).get("/customers/?q=李明")
    rows = list(resp.context["page_obj"])
    assert [c.pk for c in rows] == [hz_customer.pk]
    assert rows[0].contacts_count == 2


def test_cus_1_overview_is_paginated(client_for, people):
    many_customers(people["agent"], 30)
    resp = client_for(people["agent"]).get("/customers/")
    assert len(resp.context["page_obj"]) == 25
    resp = client_for(people["agent"]).get("/customers/?page=2")
    assert len(resp.context["page_obj"]) == 5


def test_cus_1_overview_query_count_does_not_grow_with_page_length(client_for, people, make_unit):
    client = client_for(people["agent"])
    many_customers(people["agent"], 5)
    client.get("/customers/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/customers/").status_code == 200
    many_customers(people["agent"], 20, start=5)
    with CaptureQueriesContext(connection) as twenty_five:
        resp = client.get("/customers/")
    assert len(resp.context["page_obj"]) == 25
    assert len(twenty_five.captured_queries) == len(five.captured_queries)


def test_cus_1_export_is_a_valid_xlsx_with_header_and_one_row_per_customer(
    client_for, people, hz_customer, nj_customer, make_unit
):
    # given the information manager (holds the export right) reading English
    user = people["info_manager"]
    user.language = "en"
    user.save(update_fields=["language"])
    make_unit(hz_customer, "SN-0001")
    # when they export the overview filtered to Zhejiang
    resp = client_for(user).get("/customers/export/?service_tier=A")
    # then they receive a workbook with the header and the matching rows
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in resp["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("Customer no.", "Name", "Kind")
    assert "Units" in rows[0] and "Contacts" in rows[0]
    assert len(rows) == 2
    assert rows[1][0] == hz_customer.code
    assert rows[1][rows[0].index("Units")] == 1
    # without a filter: one row per customer
    resp = client_for(user).get("/customers/export/")
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    assert ws.max_row == 1 + Customer.objects.count()


def test_cus_1_customer_file_exports_to_excel_with_contacts_units_and_history(
    client_for, people, hz_customer, make_unit
):
    """CUS-1: the customer file, not only the overview, can be exported."""
    make_unit(hz_customer, "SN-EXPORT-1")
    services.update_customer(actor=people["admin"], customer=hz_customer, service_tier="B")
    c = client_for(people["info_manager"])
    assert 'data-testid="file-export"' in c.get(f"/customers/{hz_customer.pk}/").content.decode()
    resp = c.get(f"/customers/{hz_customer.pk}/export/")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert wb.sheetnames == ["Customer file", "Contacts", "Units", "History"]
    file_rows = dict(list(wb["Customer file"].iter_rows(values_only=True))[1:])
    assert file_rows["Customer no."] == hz_customer.code
    assert ("李明", "总经理") == next(wb["Contacts"].iter_rows(min_row=2, values_only=True))[:2]
    assert next(wb["Units"].iter_rows(min_row=2, values_only=True))[0] == "SN-EXPORT-1"
    history = [r[3] for r in wb["History"].iter_rows(min_row=2, values_only=True)]
    assert any("Service tier" in (h or "") for h in history)


@pytest.mark.parametrize("persona", ["technician", "agent"])
def test_cus_1_customer_file_export_without_the_right_is_403(
    client_for, people, hz_customer, persona
):
    resp = client_for(people[persona]).get(f"/customers/{hz_customer.pk}/export/")
    assert resp.status_code == 403


def test_org_3_customer_file_export_outside_reach_is_403(client_for, people, hz_customer):
    people["outsider"].user_permissions.add(*Permission.objects.filter(codename="export_customers"))
    resp = client_for(people["outsider"]).get(f"/customers/{hz_customer.pk}/export/")
    assert resp.status_code == 403


def test_cus_1_export_headers_follow_the_interface_language(client_for, people, hz_customer):
    user = people["info_manager"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    resp = client_for(user).get("/customers/export/")
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    with translation.override("zh-hans"):
        expected = str(Customer._meta.get_field("code").verbose_name).capitalize()
    assert ws.cell(1, 1).value == expected


@pytest.mark.parametrize("persona", ["technician", "agent", "branch_manager"])
def test_cus_1_export_without_the_right_is_403_naming_it(client_for, people, hz_customer, persona):
    resp = client_for(people[persona]).get("/customers/export/")
    assert resp.status_code == 403
    assert "customers.export_customers" in resp.content.decode()


def test_cus_1_export_honours_reach(client_for, people, hz_customer, nj_customer):
    # the administrator sees all; a branch person with export right would see only theirs
    resp = client_for(people["admin"]).get("/customers/export/")
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    assert ws.max_row == 3


# ORG-3 reach -----------------------------------------------------------------


def test_org_3_outsider_does_not_see_hangzhou_customers_in_the_list(
    client_for, people, hz_customer, nj_customer
):
    resp = client_for(people["outsider"]).get("/customers/")
    assert [c.pk for c in resp.context["page_obj"]] == [nj_customer.pk]
    assert hz_customer.code not in resp.content.decode()


@pytest.mark.parametrize("suffix", ["", "edit/", "contacts/new/"])
def test_org_3_outsider_gets_403_with_reason_on_a_hangzhou_customer(
    client_for, people, hz_customer, suffix
):
    resp = client_for(people["outsider"]).get(f"/customers/{hz_customer.pk}/{suffix}")
    assert resp.status_code == 403
    assert "outside your reach" in resp.content.decode()


def test_org_3_outsider_cannot_deactivate_a_hangzhou_customer(client_for, people, hz_customer):
    resp = client_for(people["outsider"]).post(f"/customers/{hz_customer.pk}/deactivate/")
    assert resp.status_code == 403
    hz_customer.refresh_from_db()
    assert hz_customer.is_active


def test_org_3_unknown_customer_is_404(client_for, people):
    assert client_for(people["agent"]).get("/customers/999999/").status_code == 404


def test_org_2_technician_gets_403_naming_the_right_on_create(client_for, people):
    client = client_for(people["technician"])
    resp = client.get("/customers/new/")
    assert resp.status_code == 403
    assert "customers.add_customer" in resp.content.decode()
    resp = client.post(
        "/customers/new/",
        {"name": "x", "kind": "end_user", "entity": "person", "phone": "13912345678"},
    )
    assert resp.status_code == 403
    assert not Customer.objects.exists()


def test_org_2_technician_may_read_but_not_edit(client_for, people, hz_customer):
    client = client_for(people["technician"])
    resp = client.get(f"/customers/{hz_customer.pk}/")
    assert resp.status_code == 200
    assert f"/customers/{hz_customer.pk}/edit/" not in resp.content.decode()
    resp = client.get(f"/customers/{hz_customer.pk}/edit/")
    assert resp.status_code == 403
    assert "customers.change_customer" in resp.content.decode()


# Forms ------------------------------------------------------------------------


def form_data(**extra):
    data = {
        "name": "南京宏远商贸有限公司",
        "kind": "agent",
        "entity": "company",
        "credit_code": uscc("91320100555666777"),
        "phone": "025-83001111",
        "credit": "good",
        "credit_limit": "50000",
        "relationship": "active",
        "service_tier": "B",
    }
    data.update(extra)
    return data


def test_cus_5_create_form_files_the_customer(client_for, people, org):
    resp = client_for(people["outsider"]).post("/customers/new/", form_data())
    customer = Customer.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner_unit == org["units"]["BR-NJ"]
    assert customer.region == org["regions"]["EAST-JS"]
    assert (
        AuditEntry.objects.for_object(customer).filter(action="customers.customer.created").exists()
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345"), ("credit_code", "913201005556667770"), ("credit_code", "")],
)
def test_cus_5_bad_input_is_an_inline_field_error_and_nothing_written(
    client_for, people, field, value
):
    resp = client_for(people["outsider"]).post("/customers/new/", form_data(**{field: value}))
    assert resp.status_code == 200
    assert resp.context["form"].errors[field]
    assert "invalid-feedback" in resp.content.decode()
    assert not Customer.objects.exists()


def test_cus_5_duplicate_credit_code_is_a_field_error(client_for, people, hz_customer):
    resp = client_for(people["agent"]).post(
        "/customers/new/", form_data(credit_code=hz_customer.credit_code)
    )
    assert resp.status_code == 200
    assert hz_customer.code in str(resp.context["form"].errors["credit_code"])
    assert Customer.objects.count() == 1


def test_cus_3_edit_is_recorded_and_shown_in_the_history_panel(client_for, people, hz_customer):
    client = client_for(people["branch_manager"])
    data = {
        "name": hz_customer.name,
        "kind": "dealer",
        "entity": "company",
        "credit_code": hz_customer.credit_code,
        "phone": "0571-88112233",
        "credit": "good",
        "credit_limit": "200000",
        "relationship": "core",
        "service_tier": "A",
        "region": hz_customer.region_id,
        "owner_unit": hz_customer.owner_unit_id,
    }
    resp = client.post(f"/customers/{hz_customer.pk}/edit/", data)
    assert resp.status_code == 302
    entry = AuditEntry.objects.for_object(hz_customer).get(action="customers.customer.changed")
    assert entry.changes["credit_limit"] == ["0.00", "200000.00"]
    assert entry.changes["relationship"] == ["active", "core"]
    assert entry.actor == people["branch_manager"]
    page = client.get(f"/customers/{hz_customer.pk}/").content.decode()
    assert 'data-testid="history-panel"' in page
    assert "customers.customer.changed" in page
    assert "200000.00" in page


def test_cus_1_detail_shows_fields_contacts_units_and_contact_history(
    client_for, people, hz_customer, make_unit
):
    make_unit(hz_customer, "SN-7788")
    client = client_for(people["agent"])
    resp = client.post(
        f"/customers/{hz_customer.pk}/contacts/new/",
        {
            "name": "周静",
            "phone": "0571 8811 2299",
            "position": "采购",
            "birthday": "1988-03-08",
            "interests": "茶道",
            "personal_consent": "on",
            "consent_purpose": "客户联谊活动邀请",
        },
    )
    assert resp.status_code == 302
    page = client.get(f"/customers/{hz_customer.pk}/").content.decode()
    for text in [
        "杭州恒通暖通设备有限公司",
        hz_customer.credit_code,
        "李明",
        "周静",
        "0571-88112299",
        "茶道",
        "SN-7788",
        "customers.contact.added",
    ]:
        assert text in page


def test_cus_5_contact_form_rejects_bad_phone(client_for, people, hz_customer):
    resp = client_for(people["agent"]).post(
        f"/customers/{hz_customer.pk}/contacts/new/", {"name": "周静", "phone": "0000"}
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["phone"]
    assert hz_customer.contacts.count() == 1


def test_cus_5_contact_edit_and_remove_through_pages(client_for, people, hz_customer):
    client = client_for(people["branch_manager"])
    contact = hz_customer.contacts.get()
    resp = client.post(
        f"/customers/contacts/{contact.pk}/edit/",
        {"name": "李明", "phone": "13912345679", "position": "董事长", "is_primary": "on"},
    )
    assert resp.status_code == 302
    contact.refresh_from_db()
    assert contact.position == "董事长" and contact.phone == "13912345679"
    resp = client.post(f"/customers/contacts/{contact.pk}/remove/")
    assert resp.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    actions = set(AuditEntry.objects.for_object(hz_customer).values_list("action", flat=True))
    assert {"customers.contact.changed", "customers.contact.removed"} <= actions


def test_org_3_outsider_cannot_edit_or_remove_a_hangzhou_contact(client_for, people, hz_customer):
    contact = hz_customer.contacts.get()
    client = client_for(people["outsider"])
    assert client.get(f"/customers/contacts/{contact.pk}/edit/").status_code == 403
    assert client.post(f"/customers/contacts/{contact.pk}/remove/").status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_sec_1_deactivate_and_reactivate_buttons(client_for, people, hz_customer):
    client = client_for(people["branch_manager"])
    page = client.get(f"/customers/{hz_customer.pk}/").content.decode()
    assert "data-confirm" in page
    assert client.get(f"/customers/{hz_customer.pk}/deactivate/").status_code == 405
    assert (
        client.post(f"/customers/{hz_customer.pk}/deactivate/", {"reason": "停业"}).status_code
        == 302
    )
    hz_customer.refresh_from_db()
    assert not hz_customer.is_active
    assert client.post(f"/customers/{hz_customer.pk}/reactivate/").status_code == 302
    hz_customer.refresh_from_db()
    assert hz_customer.is_active
    actions = list(AuditEntry.objects.for_object(hz_customer).values_list("action", flat=True))
    assert (
        "customers.customer.deactivated" in actions and "customers.customer.reactivated" in actions
    )


def test_cus_1_overview_is_phone_friendly(client_for, people, hz_customer):
    html = client_for(people["agent"]).get("/customers/").content.decode()
    assert "table-responsive" in html
    assert "d-none d-md-table-cell" in html
    assert "style=" not in html.split("<main", 1)[1]  # strict CSP: no inline styles
