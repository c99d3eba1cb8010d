"""Customer API: reach (ORG-3), rights, field errors (CUS-5), audit (SEC-1, CUS-3)."""

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.customers.models import Contact, Customer

from .conftest import uscc

pytestmark = pytest.mark.django_db


def payload(**extra):
    data = {
        "name": "无锡启明节能科技有限公司",
        "kind": "dealer",
        "entity": "company",
        "credit_code": uscc("91320200111222333"),
        "phone": "0510 8123 4567",
    }
    data.update(extra)
    return data


def test_org_3_api_list_is_limited_to_reach(api_for, people, hz_customer, nj_customer):
    resp = api_for(people["outsider"]).get("/api/customers/")
    assert resp.status_code == 200
    assert [c["id"] for c in resp.data["results"]] == [nj_customer.pk]
    resp = api_for(people["agent"]).get("/api/customers/")
    assert {c["id"] for c in resp.data["results"]} == {hz_customer.pk, nj_customer.pk}


def test_cus_1_api_list_has_key_figures_and_filters(
    api_for, people, hz_customer, nj_customer, make_unit
):
    make_unit(hz_customer, "SN-1")
    client = api_for(people["agent"])
    row = client.get(f"/api/customers/{hz_customer.pk}/").data
    assert row["units_count"] == 1 and row["contacts_count"] == 1
    assert row["code"] == hz_customer.code
    resp = client.get("/api/customers/", {"q": "李明"})
    assert [c["id"] for c in resp.data["results"]] == [hz_customer.pk]
    resp = client.get("/api/customers/", {"kind": "end_user"})
    assert [c["id"] for c in resp.data["results"]] == [nj_customer.pk]


def test_org_3_api_detail_out_of_reach_is_403_with_reason(api_for, people, hz_customer):
    client = api_for(people["outsider"])
    resp = client.get(f"/api/customers/{hz_customer.pk}/")
    assert resp.status_code == 403
    assert "outside your reach" in resp.data["detail"]
    resp = client.patch(f"/api/customers/{hz_customer.pk}/", {"name": "x"}, format="json")
    assert resp.status_code == 403
    resp = client.post(f"/api/customers/{hz_customer.pk}/deactivate/")
    assert resp.status_code == 403
    hz_customer.refresh_from_db()
    assert hz_customer.name == "杭州恒通暖通设备有限公司" and hz_customer.is_active
    assert client.get("/api/customers/999999/").status_code == 404


def test_cus_5_api_create_files_and_audits(api_for, people, org):
    resp = api_for(people["outsider"]).post("/api/customers/", payload(), format="json")
    assert resp.status_code == 201, resp.data
    assert resp.data["phone"] == "0510-81234567"
    assert resp.data["code"].startswith("C-")
    assert resp.data["owner_unit"] == org["units"]["BR-NJ"].pk
    customer = Customer.objects.get(pk=resp.data["id"])
    entry = AuditEntry.objects.for_object(customer).get()
    assert entry.action == "customers.customer.created" and entry.actor == people["outsider"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("credit_code", "913202001112223330"),
        ("credit_code", "TOO-SHORT"),
    ],
)
def test_cus_5_api_bad_input_is_400_with_field_error_and_nothing_written(
    api_for, people, field, value
):
    if field == "credit_code" and value.startswith("9132"):
        good = uscc("91320200111222333")
        value = good[:17] + ("0" if good[17] != "0" else "1")
    resp = api_for(people["agent"]).post(
        "/api/customers/", payload(**{field: value}), format="json"
    )
    assert resp.status_code == 400
    assert field in resp.data
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="customers.").exists()


def test_cus_5_api_duplicate_credit_code_is_400(api_for, people, hz_customer):
    resp = api_for(people["agent"]).post(
        "/api/customers/", payload(credit_code=hz_customer.credit_code), format="json"
    )
    assert resp.status_code == 400
    assert hz_customer.code in resp.data["credit_code"][0]
    assert Customer.objects.count() == 1


def test_org_3_api_owner_unit_outside_reach_is_400(api_for, people, org):
    resp = api_for(people["outsider"]).post(
        "/api/customers/", payload(owner_unit=org["units"]["BR-HZ"].pk), format="json"
    )
    assert resp.status_code == 400
    assert "owner_unit" in resp.data
    assert not Customer.objects.exists()


def test_org_2_api_technician_cannot_create(api_for, people):
    resp = api_for(people["technician"]).post("/api/customers/", payload(), format="json")
    assert resp.status_code == 403
    assert "customers.add_customer" in resp.data["detail"]
    assert not Customer.objects.exists()


