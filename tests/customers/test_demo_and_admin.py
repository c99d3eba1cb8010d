"""Demo customers (CUS-5 variety, valid identifiers) and the audited admin screens (SEC-1)."""

from collections import Counter

import pytest

from aftersales.audit.models import AuditEntry
from aftersales.core.validators import normalize_phone, validate_uscc
from aftersales.customers import demo
from aftersales.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_cus_5_demo_has_50_believable_customers_written_through_services(org):
    # when the customer demo loads on the demo organisation
    demo.load(org)
    # then 50 customers of every kind are spread over the four units
    customers = org["customers"]
    assert len(customers) == 50 == Customer.objects.count()
    kinds = Counter((c.kind, c.entity) for c in customers)
    assert {k for k, _e in kinds} == {"dealer", "retailer", "agent", "end_user"}
    assert kinds[("end_user", "person")] > 0 and kinds[("end_user", "company")] > 0
    owners = {c.owner_unit.code for c in customers}
    assert owners == {"HQ-CS", "BR-HZ", "BR-NJ", "SC-NB"}
    assert {c.service_tier for c in customers} == {"A", "B", "C"}
    for c in customers:
        assert normalize_phone(c.phone) == c.phone
        if c.entity == "company":
            validate_uscc(c.credit_code)
        else:
            assert c.credit_code == ""
        contacts = list(c.contacts.all())
        assert 1 <= len(contacts) <= 3
        assert sum(x.is_primary for x in contacts) == 1
        assert AuditEntry.objects.for_object(c).filter(action="customers.customer.created").exists()
    assert any("-" in x.phone for c in customers for x in c.contacts.all())  # some landlines
    assert Customer.objects.filter(is_active=False).count() == 1


def test_cus_5_demo_is_deterministic(org):
    demo.load(org)
    first = [(c.name, c.credit_code, c.phone) for c in org["customers"]]
    Customer.objects.all().delete()
    demo.load(org)
    assert [(c.name, c.credit_code, c.phone) for c in org["customers"]] == first


def test_sec_1_admin_lists_customers_and_contacts_and_audits_changes(
    client_for, people, hz_customer
):
    client = client_for(people["admin"])
    assert client.get("/admin/customers/customer/").status_code == 200
    assert client.get("/admin/customers/contact/?q=李明").status_code == 200
    assert client.get("/admin/customers/customer/add/").status_code == 403
    contact = hz_customer.contacts.get()
    resp = client.post(
        f"/admin/customers/contact/{contact.pk}/change/",
        {
            "customer": hz_customer.pk,
            "name": "李明",
            "position": "董事长",
            "phone": "13912345678",
            "is_primary": "on",
        },
    )
    assert resp.status_code == 302
    entry = AuditEntry.objects.for_object(contact).get()
    assert entry.action == "admin.customers.contact.changed"
    assert entry.changes["position"] == ["总经理", "董事长"]
