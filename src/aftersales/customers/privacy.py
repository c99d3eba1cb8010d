"""A person's rights over their data (SEC-3, China PIPL): everything held about them as one
download (JSON or Excel), and anonymisation on their request.

Where a person's details live is declared once, in ``HOLDINGS``: the customer file and its
contacts, and the copies the business records keep (the contact on an order, the web
request, the complainant, the signer of a voucher, the recipient of a parcel …). Export and
anonymisation both read that table, so a new copy of personal data is added in one place.

Anonymising keeps every row, its numbers, amounts, dates, statuses and links: orders,
invoices, receivables and the audit trail stay whole and add up as before. Only the
person's details are replaced: names by a neutral label, phones, addresses and e-mail
addresses emptied, free personal fields (birthday, interests, notes about the person)
cleared, and the person's known identifiers (names, phones, addresses, e-mail) cut out of
free text. Stored files (signature images, scanned vouchers, photos) are kept as the
evidence of the business records. Audit and access-log rows written earlier are kept
unchanged under the legal retention obligation (SEC-1).
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from aftersales.audit.services import record
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_perm
from aftersales.customers.models import Contact, Customer

EXPORT_PERSONAL_DATA = "customers.export_personal_data"
ANONYMISE = "customers.anonymise_customer"

# Stored data, not page text: the same in every language, and it says what happened.
CUSTOMER_LABEL = "已匿名 / Anonymised #{pk}"
CONTACT_LABEL = "已匿名联系人 / Anonymised contact #{pk}"
CUT = "***"


@dataclass(frozen=True)
class Holding:
    """A table that holds a person's details, and how its rows are found for a customer.

    Rows belong to the customer through ``by_customer`` lookups, through a foreign key to
    rows of a holding listed earlier (``via``), or because a phone field holds one of the
    person's numbers (``by_phone``: a web request or complaint not linked to the file).
    """

    model: str
    by_customer: tuple[str, ...] = ()
    via: tuple[tuple[str, str], ...] = ()
    by_phone: tuple[str, ...] = ()
    where: dict = field(default_factory=dict)
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    # Free personal fields: emptied when the person is anonymised.
    cleared: tuple[str, ...] = ()
    # Free text (and JSON) about the business: the person's identifiers are cut out.
    scrubbed: tuple[str, ...] = ()
    # Internal values that say nothing about the person (hashes, fingerprints).
    hidden: tuple[str, ...] = ()
    # The page a notification about such a row links to (notifications are scrubbed too).
    url_name: str = ""


ORDER = "service.ServiceOrder"
HOLDINGS: list[Holding] = [
    Holding(
        "customers.Customer",
        by_customer=("pk",),
        names=("name",),
        phones=("phone",),
        addresses=("address",),
        emails=("email",),
        cleared=("business_content", "notes"),
    ),
    Holding(
        "customers.Contact",
        by_customer=("customer",),
        names=("name",),
        phones=("phone",),
        emails=("email",),
        cleared=(
            "position",
            "birthday",
            "interests",
            "personal_consent",
            "consent_on",
            "consent_purpose",
        ),
    ),
    Holding(
        "products.Unit",
        by_customer=("owner",),
        addresses=("installation_address",),
        scrubbed=("notes",),
    ),
    Holding(
        "products.MaintenanceContract",
        by_customer=("customer",),
        scrubbed=("covered_items", "cancel_reason"),
    ),
    Holding(
        "products.DeliveryHandover",
        via=(("unit", "products.Unit"),),
        names=("received_by",),
        scrubbed=("notes",),
    ),
    Holding("products.UnitServiceRecord", via=(("unit", "products.Unit"),), scrubbed=("content",)),
    Holding(
        ORDER,
        by_customer=("customer",),
        names=("contact_name", "signer_name"),
        phones=("contact_phone",),
        addresses=("address",),
        scrubbed=(
            "description",
            "service_kind_reason",
            "diagnosis",
            "plan_notes",
            "waiting_reason",
            "result",
            "cancel_reason",
            "customer_comments",
        ),
        url_name="service:order_detail",
    ),
    Holding(
        "service.WebRequest",
        via=(("order", ORDER),),
        by_phone=("phone",),
        names=("name",),
        phones=("phone",),
        addresses=("address",),
        cleared=("client_ip",),
        scrubbed=("product_text", "description", "reject_reason"),
    ),
    Holding("service.Referral", via=(("order", ORDER),), scrubbed=("question", "answer")),
    Holding(
        "service.OrderAttachment",
        via=(("order", ORDER),),
        scrubbed=("original_name", "caption"),
    ),
    Holding(
        "fieldwork.SiteVisit",
        via=(("order", ORDER),),
        # Where the technician checked in is where the person lives.
        cleared=("latitude", "longitude"),
        scrubbed=("note",),
    ),
    Holding(
        "fieldwork.TakeBack",
        via=(("order", ORDER),),
        names=("signer_name", "return_signer_name"),
        scrubbed=("items", "condition", "return_note"),
    ),
    Holding("followup.ReturnVisit", via=(("order", ORDER),), scrubbed=("answers", "notes")),
    Holding("followup.VisitCall", via=(("visit", "followup.ReturnVisit"),), scrubbed=("note",)),
    Holding(
        "followup.FollowupCase",
        via=(("order", ORDER),),
        scrubbed=("problem", "resolution"),
        url_name="followup:case_detail",
    ),
    Holding(
        "followup.Survey",
        by_customer=("customer",),
        phones=("phone",),
        scrubbed=("suggestions", "other_needs"),
        hidden=("token_hash",),
    ),
    Holding(
        "complaints.Complaint",
        by_customer=("customer",),
        via=(("order", ORDER),),
        by_phone=("complainant_phone",),
        names=("complainant_name",),
        phones=("complainant_phone",),
        addresses=("complainant_address",),
        scrubbed=("subject", "content", "report_note", "cause", "proposal", "resolution"),
        url_name="complaints:detail",
    ),
    Holding(
        "complaints.ComplaintReply",
        via=(("complaint", "complaints.Complaint"),),
        scrubbed=("text",),
    ),
    Holding(
        "complaints.ComplaintNote",
        via=(("complaint", "complaints.Complaint"),),
        scrubbed=("text",),
    ),
    Holding(
        "exchanges.ExchangeRequest",
        by_customer=("customer",),
        scrubbed=(
            "reason",
            "purchase_proof",
            "inspection_note",
            "substitute_agreed",
            "cancel_reason",
        ),
        url_name="exchanges:detail",
    ),
    Holding(
        "exchanges.ExchangeApproval",
        via=(("request", "exchanges.ExchangeRequest"),),
        scrubbed=("comment",),
    ),
    Holding(
        "exchanges.ExchangeAttachment",
        via=(("request", "exchanges.ExchangeRequest"),),
        scrubbed=("caption",),
    ),
    Holding(
        "exchanges.LedgerEntry",
        via=(("request", "exchanges.ExchangeRequest"),),
        scrubbed=("summary",),
    ),
    Holding(
        "exchanges.Refund",
        via=(("request", "exchanges.ExchangeRequest"),),
        scrubbed=("reference",),
    ),
    Holding(
        "leads.Lead",
        by_customer=("customer",),
        scrubbed=("product_interest", "note", "lost_reason"),
        url_name="leads:lead_detail",
    ),
    Holding(
        "charges.Quotation",
        via=(("order", ORDER),),
        names=("signer_name",),
        phones=("consent_phone",),
        scrubbed=("note", "consent_note", "declined_reason"),
        hidden=("fingerprint",),
        url_name="charges:quotation_detail",
    ),
    Holding(
        "charges.CustomerPayment",
        via=(("order", ORDER),),
        names=("payer",),
        scrubbed=("reference", "void_reason", "note"),
        url_name="charges:payment_detail",
    ),
    Holding(
        "charges.Invoice",
        via=(("order", ORDER),),
        # A person's invoice is made out to their name; the tax invoice itself stays in
        # the tax system under its number.
        names=("title",),
        cleared=("tax_number",),
        scrubbed=("cancel_reason",),
    ),
    Holding(
        "parts.Shipment",
        via=(("order", ORDER),),
        where={"direction": "to_customer"},
        names=("recipient_name",),
        phones=("recipient_phone",),
        addresses=("address",),
        scrubbed=("delivered_note", "note"),
        url_name="parts:shipment_detail",
    ),
    Holding("parts.Receivable", via=(("order", ORDER),), scrubbed=("settlement",)),
]
HOLDINGS_BY_MODEL = {h.model: h for h in HOLDINGS}
# Staff inbox messages about the rows above: scrubbed, not exported (they repeat them).
NOTIFICATIONS = Holding("notifications.Notification", scrubbed=("title", "body"))
SKIPPED_IN_EXPORT = {"created_by", "updated_by"}


# --- finding the rows ---------------------------------------------------------------------


def _model(holding: Holding) -> type[models.Model]:
    return apps.get_model(holding.model)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


@dataclass
class Subject:
    """Whose data: a customer who is a person, or one contact person of a customer."""

    customer: Customer
    contact: Contact | None = None

    @property
    def is_contact(self) -> bool:
        return self.contact is not None

    @property
    def label(self) -> str:
        if self.contact is not None:
            return CONTACT_LABEL.format(pk=self.contact.pk)
        return CUSTOMER_LABEL.format(pk=self.customer.pk)

    def phones(self) -> list[str]:
        if self.contact is not None:
            found = [self.contact.phone]
        else:
            found = [self.customer.phone, *self.customer.contacts.values_list("phone", flat=True)]
        return sorted({p for p in found if p})


def require_person(customer: Customer) -> None:
    """SEC-3 concerns people: a company's own file is not personal data (its contact
    persons are, one by one)."""
    if customer.entity != Customer.Entity.PERSON:
        raise ServiceError(
            _(
                "%(code)s is a company: its file is not a person's data. Export or anonymise "
                "its contact persons one by one."
            )
            % {"code": customer.code}
        )


def _matched(subject: Subject) -> dict[str, list[models.Model]]:
    """Every row of every holding that belongs to the customer (by link or by phone)."""
    phones = subject.phones()
    matched: dict[str, list[models.Model]] = {}
    for holding in HOLDINGS:
        model = _model(holding)
        query = Q()
        for path in holding.by_customer:
            query |= Q(**{path: subject.customer.pk})
        for fk, label in holding.via:
            pks = [row.pk for row in matched.get(label, [])]
            if pks:
                query |= Q(**{f"{fk}__in": pks})
        for name in holding.by_phone:
            if phones:
                query |= Q(**{f"{name}__in": phones})
        if not query.children:
            matched[holding.model] = []
            continue
        # The export names what each link points at: fetched with the rows, not one by one.
        links = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.name not in SKIPPED_IN_EXPORT
        ]
        rows = model._default_manager.filter(query).select_related(*links)
        if holding.where:
            rows = rows.filter(**holding.where)
        matched[holding.model] = list(rows.order_by("pk"))
    return matched


class Identifiers:
    """The person's names, phones, addresses and e-mail addresses, to find and cut out."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.addresses: set[str] = set()
        self.emails: set[str] = set()

    def add(self, kind: str, value) -> None:
        value = str(value or "").strip()
        if kind == "names" and len(value) >= 2:
            self.names.add(value)
        elif kind == "phones" and len(_digits(value)) >= 5:
            self.phones.add(value)
            self.phones.add(_digits(value))
            digits = _digits(value)
            if len(digits) == 11 and digits.startswith("1"):
                # A mobile as people write it: 138-1234-5678, 138 1234 5678.
                self.phones.add(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
                self.phones.add(f"{digits[:3]} {digits[3:7]} {digits[7:]}")
        elif kind == "addresses" and len(value) >= 4:
            self.addresses.add(value)
        elif kind == "emails" and "@" in value:
            self.emails.add(value.lower())

    def same(self, kind: str, value) -> bool:
        """The field holds exactly one of the identifiers of this kind."""
        value = str(value or "").strip()
        if not value:
            return False
        if kind == "phones":
            return _digits(value) in {_digits(p) for p in self.phones}
        if kind == "emails":
            return value.lower() in self.emails
        return value in getattr(self, kind)

    def pattern(self, name_label: str) -> tuple[re.Pattern | None, dict[str, str]]:
        """One regular expression for all identifiers (longest first) and what replaces
        each (names → the neutral label, the rest → ***)."""
        replace: dict[str, str] = {}
        for phone in self.phones:
            replace[phone.lower()] = CUT
        for address in self.addresses:
            replace[address.lower()] = CUT
        for email in self.emails:
            replace[email] = CUT
        for name in self.names:
            replace[name.lower()] = name_label
        if not replace:
            return None, {}
        needles = sorted(replace, key=len, reverse=True)
        return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE), replace


