"""The side menu, built per role: each entry names the permission that shows it."""

import functools
from dataclasses import dataclass

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    icon: str
    permission: str | None = None  # None: every signed-in user


MENU: list[MenuEntry] = [
    MenuEntry(_("Home"), "home", "house"),
    MenuEntry(_("Notifications"), "notifications:inbox", "bell"),
    MenuEntry(_("Service orders"), "service:order_list", "tools", "service.view_serviceorder"),
    MenuEntry(
        _("My orders"), "service:my_orders", "person-workspace", "service.handle_serviceorder"
    ),
    MenuEntry(_("Web requests"), "service:web_request_list", "inbox", "service.add_serviceorder"),
    MenuEntry(_("Time limits"), "service:sla_overview", "alarm", "service.view_sla_overview"),
    # FIN-1, RPT-2: every technician's table for finance and managers; a technician's own.
    MenuEntry(
        _("Service statistics"),
        "service:monthly_statistics",
        "table",
        "service.view_service_statistics",
    ),
    MenuEntry(
        _("My statistics"),
        "service:monthly_statistics",
        "table",
        "service.handle_serviceorder",
    ),
    MenuEntry(
        _("Questions"), "service:referral_list", "question-circle", "service.view_serviceorder"
    ),
    MenuEntry(_("Sales leads"), "leads:lead_list", "lightbulb", "leads.view_lead"),
    MenuEntry(_("My information fees"), "leads:my_fees", "cash-coin", "leads.add_lead"),
    # Spare parts (PRT, FEE-2): each entry shows for the role that works there.
    MenuEntry(_("Parts to sign"), "parts:signoff_queue", "pen", "parts.sign_partline"),
    MenuEntry(_("Parts to issue"), "parts:issue_queue", "box-arrow-right", "parts.issue_partline"),
    MenuEntry(
        _("Old parts due"), "parts:old_parts_due", "arrow-return-left", "parts.view_partline"
    ),
    MenuEntry(
        _("Old parts not returned"),
        "parts:unreturned_report",
        "clipboard-data",
        "parts.sign_partline",
    ),
    MenuEntry(_("Parts consumed"), "parts:consumed_report", "graph-down", "parts.view_stockmove"),
    MenuEntry(_("Shipments"), "parts:shipment_list", "truck", "parts.view_shipment"),
    MenuEntry(
        _("Purchase inquiries"), "parts:inquiry_list", "cart-check", "parts.view_purchaseinquiry"
    ),
    # Charges and money (FEE-2, FEE-3, FEE-5).
    MenuEntry(
        _("Quotations"), "charges:quotation_list", "file-earmark-text", "charges.view_quotation"
    ),
    MenuEntry(_("Payments"), "charges:payment_list", "receipt", "charges.view_customerpayment"),
    MenuEntry(_("Cash in hand"), "charges:cash", "cash-stack", "charges.collect_payment"),
    MenuEntry(_("Cash hand-overs"), "charges:cash", "cash-stack", "charges.add_cashhandover"),
    MenuEntry(_("Invoices"), "charges:invoice_list", "wallet2", "charges.view_invoice"),
    # Return visits, surveys, complaints, exchanges (FUP, CMP, EXC).
    MenuEntry(_("Return visits"), "followup:visit_queue", "telephone", "followup.view_returnvisit"),
    MenuEntry(
        _("Follow-up cases"), "followup:case_list", "arrow-repeat", "followup.view_followupcase"
    ),
    MenuEntry(_("Surveys"), "followup:survey_list", "star", "followup.view_survey"),
    MenuEntry(
        _("Satisfaction"), "followup:satisfaction", "emoji-smile", "followup.view_satisfaction"
    ),
    MenuEntry(_("Complaints"), "complaints:list", "megaphone", "complaints.view_complaint"),
    MenuEntry(
        _("Violations"),
        "complaints:violation_list",
        "exclamation-octagon",
        "complaints.view_violation",
    ),
    MenuEntry(
        _("Exchanges and returns"),
        "exchanges:list",
        "arrow-left-right",
        "exchanges.view_exchangerequest",
    ),
    MenuEntry(
        _("Exchange ledger"), "exchanges:ledger", "journal-check", "exchanges.view_ledgerentry"
    ),
    MenuEntry(_("Stock"), "parts:stock_list", "boxes", "parts.view_stocklevel"),
    MenuEntry(_("Parts and prices"), "parts:part_list", "gear", "parts.view_part"),
    MenuEntry(_("Customers"), "customers:list", "people", "customers.view_customer"),
    MenuEntry(_("Units"), "products:unit_list", "upc-scan", "products.view_unit"),
    MenuEntry(_("Product models"), "products:model_list", "box", "products.view_productmodel"),
    MenuEntry(_("Organisation"), "accounts:orgunit_list", "diagram-3", "accounts.view_orgunit"),
    MenuEntry(_("People"), "accounts:user_list", "person-badge", "accounts.view_user"),
    MenuEntry(_("Business calendar"), "core:calendar", "calendar3", "core.view_calendarday"),
    MenuEntry(_("Audit log"), "audit:search", "journal-text", "audit.view_auditentry"),
    MenuEntry(_("Access log"), "audit:access_search", "eye", "audit.view_accessentry"),
    MenuEntry(_("API docs"), "api:docs", "braces", None),
]


@functools.lru_cache(maxsize=256)
def _menu_url(url_name: str, urlconf, prefix: str) -> str | None:
    """The entry's address, worked out once per process (issue 7: thirty reverse() calls
    on every page); None when its app is not installed."""
    try:
        return reverse(url_name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def menu_for(user, current_path: str) -> list[dict]:
    items = []
    for entry in MENU:
        if entry.permission and not user.has_perm(entry.permission):
            continue
        url = _menu_url(entry.url_name, get_urlconf(), get_script_prefix())
        if url is None:
            continue  # an app not installed in this build
        if any(item["url"] == url for item in items):
            continue  # one page under two names for two roles: listed once
        items.append({"label": entry.label, "url": url, "icon": entry.icon, "active": False})
    # The entry whose address is the longest start of the current path is the active one
    # (/orders/mine/ is "My orders", not also "Service orders").
    matches = [
        i
        for i in items
        if current_path == i["url"] or (i["url"] != "/" and current_path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
