"""Customer-file services: CUS-3, CUS-5, ORG-3 and SEC-1 enforced where every write goes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.customers import services
from aftersales.customers.models import Contact, Customer

from .conftest import uscc

pytestmark = pytest.mark.django_db


def company_fields(**extra):
    fields = {
        "name": "宁波瑞丰商贸有限公司",
        "kind": "agent",
        "entity": "company",
        "credit_code": uscc("91330200987654321"),
        "phone": "0574-87654321",
    }
    fields.update(extra)
    return fields


def test_cus_5_company_customer_is_numbered_normalised_and_audited(people, org):
    # given an HQ information manager
    actor = people["info_manager"]
    # when a company customer is filed under the Ningbo service centre
    customer = services.create_customer(
        actor=actor,
        owner_unit=org["units"]["SC-NB"],
        **company_fields(credit_code="  " + uscc("91330200987654321").lower()),
    )
    # then it gets a C-number, the code is upper-cased, the region comes from the unit
    assert customer.code.startswith("C-") and customer.code.endswith("-0001")
    assert customer.credit_code == uscc("91330200987654321")
    assert customer.region == org["regions"]["EAST-ZJ"]
    entry = AuditEntry.objects.for_object(customer).get()
    assert entry.action == "customers.customer.created"
    assert entry.actor == actor
    assert entry.changes["name"] == [None, "宁波瑞丰商贸有限公司"]


@pytest.mark.parametrize("kind", ["dealer", "retailer", "agent", "end_user"])
def test_cus_5_every_customer_kind_can_be_filed(people, kind):
    customer = services.create_customer(
        actor=people["agent"],
        **company_fields(kind=kind, credit_code=uscc(f"9133020098765432{len(kind)}")),
    )
    assert customer.get_kind_display()


def test_cus_5_person_has_no_credit_code(people):
    with pytest.raises(ServiceError) as err:
        services.create_customer(
            actor=people["agent"], **company_fields(entity="person", kind="end_user")
        )
    assert "credit_code" in err.value.error_dict
    assert not Customer.objects.exists()
    person = services.create_customer(
        actor=people["agent"], name="王芳", kind="end_user", entity="person", phone="13800001111"
    )
    assert person.credit_code == ""


def test_cus_5_company_needs_a_credit_code(people):
    with pytest.raises(ServiceError) as err:
        services.create_customer(actor=people["agent"], **company_fields(credit_code=""))
    assert "credit_code" in err.value.error_dict


def test_cus_5_credit_code_with_bad_check_char_is_refused_and_nothing_written(people):
    good = uscc("91330200987654321")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ServiceError) as err:
        services.create_customer(actor=people["agent"], **company_fields(credit_code=bad))
    assert "check digit" in " ".join(err.value.message_dict["credit_code"])
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="customers.").exists()


def test_cus_5_duplicate_credit_code_is_refused(people, hz_customer):
    with pytest.raises(ServiceError) as err:
        services.create_customer(
            actor=people["agent"], **company_fields(credit_code=hz_customer.credit_code)
        )
    assert hz_customer.code in err.value.message_dict["credit_code"][0]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("139 1234 5678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("(0571) 8811 2233", "0571-88112233"),
        ("02183001234", "021-83001234"),
    ],
)
def test_cus_5_mainland_mobile_and_landline_are_accepted_and_normalised(people, raw, stored):
    customer = services.create_customer(
        actor=people["agent"], name="赵强", kind="end_user", entity="person", phone=raw
    )
    assert customer.phone == stored


@pytest.mark.parametrize("raw", ["12345", "1391234567", "abc", ""])
def test_cus_5_invalid_phone_is_a_field_error_and_nothing_written(people, raw):
    with pytest.raises(ServiceError) as err:
        services.create_customer(
            actor=people["agent"], name="赵强", kind="end_user", entity="person", phone=raw
        )
    assert "phone" in err.value.error_dict
    assert not Customer.objects.exists()


def test_org_3_branch_person_files_under_own_unit_by_default(people, org):
    customer = services.create_customer(
        actor=people["salesperson"],
        name="钱军",
        kind="end_user",
        entity="person",
        phone="13700001234",
    )
    assert customer.owner_unit == org["units"]["BR-HZ"]
    assert customer.region == org["regions"]["EAST-ZJ"]


def test_org_3_owner_unit_outside_reach_is_refused(people, org):
    with pytest.raises(ServiceError) as err:
        services.create_customer(
            actor=people["branch_manager"],
            owner_unit=org["units"]["BR-NJ"],
            name="钱军",
            kind="end_user",
            entity="person",
            phone="13700001234",
        )
    assert "owner_unit" in err.value.error_dict
    assert not Customer.objects.exists()


def test_org_3_outsider_cannot_change_a_hangzhou_customer(people, hz_customer):
    with pytest.raises(PermissionDenied) as err:
        services.update_customer(actor=people["outsider"], customer=hz_customer, name="x")
    assert hz_customer.code in str(err.value)
    hz_customer.refresh_from_db()
    assert hz_customer.name == "杭州恒通暖通设备有限公司"


def test_org_2_technician_without_the_right_cannot_file_customers(people):
    with pytest.raises(PermissionDenied) as err:
        services.create_customer(
            actor=people["technician"],
            name="赵强",
            kind="end_user",
            entity="person",
            phone="13912345678",
        )
    assert "customers.add_customer" in str(err.value)


def test_cus_3_change_records_before_after_author_and_time(people, hz_customer):
    # given a Hangzhou customer on tier A
    actor = people["info_manager"]
    # when the information manager changes tier and phone
    services.update_customer(
        actor=actor, customer=hz_customer, service_tier="B", phone="0571 8811 9999"
    )
    # then one audit row holds the before → after values, who and when
    entry = (
        AuditEntry.objects.for_object(hz_customer).filter(action="customers.customer.changed").get()
    )
    assert entry.changes["service_tier"] == ["A", "B"]
    assert entry.changes["phone"] == ["0571-88112233", "0571-88119999"]
    assert entry.actor == actor and entry.actor_name == "xinxi"
    assert entry.at is not None
    hz_customer.refresh_from_db()
    assert hz_customer.updated_by == actor


def test_cus_3_a_change_that_changes_nothing_writes_no_row(people, hz_customer):
    before = AuditEntry.objects.count()
    services.update_customer(actor=people["agent"], customer=hz_customer, phone="0571-88112233")
    assert AuditEntry.objects.count() == before


def test_cus_3_refused_change_writes_nothing(people, hz_customer):
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError):
        services.update_customer(
            actor=people["agent"], customer=hz_customer, name="新名字", phone="12"
        )
    hz_customer.refresh_from_db()
    assert hz_customer.name == "杭州恒通暖通设备有限公司"
    assert AuditEntry.objects.count() == before


def test_cus_5_contact_with_optional_personal_details(people, hz_customer):
    contact = services.add_contact(
        actor=people["agent"],
        customer=hz_customer,
        name="周静",
        position="采购经理",
        phone="0571-88112234",
        birthday=datetime.date(1985, 6, 1),
        interests="羽毛球",
        personal_consent=True,
        consent_purpose="客户联谊活动邀请",
    )
    assert contact.birthday == datetime.date(1985, 6, 1)
    assert contact.interests == "羽毛球"
    bare = services.add_contact(
        actor=people["agent"], customer=hz_customer, name="小吴", phone="13600001111"
    )
    assert bare.birthday is None and bare.interests == ""
    entry = (
        AuditEntry.objects.for_object(hz_customer).filter(action="customers.contact.added").first()
    )
    assert entry.changes["contact.name"] == [None, "小吴"]


def test_cus_5_contact_phone_is_validated(people, hz_customer):
    with pytest.raises(ServiceError) as err:
        services.add_contact(actor=people["agent"], customer=hz_customer, name="周静", phone="8811")
    assert "phone" in err.value.error_dict
    assert hz_customer.contacts.count() == 1


def test_cus_5_only_one_primary_contact_per_customer(people, hz_customer):
    old = hz_customer.contacts.get()
    assert old.is_primary
    new = services.add_contact(
        actor=people["agent"],
        customer=hz_customer,
        name="周静",
        phone="13600001111",
        is_primary=True,
    )
    old.refresh_from_db()
    assert new.is_primary and not old.is_primary
    assert Contact.objects.filter(customer=hz_customer, is_primary=True).count() == 1
    # switching back through an update unsets the other again
    services.update_contact(actor=people["agent"], contact=old, is_primary=True)
    new.refresh_from_db()
    assert not new.is_primary
    assert list(hz_customer.contacts.filter(is_primary=True)) == [old]


def test_sec_1_contact_change_and_removal_are_audited_on_the_customer(people, hz_customer):
    contact = hz_customer.contacts.get()
    services.update_contact(actor=people["agent"], contact=contact, phone="13912340000")
    services.remove_contact(actor=people["agent"], contact=contact)
    entries = AuditEntry.objects.for_object(hz_customer)
    changed = entries.get(action="customers.contact.changed")
    assert changed.changes["contact.phone"] == ["13912345678", "13912340000"]
    removed = entries.get(action="customers.contact.removed")
    assert removed.changes["contact.name"] == ["李明", None]
    assert removed.actor == people["agent"]
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_org_3_outsider_cannot_touch_contacts_of_a_hangzhou_customer(people, hz_customer):
    contact = hz_customer.contacts.get()
    with pytest.raises(PermissionDenied):
        services.add_contact(
            actor=people["outsider"], customer=hz_customer, name="x", phone="13912345678"
        )
    with pytest.raises(PermissionDenied):
        services.remove_contact(actor=people["outsider"], contact=contact)
    assert hz_customer.contacts.count() == 1


def test_sec_1_deactivate_and_reactivate_are_audited(people, hz_customer):
    services.deactivate_customer(
        actor=people["branch_manager"], customer=hz_customer, reason="停业"
    )
    hz_customer.refresh_from_db()
    assert not hz_customer.is_active
    with pytest.raises(ServiceError):
        services.deactivate_customer(actor=people["branch_manager"], customer=hz_customer)
    services.reactivate_customer(actor=people["branch_manager"], customer=hz_customer)
    hz_customer.refresh_from_db()
    assert hz_customer.is_active
    actions = list(
        AuditEntry.objects.for_object(hz_customer).order_by("id").values_list("action", "note")
    )
    assert ("customers.customer.deactivated", "停业") in actions
    assert actions[-1][0] == "customers.customer.reactivated"
