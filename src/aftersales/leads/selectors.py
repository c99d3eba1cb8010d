"""Reads shared by the lead pages, the order page's card and the API."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from aftersales.accounts.models import OrgUnit, User
from aftersales.leads.models import OPEN_LEAD_STATUSES, Lead, LeadStatus

LEAD_RELATED = ("order", "customer", "org_unit", "reporter", "salesperson")


def require_readable(user, lead: Lead) -> None:
    """403 with the reason unless the person may read the lead (ORG-3): the reporter always;
    others with the view right, within reach."""
    if lead.reporter_id == user.pk:
        return
    if not user.has_perm("leads.view_lead"):
        raise PermissionDenied(
            _("Without the right “%(perm)s” you see only the leads you reported.")
            % {"perm": "leads.view_lead"}
        )
    if not Lead.objects.visible_to(user).filter(pk=lead.pk).exists():
        raise PermissionDenied(
            _("This lead belongs to another organisation unit outside your reach.")
        )


def salespeople_for(lead: Lead):
    """Who may work the lead: active holders of the right in its unit, a unit above it, or
    HQ (the service checks each one's reach exactly)."""
    unit_ids, unit = set(), lead.org_unit
    while unit is not None:
        unit_ids.add(unit.pk)
        unit = unit.parent
    holds = Q(
        groups__permissions__codename="work_lead",
        groups__permissions__content_type__app_label="leads",
    ) | Q(
        user_permissions__codename="work_lead",
        user_permissions__content_type__app_label="leads",
    )
    return (
        User.objects.filter(is_active=True, pk__in=User.objects.filter(holds).values("pk"))
        .filter(
            Q(org_unit_id__in=unit_ids)
            | Q(org_unit__kind__in=[OrgUnit.Kind.HQ, OrgUnit.Kind.DEPARTMENT])
        )
        .select_related("org_unit")
        .order_by("org_unit__code", "username")
    )


def fees_of(user) -> dict:
    """SVC-9: a reporter's won leads with the fee of each and the total; their open leads."""
    won = (
        Lead.objects.filter(reporter=user, status=LeadStatus.WON)
        .select_related("customer", "order")
        .order_by("-won_at", "-pk")
    )
    # SQLite sums decimals as floats: back to the cent.
    total = (won.aggregate(total=Sum("info_fee"))["total"] or Decimal(0)).quantize(Decimal("0.01"))
    pending = (
        Lead.objects.filter(reporter=user, status__in=OPEN_LEAD_STATUSES)
        .select_related("customer", "order", "salesperson")
        .order_by("-created_at", "-pk")
    )
    return {"won": list(won), "total": total, "pending": list(pending)}