class Scrubber:
    def __init__(self, identifiers: Identifiers, name_label: str):
        self.regex, self.replace = identifiers.pattern(name_label)

    def text(self, value: str) -> str:
        if not value or self.regex is None:
            return value
        return self.regex.sub(lambda m: self.replace[m.group(0).lower()], value)

    def any(self, value: Any) -> Any:
        """Text, or JSON (lists, dicts) whose strings are scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.any(v) for v in value]
        if isinstance(value, dict):
            return {k: self.any(v) for k, v in value.items()}
        return value

    def finds(self, value: Any) -> bool:
        if self.regex is None:
            return False
        if isinstance(value, str):
            return bool(self.regex.search(value))
        if isinstance(value, list | dict):
            return self.finds(json.dumps(value, ensure_ascii=False))
        return False


def _identifiers(subject: Subject, matched: dict[str, list[models.Model]]) -> Identifiers:
    ids = Identifiers()
    if subject.contact is not None:
        # A contact person: only what is theirs (the company's own details are not).
        ids.add("names", subject.contact.name)
        ids.add("phones", subject.contact.phone)
        ids.add("emails", subject.contact.email)
        return ids
    # A customer who is a person: every copy of a name, phone, address kept with their
    # records is theirs or their household's.
    for holding in HOLDINGS:
        for row in matched[holding.model]:
            for kind in ("names", "phones", "addresses", "emails"):
                for name in getattr(holding, kind):
                    ids.add(kind, getattr(row, name))
    return ids


def _mentions(holding: Holding, row, ids: Identifiers, scrubber: Scrubber) -> bool:
    for kind in ("names", "phones", "addresses", "emails"):
        for name in getattr(holding, kind):
            value = getattr(row, name)
            if ids.same(kind, value) or scrubber.finds(value):
                return True
    return any(scrubber.finds(getattr(row, name)) for name in holding.scrubbed)


def _selected(subject: Subject) -> tuple[dict[str, list[models.Model]], Identifiers]:
    """The rows that hold the subject's data, and the subject's identifiers."""
    matched = _matched(subject)
    ids = _identifiers(subject, matched)
    if subject.contact is None:
        return matched, ids
    scrubber = Scrubber(ids, subject.label)
    selected: dict[str, list[models.Model]] = {}
    for holding in HOLDINGS:
        if holding.model == "customers.Customer":
            # The company's own file belongs to the company.
            selected[holding.model] = []
        elif holding.model == "customers.Contact":
            selected[holding.model] = [subject.contact]
        else:
            selected[holding.model] = [
                row for row in matched[holding.model] if _mentions(holding, row, ids, scrubber)
            ]
    return selected, ids


# --- export -----------------------------------------------------------------------------


def _export_value(row, f) -> Any:
    """A field's value as plain JSON: labels for links and choices, local times."""
    if f.is_relation:
        if getattr(row, f.attname) is None:
            return None
        return str(getattr(row, f.name))
    value = getattr(row, f.attname)
    if getattr(f, "choices", None) and value not in (None, ""):
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def _export_fields(holding: Holding, model) -> list:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in holding.hidden and f.name not in SKIPPED_IN_EXPORT
    ]


