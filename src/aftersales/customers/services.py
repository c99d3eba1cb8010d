"""Writes on customer files and contacts (CUS-1, CUS-3, CUS-5, ORG-3); each audited (SEC-1).

Contact changes are recorded on the customer (action ``customers.contact.*``,
fields prefixed ``contact.``) so the customer file's history shows them, even
after a contact was removed.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import OrgUnit
from aftersales.accounts.reach import reach_of
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.core.validators import normalize_phone, validate_uscc
from aftersales.customers.models import Contact, Customer

CUSTOMER_FIELDS = {
    "name",
    "kind",
    "entity",
    "credit_code",
    "phone",
    "email",
    "address",
    "business_content",
    "credit",
    "credit_limit",
    "relationship",
    "service_tier",
    "region",
    "owner_unit",
    "notes",
}
CENT = Decimal("0.01")
CONTACT_FIELDS = {
    "name",
    "position",
    "phone",
    "email",
    "is_primary",
    "birthday",
    "interests",
    "personal_consent",
    "consent_on",
    "consent_purpose",
}
# Text fields a form may send as None when left empty.
_TEXT_FIELDS = {
    "name",
    "credit_code",
    "phone",
    "email",
    "address",
    "business_content",
    "notes",
    "position",
    "interests",
    "consent_purpose",
}


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def _require_customer_reach(actor, customer: Customer) -> None:
    """ORG-3: act only on customers of one's own unit or region."""
    if actor is None:
        return
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(
            _(
                "Customer %(code)s belongs to another organisation unit or region "
                "outside your reach."
            )
            % {"code": customer.code}
        )


def _refuse_anonymised(customer: Customer) -> None:
    """SEC-3: an anonymised file stays as it is; it is not filled in again."""
    if customer.anonymised_at is not None:
        raise ServiceError(
            _("Customer %(code)s was anonymised on the person's request; it cannot be changed.")
            % {"code": customer.code}
        )


