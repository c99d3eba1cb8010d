"""Demo of a person's data rights (SEC-3) and the access log (CUS-2): loaded last, when the
orders, surveys and complaints exist.

The information manager looks at a person's file, exports what is held about them (the
person asked for it), and anonymises them on their written request; an agent looks at
another file; the customer list is exported. Each leaves its access-log entry, as the
pages do.
"""

from django.db.models import Count, Q
from django.test import RequestFactory
from django.utils.translation import gettext as _

from aftersales.audit.models import AccessAction
from aftersales.audit.services import list_what, record_access
from aftersales.customers import privacy
from aftersales.customers.models import Customer

# As the pages would have been reached from the office network.
OFFICE = {"REMOTE_ADDR": "10.8.1.23", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) Edge"}


def _request(user, path: str):
    request = RequestFactory().get(path, **OFFICE)
    request.user = user
    return request


def _candidate() -> Customer | None:
    """A person with finished business only (open work needs their contact details)."""
    from aftersales.complaints.models import OPEN_COMPLAINT_STATUSES
    from aftersales.service.models import OPEN_STATUSES

    return (
        Customer.objects.filter(entity=Customer.Entity.PERSON, anonymised_at__isnull=True)
        .annotate(
            orders=Count("service_orders", distinct=True),
            open_orders=Count(
                "service_orders",
                filter=Q(service_orders__status__in=OPEN_STATUSES),
                distinct=True,
            ),
            open_complaints=Count(
                "complaints",
                filter=Q(complaints__status__in=OPEN_COMPLAINT_STATUSES),
                distinct=True,
            ),
            exchanges=Count("exchange_requests", distinct=True),
        )
        .filter(orders__gt=0, open_orders=0, open_complaints=0, exchanges=0)
        .order_by("code")
        .first()
    )


def load(ctx: dict) -> None:
    people = ctx["people"]
    keeper = people.get("xinxi", ctx["admin"])
    agent = people.get("kefu", ctx["admin"])
    customers = ctx.get("customers") or list(Customer.objects.order_by("code")[:1])
    if customers:
        first = customers[0]
        record_access(_request(agent, first.get_absolute_url()), AccessAction.VIEW, first)
    count = Customer.objects.count()
    export = _request(keeper, "/customers/export/?kind=end_user")
    record_access(
        export, AccessAction.EXPORT, what=list_what(_("Customer list export"), count, export)
    )

    person = _candidate()
    if person is None:
        return
    record_access(_request(keeper, person.get_absolute_url()), AccessAction.VIEW, person)
    data = privacy.personal_data(actor=keeper, customer=person)
    rows = sum(len(section["rows"]) for section in data["sections"])
    record_access(
        _request(keeper, f"/customers/{person.pk}/personal-data.xlsx"),
        AccessAction.EXPORT,
        person,
        what=_("personal data (%(format)s), %(rows)s rows") % {"format": "XLSX", "rows": rows},
    )
    ctx["anonymised_customer"] = privacy.anonymise_customer(
        actor=keeper,
        customer=person,
        reason="本人书面申请删除个人信息（《个人信息保护法》第四十七条），已先导出其个人信息交本人。",
    )