def personal_data(*, actor, customer: Customer, contact: Contact | None = None) -> dict:
    """SEC-3: everything held about the person, as plain data (JSON-safe).

    ``contact`` None: the customer, who must be a person. Otherwise that contact person.
    """
    require_perm(actor, EXPORT_PERSONAL_DATA)
    if contact is None:
        require_person(customer)
    subject = Subject(customer=customer, contact=contact)
    selected, _ids = _selected(subject)
    sections = []
    for holding in HOLDINGS:
        rows = selected[holding.model]
        if not rows:
            continue
        model = _model(holding)
        fields = _export_fields(holding, model)
        sections.append(
            {
                "table": model._meta.label_lower,
                "title": str(capfirst(model._meta.verbose_name_plural)),
                "fields": {f.name: str(capfirst(f.verbose_name)) for f in fields},
                "rows": [{f.name: _export_value(row, f) for f in fields} for row in rows],
            }
        )
    person = contact if contact is not None else customer
    return {
        "subject": {
            "kind": "contact" if contact is not None else "customer",
            "id": person.pk,
            "name": person.name,
            "customer": customer.code,
        },
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "generated_by": actor.get_username(),
        "note": _(
            "Everything this system holds about the person: their customer file or contact "
            "record and the copies of their details kept with service orders, requests, "
            "visits, surveys, complaints, exchanges, leads, quotations, payments, invoices "
            "and shipments (SEC-3). Stored files (signatures, scans, photos) are named, not "
            "included."
        ),
        "sections": sections,
    }


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode()