def _check_fields(fields: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return {k: ("" if v is None and k in _TEXT_FIELDS else v) for k, v in fields.items()}


def _normalize_phone_field(value: str, field: str = "phone") -> str:
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ServiceError({field: exc.messages}) from exc


def _apply_customer_rules(actor, customer: Customer, changed: set[str]) -> None:
    """Check and normalise a customer's fields after the new values were set."""
    errors: dict[str, list[str]] = {}

    customer.name = (customer.name or "").strip()
    if not customer.name:
        errors.setdefault("name", []).append(_("Enter the customer's name."))

    try:
        customer.phone = normalize_phone(customer.phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)

    # CUS-5: a company is identified by its unified social credit code; a person has none.
    customer.credit_code = (customer.credit_code or "").strip().upper()
    if customer.entity == Customer.Entity.COMPANY:
        if not customer.credit_code:
            errors.setdefault("credit_code", []).append(
                _("A company needs its unified social credit code.")
            )
        else:
            try:
                validate_uscc(customer.credit_code)
            except ValidationError as exc:
                errors.setdefault("credit_code", []).extend(exc.messages)
    elif customer.credit_code:
        errors.setdefault("credit_code", []).append(
            _("A person has no unified social credit code; leave it empty.")
        )
    if customer.credit_code and "credit_code" not in errors:
        taken = (
            Customer.objects.filter(credit_code=customer.credit_code)
            .exclude(pk=customer.pk)
            .values_list("code", flat=True)
            .first()
        )
        if taken:
            errors.setdefault("credit_code", []).append(
                _("Customer %(code)s already has this unified social credit code.")
                % {"code": taken}
            )

    # ORG-3: a customer is filed under a unit within the actor's reach.
    if customer.owner_unit_id is None:
        errors.setdefault("owner_unit", []).append(_("Choose the owning unit."))
    elif actor is not None and "owner_unit" in changed:
        reach = reach_of(actor)
        if not reach.everything and customer.owner_unit_id not in reach.unit_ids:
            errors.setdefault("owner_unit", []).append(
                _("You can only file customers under units within your reach.")
            )

    try:
        customer.credit_limit = Decimal(customer.credit_limit or 0).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault("credit_limit", []).append(_("Enter an amount in CNY."))
    else:
        if customer.credit_limit < 0:
            errors.setdefault("credit_limit", []).append(_("The credit limit cannot be negative."))

    if errors:
        raise ServiceError(errors)


def _save_customer(customer: Customer) -> None:
    customer.full_clean()
    try:
        # A concurrent writer may take the same credit code between check and save.
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise ServiceError(
            {"credit_code": _("Another customer already has this unified social credit code.")}
        ) from exc


def create_customer(*, actor, **fields) -> Customer:
    """File a new customer (CUS-1, CUS-5); numbered C-YYYYMMDD-NNNN."""
    _require(actor, "customers.add_customer")
    fields = _check_fields(fields, CUSTOMER_FIELDS)
    customer = Customer(created_by=actor, updated_by=actor)
    for name, value in fields.items():
        setattr(customer, name, value)
    changed = set(fields)
    # Non-HQ people file customers under their own unit unless they choose another in reach.
    if customer.owner_unit_id is None and actor is not None and actor.org_unit_id:
        customer.owner_unit = actor.org_unit
        changed.add("owner_unit")
    if customer.region_id is None and customer.owner_unit_id:
        customer.region = OrgUnit.objects.get(pk=customer.owner_unit_id).region
    with transaction.atomic():
        _apply_customer_rules(actor, customer, changed)
        customer.code = next_number("C")
        _save_customer(customer)
        record(customer, "customers.customer.created", actor=actor)
    return customer


def update_customer(*, actor, customer: Customer, **fields) -> Customer:
    """Change a customer file; the audit row keeps before → after (CUS-3)."""
    _require(actor, "customers.change_customer")
    fields = _check_fields(fields, CUSTOMER_FIELDS)
    _require_customer_reach(actor, customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _refuse_anonymised(customer)
        before = snapshot(customer)
        old_owner = customer.owner_unit_id
        for name, value in fields.items():
            setattr(customer, name, value)
        changed = set(fields)
        if customer.owner_unit_id == old_owner:
            changed.discard("owner_unit")
        _apply_customer_rules(actor, customer, changed)
        after = snapshot(customer)
        if after == before:
            return customer
        customer.updated_by = actor
        _save_customer(customer)
        record(customer, "customers.customer.changed", actor=actor, before=before)
        if after.get("name") != before.get("name"):
            from aftersales.service import search  # the orders' search column copies the name

            search.refresh(customer.service_orders.all())
    return customer


def _set_active(*, actor, customer: Customer, active: bool, reason: str) -> Customer:
    _require(actor, "customers.change_customer")
    _require_customer_reach(actor, customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _refuse_anonymised(customer)
        if customer.is_active == active:
            message = (
                _("This customer is already active.")
                if active
                else _("This customer is already deactivated.")
            )
            raise ServiceError(message)
        before = snapshot(customer)
        customer.is_active = active
        customer.updated_by = actor
        customer.save(update_fields=["is_active", "updated_by", "updated_at"])
        action = "customers.customer.reactivated" if active else "customers.customer.deactivated"
        record(customer, action, actor=actor, before=before, note=reason)
    return customer


def deactivate_customer(*, actor, customer: Customer, reason: str = "") -> Customer:
    """Close a customer file; it stays with its history and units, marked inactive."""
    return _set_active(actor=actor, customer=customer, active=False, reason=reason)


def reactivate_customer(*, actor, customer: Customer, reason: str = "") -> Customer:
    return _set_active(actor=actor, customer=customer, active=True, reason=reason)


# Contacts -----------------------------------------------------------------


def _contact_snapshot(contact: Contact) -> dict[str, Any]:
    data = snapshot(contact)
    data.pop("customer", None)
    data.pop("id", None)
    return {f"contact.{k}": v for k, v in data.items()}


def _contact_note(contact: Contact) -> str:
    return _("Contact %(name)s (#%(id)s)") % {"name": contact.name, "id": contact.pk}


def _apply_contact_rules(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    contact.name = (contact.name or "").strip()
    if not contact.name:
        errors.setdefault("name", []).append(_("Enter the contact's name."))
    try:
        contact.phone = normalize_phone(contact.phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)
    _apply_consent_rules(contact, errors)
    if errors:
        raise ServiceError(errors)
    contact.full_clean(exclude=["customer"])


def _apply_consent_rules(contact: Contact, errors: dict[str, list[str]]) -> None:
    """SEC-3: birthday and interests go beyond what the service needs; they are kept only
    with the person's consent and its purpose. Consent dated today unless a date is given."""
    contact.personal_consent = bool(contact.personal_consent)
    contact.consent_purpose = (contact.consent_purpose or "").strip()
    contact.interests = (contact.interests or "").strip()
    extra = contact.birthday is not None or bool(contact.interests)
    if contact.personal_consent:
        if not contact.consent_purpose:
            errors.setdefault("consent_purpose", []).append(
                _("Say what the person agreed these details are kept for.")
            )
        if contact.consent_on is None:
            contact.consent_on = timezone.localdate()
        elif contact.consent_on > timezone.localdate():
            errors.setdefault("consent_on", []).append(
                _("The consent date cannot be in the future.")
            )
    else:
        if extra:
            message = _(
                "Birthday and interests are kept only with the person's consent: record the "
                "consent and its purpose, or leave them empty."
            )
            for name in ("birthday", "interests"):
                if getattr(contact, name):
                    errors.setdefault(name, []).append(message)
        # Without consent there is nothing to date or explain.
        contact.consent_on = None
        contact.consent_purpose = ""


def _unset_other_primary(*, actor, contact: Contact) -> None:
    """Only one primary contact per customer: the previous one steps back."""
    others = (
        Contact.objects.select_for_update()
        .filter(customer_id=contact.customer_id, is_primary=True)
        .exclude(pk=contact.pk)
    )
    for other in others:
        before = _contact_snapshot(other)
        other.is_primary = False
        other.updated_by = actor
        other.save(update_fields=["is_primary", "updated_by", "updated_at"])
        record(
            contact.customer,
            "customers.contact.changed",
            actor=actor,
            before=before,
            after=_contact_snapshot(other),
            note=_contact_note(other),
        )


def add_contact(*, actor, customer: Customer, **fields) -> Contact:
    """Add a contact person to a customer (CUS-5); birthday and interests are optional."""
    _require(actor, "customers.add_contact")
    fields = _check_fields(fields, CONTACT_FIELDS)
    _require_customer_reach(actor, customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _refuse_anonymised(customer)
        contact = Contact(customer=customer, created_by=actor, updated_by=actor)
        for name, value in fields.items():
            setattr(contact, name, value)
        contact.is_primary = bool(contact.is_primary)
        _apply_contact_rules(contact)
        contact.save()
        if contact.is_primary:
            _unset_other_primary(actor=actor, contact=contact)
        record(
            customer,
            "customers.contact.added",
            actor=actor,
            before={},
            after=_contact_snapshot(contact),
            note=_contact_note(contact),
        )
    return contact


def update_contact(*, actor, contact: Contact, **fields) -> Contact:
    _require(actor, "customers.change_contact")
    fields = _check_fields(fields, CONTACT_FIELDS)
    _require_customer_reach(actor, contact.customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=contact.customer_id)
        _refuse_anonymised(customer)
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.anonymised_at is not None:
            raise ServiceError(
                _("This contact was anonymised on the person's request; it cannot be changed.")
            )
        contact.customer = customer
        before = _contact_snapshot(contact)
        for name, value in fields.items():
            setattr(contact, name, value)
        contact.is_primary = bool(contact.is_primary)
        _apply_contact_rules(contact)
        after = _contact_snapshot(contact)
        if after == before:
            return contact
        contact.updated_by = actor
        contact.save()
        if contact.is_primary:
            _unset_other_primary(actor=actor, contact=contact)
        record(
            customer,
            "customers.contact.changed",
            actor=actor,
            before=before,
            after=after,
            note=_contact_note(contact),
        )
    return contact


def remove_contact(*, actor, contact: Contact) -> None:
    """Delete a contact; the customer's history keeps what it held."""
    _require(actor, "customers.delete_contact")
    _require_customer_reach(actor, contact.customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=contact.customer_id)
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        before = _contact_snapshot(contact)
        note = _contact_note(contact)
        contact.delete()
        record(
            customer, "customers.contact.removed", actor=actor, before=before, after={}, note=note
        )