def test_cus_3_api_patch_records_before_after(api_for, people, hz_customer):
    resp = api_for(people["branch_manager"]).patch(
        f"/api/customers/{hz_customer.pk}/",
        {"service_tier": "C", "credit_limit": "1000"},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    assert resp.data["service_tier"] == "C"
    entry = AuditEntry.objects.for_object(hz_customer).get(action="customers.customer.changed")
    assert entry.changes == {"service_tier": ["A", "C"], "credit_limit": ["0.00", "1000.00"]}


def test_cus_1_api_has_no_delete_but_a_deactivate_action(api_for, people, hz_customer):
    client = api_for(people["admin"])
    assert client.delete(f"/api/customers/{hz_customer.pk}/").status_code == 405
    resp = client.post(
        f"/api/customers/{hz_customer.pk}/deactivate/", {"reason": "倒闭"}, format="json"
    )
    assert resp.status_code == 200
    assert resp.data["is_active"] is False
    assert client.post(f"/api/customers/{hz_customer.pk}/deactivate/").status_code == 400
    resp = client.post(f"/api/customers/{hz_customer.pk}/reactivate/")
    assert resp.status_code == 200 and resp.data["is_active"] is True
    actions = list(AuditEntry.objects.for_object(hz_customer).values_list("action", flat=True))
    assert "customers.customer.deactivated" in actions


def test_org_2_api_technician_cannot_deactivate(api_for, people, hz_customer):
    resp = api_for(people["technician"]).post(f"/api/customers/{hz_customer.pk}/deactivate/")
    assert resp.status_code == 403
    assert "customers.change_customer" in resp.data["detail"]


def test_cus_5_api_contacts_crud_with_customer_filter(api_for, people, hz_customer, nj_customer):
    client = api_for(people["agent"])
    resp = client.post(
        "/api/contacts/",
        {
            "customer": hz_customer.pk,
            "name": "周静",
            "phone": "+86 136 0000 1111",
            "is_primary": True,
            "birthday": "1990-01-02",
            # SEC-3: kept only with the person's consent and its purpose.
            "personal_consent": True,
            "consent_purpose": "生日问候",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.data
    assert resp.data["phone"] == "13600001111"
    new_id = resp.data["id"]
    assert Contact.objects.filter(customer=hz_customer, is_primary=True).get().pk == new_id
    resp = client.get("/api/contacts/", {"customer": hz_customer.pk})
    assert {c["id"] for c in resp.data["results"]} == set(
        hz_customer.contacts.values_list("pk", flat=True)
    )
    resp = client.patch(f"/api/contacts/{new_id}/", {"position": "采购经理"}, format="json")
    assert resp.status_code == 200 and resp.data["position"] == "采购经理"
    resp = client.patch(f"/api/contacts/{new_id}/", {"customer": nj_customer.pk}, format="json")
    assert resp.status_code == 400 and "customer" in resp.data
    assert client.delete(f"/api/contacts/{new_id}/").status_code == 204
    actions = list(AuditEntry.objects.for_object(hz_customer).values_list("action", flat=True))
    assert {
        "customers.contact.added",
        "customers.contact.changed",
        "customers.contact.removed",
    } <= set(actions)


def test_cus_5_api_contact_bad_phone_is_400(api_for, people, hz_customer):
    resp = api_for(people["agent"]).post(
        "/api/contacts/",
        {"customer": hz_customer.pk, "name": "周静", "phone": "123"},
        format="json",
    )
    assert resp.status_code == 400 and "phone" in resp.data
    assert hz_customer.contacts.count() == 1


def test_org_3_api_contacts_out_of_reach(api_for, people, hz_customer):
    contact = hz_customer.contacts.get()
    client = api_for(people["outsider"])
    assert client.get("/api/contacts/").data["results"] == []
    assert client.get(f"/api/contacts/{contact.pk}/").status_code == 403
    assert client.delete(f"/api/contacts/{contact.pk}/").status_code == 403
    resp = client.post(
        "/api/contacts/",
        {"customer": hz_customer.pk, "name": "x", "phone": "13912345678"},
        format="json",
    )
    assert resp.status_code == 403
    assert hz_customer.contacts.count() == 1


def test_org_2_api_technician_cannot_add_contacts(api_for, people, hz_customer):
    resp = api_for(people["technician"]).post(
        "/api/contacts/",
        {"customer": hz_customer.pk, "name": "x", "phone": "13912345678"},
        format="json",
    )
    assert resp.status_code == 403
    assert "customers.add_contact" in resp.data["detail"]


def test_api_schema_lists_customer_endpoints(api_for, people):
    resp = api_for(people["admin"]).get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    paths = resp.json()["paths"] if hasattr(resp, "json") else resp.data["paths"]
    assert "/api/customers/{id}/deactivate/" in paths
    assert "/api/contacts/" in paths