def as_workbook(data: dict):
    """The export as an Excel workbook: an overview sheet, then one sheet per table."""
    from aftersales.core import excel

    wb = excel.new_workbook()
    subject = data["subject"]
    overview = [
        [_("Person"), subject["name"]],
        [_("Customer no."), subject["customer"]],
        [_("Generated at"), data["generated_at"]],
        [_("Generated by"), data["generated_by"]],
        [_("Note"), data["note"]],
    ] + [[section["title"], len(section["rows"])] for section in data["sections"]]
    excel.add_sheet(wb, _("Overview"), [_("Item"), _("Value")], overview)
    used: set[str] = set()
    for section in data["sections"]:
        title = re.sub(r"[\[\]:*?/\\]", " ", section["title"])[:28]
        while title in used:
            title = f"{title[:26]}_{len(used)}"
        used.add(title)
        names = list(section["fields"])
        excel.add_sheet(
            wb,
            title,
            [section["fields"][n] for n in names],
            ([_cell(row[n]) for n in names] for row in section["rows"]),
        )
    return wb


def _cell(value):
    """JSON values (lists, dicts) as text in a cell."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


# --- anonymisation ----------------------------------------------------------------------


def _blank(f) -> Any:
    if isinstance(f, models.BooleanField):
        return False
    if f.null:
        return None
    if isinstance(f, models.JSONField):
        return f.get_default()
    return ""


def _refuse_open_business(selected: dict[str, list[models.Model]]) -> None:
    """Service still under way needs the person's contact details: finish or cancel first."""
    from aftersales.complaints.models import OPEN_COMPLAINT_STATUSES
    from aftersales.exchanges.models import RequestStatus
    from aftersales.service.models import OPEN_STATUSES

    closed_exchange = {RequestStatus.REJECTED, RequestStatus.DONE, RequestStatus.CANCELLED}
    open_records = [
        *(o.number for o in selected[ORDER] if o.status in OPEN_STATUSES),
        *(
            c.number
            for c in selected["complaints.Complaint"]
            if c.status in OPEN_COMPLAINT_STATUSES
        ),
        *(
            e.number
            for e in selected["exchanges.ExchangeRequest"]
            if e.status not in closed_exchange
        ),
    ]
    if open_records:
        raise ServiceError(
            _(
                "Still under way: %(records)s. Finish or cancel them first; their handling "
                "needs the person's contact details."
            )
            % {"records": ", ".join(open_records)}
        )


def _anonymise_row(holding: Holding, row, subject: Subject, ids: Identifiers, scrubber) -> dict:
    """The new values of the row's personal fields (only those that change)."""
    model = type(row)
    changes: dict[str, Any] = {}
    whole = not subject.is_contact or (
        holding.model == "customers.Contact" and row.pk == subject.contact.pk
    )
    if holding.model == "customers.Contact":
        name_label = CONTACT_LABEL.format(pk=row.pk)
    else:
        name_label = subject.label
    for kind in ("names", "phones", "addresses", "emails"):
        for name in getattr(holding, kind):
            old = getattr(row, name)
            if not old:
                continue
            if whole or ids.same(kind, old):
                new = name_label if kind == "names" else ""
            else:
                new = scrubber.text(old)
            if new != old:
                changes[name] = new
    if whole:
        for name in holding.cleared:
            blank = _blank(model._meta.get_field(name))
            if getattr(row, name) != blank:
                changes[name] = blank
    for name in holding.scrubbed:
        old = getattr(row, name)
        new = scrubber.any(old)
        if new != old:
            changes[name] = new
    return changes


def _notification_urls(selected: dict[str, list[models.Model]]) -> list[str]:
    urls = []
    for holding in HOLDINGS:
        if not holding.url_name:
            continue
        for row in selected[holding.model]:
            try:
                urls.append(reverse(holding.url_name, args=[row.pk]))
            except NoReverseMatch:
                break
    return urls


def _anonymise(
    *, actor, subject: Subject, selected: dict[str, list[models.Model]], ids: Identifiers
) -> dict[str, dict]:
    """Replace the subject's details everywhere; returns {table: {fields, rows}} changed."""
    _refuse_open_business(selected)
    scrubber = Scrubber(ids, subject.label)
    now = timezone.now()
    cleared: dict[str, dict] = {}
    plan = [(holding, selected[holding.model]) for holding in HOLDINGS]
    notifications = _model(NOTIFICATIONS)._default_manager.filter(
        url__in=_notification_urls(selected)
    )
    plan.append((NOTIFICATIONS, list(notifications.order_by("pk"))))
    for holding, rows in plan:
        model = _model(holding)
        stamps = {f.name for f in model._meta.concrete_fields} & {"updated_at", "updated_by"}
        for row in rows:
            changes = _anonymise_row(holding, row, subject, ids, scrubber)
            if not changes:
                continue
            table = model._meta.label_lower
            entry = cleared.setdefault(table, {"table": table, "fields": [], "rows": 0})
            entry["rows"] += 1
            entry["fields"] = sorted(set(entry["fields"]) | set(changes))
            if "updated_at" in stamps:
                changes["updated_at"] = now
            if "updated_by" in stamps:
                changes["updated_by"] = actor
            # update(): the row's own save() rules (numbering, audit) are not for this.
            model._default_manager.filter(pk=row.pk).update(**changes)
    return cleared


def _reason(reason: str, ids: Identifiers, label: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError({"reason": _("Say why: the person's request (date, how it came).")})
    # The audit row must not keep what was removed, even if the reason names the person.
    return Scrubber(ids, label).text(reason)[:1000]


def _refresh_order_search(customer: Customer) -> None:
    """The orders' search column copies names and phones (service/search.py): rewrite it from
    the anonymised rows, so the search index keeps nothing of the person."""
    from aftersales.service import search

    search.refresh(apps.get_model(ORDER)._default_manager.filter(customer=customer))


def anonymise_customer(*, actor, customer: Customer, reason: str) -> Customer:
    """SEC-3: on the person's request, replace their details in their customer file, its
    contacts and every copy kept with their records; keep the records themselves. Once."""
    from aftersales.customers.services import _require_customer_reach

    require_perm(actor, ANONYMISE)
    _require_customer_reach(actor, customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        require_person(customer)
        if customer.anonymised_at is not None:
            raise ServiceError(
                _("Customer %(code)s was already anonymised on %(date)s.")
                % {
                    "code": customer.code,
                    "date": timezone.localtime(customer.anonymised_at).strftime("%Y-%m-%d"),
                }
            )
        subject = Subject(customer=customer)
        selected, ids = _selected(subject)
        note = _reason(reason, ids, subject.label)
        cleared = _anonymise(actor=actor, subject=subject, selected=selected, ids=ids)
        _refresh_order_search(customer)
        now = timezone.now()
        Contact.objects.filter(customer=customer).update(anonymised_at=now)
        was_active = customer.is_active
        Customer.objects.filter(pk=customer.pk).update(
            anonymised_at=now, anonymised_by=actor, is_active=False, updated_by=actor
        )
        customer.refresh_from_db()
        # The row names the tables and fields cleared, never their old values.
        record(
            customer,
            "customers.customer.anonymised",
            actor=actor,
            before={"is_active": was_active},
            after={**cleared, "is_active": False},
            note=note,
        )
    return customer


def anonymise_contact(*, actor, contact: Contact, reason: str) -> Contact:
    """SEC-3: on a contact person's request, replace their details in their contact record
    and where the customer's records name them; the company's own file is kept."""
    from aftersales.customers.services import _require_customer_reach

    require_perm(actor, ANONYMISE)
    _require_customer_reach(actor, contact.customer)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=contact.customer_id)
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.anonymised_at is not None:
            raise ServiceError(_("This contact was already anonymised."))
        subject = Subject(customer=customer, contact=contact)
        selected, ids = _selected(subject)
        note = _reason(reason, ids, subject.label)
        cleared = _anonymise(actor=actor, subject=subject, selected=selected, ids=ids)
        _refresh_order_search(customer)
        Contact.objects.filter(pk=contact.pk).update(anonymised_at=timezone.now())
        contact.refresh_from_db()
        record(
            customer,
            "customers.contact.anonymised",
            actor=actor,
            before={},
            after=cleared,
            note=f"{_('Contact #%(id)s') % {'id': contact.pk}} · {note}",
        )
    return contact


_OWNER_PATHS = (
    "customer",
    "owner",
    "order.customer",
    "unit.owner",
    "request.customer",
    "complaint.customer",
    "visit.order.customer",
)


def _person_of(obj) -> Customer | None:
    """The customer whose details a record of a holding keeps."""
    if isinstance(obj, Customer):
        return obj
    for path in _OWNER_PATHS:
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if isinstance(value, Customer):
            return value
    return None


def _personal_fields(holding: Holding) -> set[str]:
    return {
        *holding.names,
        *holding.phones,
        *holding.addresses,
        *holding.emails,
        *holding.cleared,
        *holding.scrubbed,
    }


def _named_by_person() -> set:
    """Models whose label (str) shows a person's name."""
    return {Customer, Contact, apps.get_model("followup", "Survey")}


def _nothing(entry) -> frozenset[str]:
    return frozenset()


def history_mask(obj):
    """Which keys of each of obj's audit rows are no longer shown on its page, once its
    person was anonymised: a function of the row. The old values stay in the trail (SEC-1,
    legal retention) and in the administrators' audit search, not on the pages everyone
    with the record's view right reads."""
    holding = HOLDINGS_BY_MODEL.get(obj._meta.label)
    if holding is None:
        return _nothing
    contact_keys = frozenset(
        f"contact.{name}" for name in _personal_fields(HOLDINGS_BY_MODEL["customers.Contact"])
    )
    person = _person_of(obj)
    if person is not None and person.anonymised_at is not None:
        named = _named_by_person()
        keys = _personal_fields(holding) | {
            f.name for f in obj._meta.concrete_fields if f.is_relation and f.related_model in named
        }
        if holding.model == "customers.Customer":
            keys |= contact_keys
        keys = frozenset(keys)
        return lambda entry: keys
    if isinstance(obj, Customer):
        # A company's file: the rows about a contact person anonymised on request.
        gone = [
            f"(#{pk})"
            for pk in obj.contacts.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
        ]
        if gone:
            return lambda entry: (
                contact_keys if any(ref in entry.note for ref in gone) else frozenset()
            )
    return _nothing


def preview(*, customer: Customer, contact: Contact | None = None) -> list[tuple[str, int]]:
    """What anonymising would touch: (table title, rows) — for the confirmation page."""
    selected, _ids = _selected(Subject(customer=customer, contact=contact))
    return [
        (str(capfirst(_model(h)._meta.verbose_name_plural)), len(selected[h.model]))
        for h in HOLDINGS
        if selected[h.model]
    ]
