"""The authorisation matrix (issue 6 §1; ORG-2, ORG-3, SEC-5): who may open each page and
call each endpoint, declared once and checked by ``test_authorisation_matrix.py``.

Every URL pattern of the URL configuration (Django admin aside) and every route of the API
router has at least one entry here; a URL without one fails the test. An entry says what
the view requires, derived from the code *and the rules* — never recorded from what the
app answers today:

* ``PUBLIC`` — anyone, signed in or not;
* ``LOGIN`` — any signed-in person;
* ``PERM(a, b, …)`` — holders of all these rights, ``ANY_PERM(a, b, …)`` — of one of them;
* ``SUPERUSER`` — the superuser only;
* ``PERSONAL`` — no right grants it, only the persons of the record (``allow``).

The rule is expanded against each persona's real rights from the role table
(``aftersales.accounts.roles``) and the demo's people (``aftersales.accounts.demo``).
Options per entry:

* ``obj`` — the URL's object, by name from ``OBJECTS`` (``{"pk": "order"}`` for several
  kwargs); every object is one of the Hangzhou branch;
* ``reach=True`` — the object belongs to an organisation unit (ORG-3): a persona without
  reach over the Hangzhou branch gets 403 even with the right (the Nanjing branch manager
  ``outsider`` and the Ningbo service centre ``service_centre`` among them);
* ``allow`` / ``deny`` — personas allowed or refused whatever their rights (the order's own
  technician, the person who filled a form);
* ``gaps`` — ``{persona: KNOWN_GAP("why")}``: the answer the rules want differs from
  today's; the test lists the gap instead of failing, and fails once it is closed (so the
  entry is tidied up).

Expected answers: *allowed* (2xx; a 3xx not to the login page; 400 — a refused empty form),
403, or the sign-in (anonymous: a redirect to the login page; API: 401/403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- the vocabulary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str  # public | login | all | any | superuser
    perms: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind in ("all", "any"):
            joiner = " and " if self.kind == "all" else " or "
            return joiner.join(self.perms)
        return self.kind.upper()


PUBLIC = Rule("public")
LOGIN = Rule("login")
SUPERUSER = Rule("superuser")
# No right grants it: only the person the record names (``allow``), e.g. the order's own
# technician agreeing to carry a receivable.
PERSONAL = Rule("personal")


def PERM(*perms: str) -> Rule:  # noqa: N802 — reads as a constant in the table
    return Rule("all", perms)


def ANY_PERM(*perms: str) -> Rule:  # noqa: N802
    return Rule("any", perms)


@dataclass(frozen=True)
class KnownGap:
    reason: str


def KNOWN_GAP(reason: str) -> KnownGap:  # noqa: N802
    return KnownGap(reason)


@dataclass(frozen=True)
class Obj:
    """An object of ``OBJECTS`` where a query parameter names one (``?order=<pk>``)."""

    name: str


@dataclass(frozen=True)
class Entry:
    name: str  # URL name ("namespace:name"), or the route for unnamed patterns
    rule: Rule
    method: str = "GET"
    obj: str | dict | None = None  # "order" → {"pk": "order"}; or {kwarg: object name}
    kwargs: dict = field(default_factory=dict)  # literal kwargs (action, which, fmt …)
    reach: bool = False
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    gaps: dict = field(default_factory=dict)
    query: dict | None = None
    data: dict | None = None
    variant: str = ""  # tells apart several entries of one URL and method
    signs_out: bool = False  # the way back to the sign-in page is the answer (logout)
    multipart: bool = False  # an API upload: the body is a (empty) form, not JSON

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}" + (f" [{self.variant}]" if self.variant else "")


def GET(name, rule, **kw) -> Entry:  # noqa: N802
    return Entry(name, rule, "GET", **kw)


def POST(name, rule, **kw) -> Entry:  # noqa: N802
    return Entry(name, rule, "POST", **kw)


def PATCH(name, rule, **kw) -> Entry:  # noqa: N802
    return Entry(name, rule, "PATCH", **kw)


def DELETE(name, rule, **kw) -> Entry:  # noqa: N802
    return Entry(name, rule, "DELETE", **kw)


def gaps(gap: KnownGap, *personas: str) -> dict:
    return {persona: gap for persona in personas}


# --- the objects in the URLs: Hangzhou branch (BR-HZ) records of the demo --------------------
# model label, filter, order. ME is the persona making the request (their own records).
ME = "__me__"
HZ_ORDER = {"org_unit__code": "BR-HZ", "technician__username": "hz_jishi"}
OBJECTS: dict[str, tuple[str, dict]] = {
    "region": ("accounts.Region", {"code": "EAST-ZJ"}),
    "org_unit": ("accounts.OrgUnit", {"code": "BR-HZ"}),
    "hz_user": ("accounts.User", {"username": "hz_jishi"}),
    "calendar_day": ("core.CalendarDay", {}),
    "working_hours": ("core.WorkingHours", {}),
    "customer": ("customers.Customer", {"owner_unit__code": "BR-HZ", "entity": "person"}),
    "contact": ("customers.Contact", {"customer__owner_unit__code": "BR-HZ"}),
    "category": ("products.ProductCategory", {}),
    "product_model": ("products.ProductModel", {}),
    "unit": ("products.Unit", {"owner__owner_unit__code": "BR-HZ"}),
    "warranty": ("products.Warranty", {"unit__owner__owner_unit__code": "BR-HZ"}),
    "contract": ("products.MaintenanceContract", {"customer__owner_unit__code": "BR-HZ"}),
    "handover": ("products.DeliveryHandover", {"unit__owner__owner_unit__code": "BR-HZ"}),
    # In progress, the Hangzhou technician's: field work, parts, a take-back are on it.
    "order": ("service.ServiceOrder", {**HZ_ORDER, "status": "in_progress"}),
    "order_received": ("service.ServiceOrder", {"org_unit__code": "BR-HZ", "status": "received"}),
    "order_completed": ("service.ServiceOrder", {**HZ_ORDER, "status": "completed"}),
    "order_duplicate": (
        "service.ServiceOrder",
        {**HZ_ORDER, "status": "completed", "duplicate_of__isnull": False},
    ),
    "order_referred": ("service.ServiceOrder", {"org_unit__code": "BR-HZ", "referrals__gt": 0}),
    "order_signed": ("service.ServiceOrder", {**HZ_ORDER, "status": "closed"}),
    "order_paper": ("service.ServiceOrder", {**HZ_ORDER, "paper_voucher__gt": ""}),
    "attachment": ("service.OrderAttachment", {"order__org_unit__code": "BR-HZ"}),
    "web_request": ("service.WebRequest", {"status": "new"}),
    "referral": ("service.Referral", {"order__org_unit__code": "BR-HZ"}),
    "fault_type": ("service.FaultType", {}),
    "take_back": ("fieldwork.TakeBack", {"order__org_unit__code": "BR-HZ"}),
    "notification": ("notifications.Notification", {"recipient": ME}),
    "lead": ("leads.Lead", {"org_unit__code": "BR-HZ", "status": "new"}),
    "part": ("parts.Part", {}),
    "part_price": ("parts.PartPrice", {}),
    "labour_rate": ("parts.LabourRate", {}),
    "stock_count": ("parts.StockCount", {"warehouse__org_unit__code": "BR-HZ"}),
    "line_requested": ("parts.PartLine", {"order__org_unit__code": "BR-HZ", "status": "requested"}),
    "line_issued": ("parts.PartLine", {"order__org_unit__code": "BR-HZ", "status": "issued"}),
    "line_used": ("parts.PartLine", {"order__org_unit__code": "BR-HZ", "status": "used"}),
    "slip": ("parts.Slip", {"order__org_unit__code": "BR-HZ"}),
    "shipment_return": (
        "parts.Shipment",
        {"order__org_unit__code": "BR-HZ", "direction": "return"},
    ),
    "shipment_out": (
        "parts.Shipment",
        {"order__org_unit__code": "BR-HZ", "direction": "to_technician"},
    ),
    "inquiry": ("parts.PurchaseInquiry", {"order__org_unit__code": "BR-HZ"}),
    "labour_line": ("charges.LabourLine", {"order__org_unit__code": "BR-HZ"}),
    "quotation": ("charges.Quotation", {"order__org_unit__code": "BR-HZ", "status": "pending"}),
    "quotation_signed": (
        "charges.Quotation",
        {"order__org_unit__code": "BR-HZ", "signature__gt": ""},
    ),
    "payment": (
        "charges.CustomerPayment",
        {"order__org_unit__code": "BR-HZ", "received_by__username": "hz_jishi"},
    ),
    "cash_handover": ("charges.CashHandover", {"technician__username": "hz_jishi"}),
    "invoice": ("charges.Invoice", {"order__org_unit__code": "BR-HZ", "status": "to_issue"}),
    "return_visit": ("followup.ReturnVisit", {"order__org_unit__code": "BR-HZ", "status": "due"}),
    "case": ("followup.FollowupCase", {"order__org_unit__code": "BR-HZ", "status": "open"}),
    "survey": ("followup.Survey", {"order__org_unit__code": "BR-HZ", "kind": "order"}),
    "survey_token": ("followup.Survey", {}),  # the public page: the demo's token (ctx)
    "complaint": ("complaints.Complaint", {"org_unit__code": "BR-HZ", "status": "registered"}),
    "complaint_resolved": (
        "complaints.Complaint",
        {"org_unit__code": "BR-HZ", "status": "resolved"},
    ),
    "complaint_reply": ("complaints.ComplaintReply", {"complaint__org_unit__code": "BR-HZ"}),
    "violation": ("complaints.Violation", {"complaint__org_unit__code": "BR-HZ"}),
    "exchange_draft": ("exchanges.ExchangeRequest", {"org_unit__code": "BR-HZ", "status": "draft"}),
    "exchange_review": (
        "exchanges.ExchangeRequest",
        {"org_unit__code": "BR-HZ", "status": "regional_head"},
    ),
    "exchange_approved": (
        "exchanges.ExchangeRequest",
        {"org_unit__code": "BR-HZ", "status": "approved"},
    ),
    "exchange_received": (
        "exchanges.ExchangeRequest",
        {"org_unit__code": "BR-HZ", "status": "received"},
    ),
    "exchange_attachment": ("exchanges.ExchangeAttachment", {"request__org_unit__code": "BR-HZ"}),
    "ledger_entry": ("exchanges.LedgerEntry", {"request__org_unit__code": "BR-HZ"}),
    "api_token": ("accounts.ApiToken", {"user__username": "hz_jishi"}),
    "access_entry": ("audit.AccessEntry", {}),
}

# --- the rights the entries name ---------------------------------------------------------------
VIEW_ORDERS = "service.view_serviceorder"
DISPATCH = "service.dispatch_serviceorder"
INTAKE = "service.add_serviceorder"
HANDLE = "service.handle_serviceorder"
CLOSE_ORDERS = "service.close_serviceorder"

EXCHANGE_REVIEW = ANY_PERM(
    "exchanges.approve_as_regional_head",
    "exchanges.check_as_office",
    "exchanges.decide_as_general_manager",
)
# A collector who does not register payments (FEE-3) sees only the payments of their own
# orders: the Hangzhou branch manager collects too, so the technician's payment is not his.
OWN_PAYMENTS_ONLY = ("branch_manager",)

# The order's own technician (hz_jishi, the "technician" persona) or a dispatcher acting for
# them (SVC-1…SVC-4, PRT-1, FEE-3): "assigned" steps of the workflow.
ORDER_WORK = {"rule": ANY_PERM(DISPATCH), "allow": ("technician",), "reach": True}

# --- known gaps (findings the test lists instead of failing) ------------------------------------
CUS_2 = KNOWN_GAP(
    "CUS-2, SEC-2: the full customer file is top secret — its keeper (information manager) "
    "and people holding a time-limited grant (access request → approval by the business "
    "lead or company manager) may open it; the grant flow does not exist yet, so every role "
    "with customers.view_customer reads every file in reach"
)
# The roles with the view right that neither keep the files nor approve grants.
FILE_READERS_WITHOUT_GRANT = (
    "agent",
    "finance",
    "keeper",
    "engineer",
    "branch_manager",
    "technician",
    "salesperson",
    "office",
    "supervisor",
    "specialist",
)
SC_REGION = KNOWN_GAP(
    "ORG-3: an authorised service centre sees only its own orders and the customers of "
    "those orders; the Ningbo centre's people carry the Zhejiang region, and region reach "
    "opens every Hangzhou-branch customer (units, contracts, complaints, exchange forms) to "
    "them"
)

SEC_5 = KNOWN_GAP(
    "SEC-5: approvals and sign-offs cannot be made by someone without the role; the demo "
    "administrator is a Django superuser, for whom every right check passes, so the system "
    "administrator can sign finance's parts lines and approve stock counts"
)

# --- the matrix --------------------------------------------------------------------------------
ENTRIES: list[Entry] = [
    # Home, sign-in, own account -------------------------------------------------------------
    GET("home", LOGIN),
    GET("login", PUBLIC),  # a signed-in person is sent on (redirect_authenticated_user)
    POST("logout", PUBLIC, signs_out=True),
    GET("password_change", LOGIN),
    GET("password_change_done", LOGIN),
    GET("accounts:orgunit_list", PERM("accounts.view_orgunit")),
    GET("accounts:user_list", PERM("accounts.view_user")),
    GET("accounts:profile", LOGIN),
    POST("accounts:api_token", LOGIN),
    # One's own token; anyone's with the right to revoke tokens (SEC-4).
    POST(
        "accounts:api_token_revoke",
        PERM("accounts.revoke_apitoken"),
        obj="api_token",
        allow=("technician",),
    ),
    # Audit trail and access log (SEC-1, CUS-2) --------------------------------------------------
    GET("audit:search", PERM("audit.view_auditentry")),
    GET("audit:access_search", PERM("audit.view_accessentry")),
    GET("audit:access_export", PERM("audit.view_accessentry")),
    # Business calendar (CAL-1): read by all who work with deadlines, kept by the admin ---------
    GET("core:calendar", PERM("core.view_calendarday")),
    POST("core:calendar_create", PERM("core.add_businesscalendar")),
    POST("core:calendar_day_set", PERM("core.change_calendarday")),
    POST("core:calendar_day_remove", PERM("core.delete_calendarday"), obj="calendar_day"),
    POST("core:working_hours_set", PERM("core.change_workinghours")),
    # Customers (CUS-1…CUS-5; CUS-2 for the file) -----------------------------------------------
    GET("customers:list", PERM("customers.view_customer")),
    GET("customers:export", PERM("customers.view_customer", "customers.export_customers")),
    GET("customers:create", PERM("customers.add_customer")),
    GET(
        "customers:detail",
        PERM("customers.view_customer"),
        obj="customer",
        reach=True,
        deny=FILE_READERS_WITHOUT_GRANT,
        gaps={**gaps(CUS_2, *FILE_READERS_WITHOUT_GRANT), "service_centre": SC_REGION},
    ),
    GET(
        "customers:file_export",
        PERM("customers.view_customer", "customers.export_customers"),
        obj="customer",
        reach=True,
        deny=("finance",),
        gaps=gaps(CUS_2, "finance"),
    ),
    GET(
        "customers:edit",
        PERM("customers.change_customer"),
        obj="customer",
        reach=True,
    ),
    POST(
        "customers:deactivate",
        PERM("customers.change_customer"),
        obj="customer",
        reach=True,
    ),
    POST(
        "customers:reactivate",
        PERM("customers.change_customer"),
        obj="customer",
        reach=True,
    ),
    GET(
        "customers:contact_add",
        PERM("customers.add_contact"),
        obj="customer",
        reach=True,
    ),
    GET(
        "customers:contact_edit",
        PERM("customers.change_contact"),
        obj="contact",
        reach=True,
    ),
    POST(
        "customers:contact_remove",
        PERM("customers.delete_contact"),
        obj="contact",
        reach=True,
    ),
    # SEC-3: a person's data exported or anonymised on request.
    GET(
        "customers:personal_data",
        PERM("customers.export_personal_data"),
        obj="customer",
        kwargs={"fmt": "json"},
        reach=True,
    ),
    GET(
        "customers:contact_personal_data",
        PERM("customers.export_personal_data"),
        obj="contact",
        kwargs={"fmt": "xlsx"},
        reach=True,
    ),
    GET("customers:anonymise", PERM("customers.anonymise_customer"), obj="customer", reach=True),
    POST("customers:anonymise", PERM("customers.anonymise_customer"), obj="customer", reach=True),
    GET(
        "customers:contact_anonymise",
        PERM("customers.anonymise_customer"),
        obj="contact",
        reach=True,
    ),
    # Products, units, warranty, contracts (PRD-1…PRD-4) ----------------------------------------
    GET("products:model_list", PERM("products.view_productmodel")),
    GET("products:model_create", PERM("products.add_productmodel")),
    GET("products:model_edit", PERM("products.change_productmodel"), obj="product_model"),
    GET("products:category_create", PERM("products.add_productcategory")),
    GET("products:category_edit", PERM("products.change_productcategory"), obj="category"),
    GET("products:unit_list", PERM("products.view_unit")),
    GET("products:unit_create", PERM("products.add_unit")),
    GET("products:unit_import", PERM("products.import_units")),
    GET("products:unit_import_template", PERM("products.import_units")),
    GET(
        "products:unit_detail",
        PERM("products.view_unit"),
        obj="unit",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET(
        "products:unit_edit",
        PERM("products.change_unit"),
        obj="unit",
        reach=True,
    ),
    GET(
        "products:unit_qr",
        PERM("products.view_unit"),
        obj="unit",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET("products:warranty_add", PERM("products.add_warranty"), obj="unit", reach=True),
    GET("products:handover_add", PERM("products.add_deliveryhandover"), obj="unit", reach=True),
    GET("products:contract_create", PERM("products.add_maintenancecontract")),
    GET(
        "products:contract_detail",
        PERM("products.view_maintenancecontract"),
        obj="contract",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    POST(
        "products:contract_detail",
        PERM("products.view_maintenancecontract", "products.change_maintenancecontract"),
        obj="contract",
        reach=True,
        variant="cancel",
    ),
    # Service orders (REQ, SVC) -------------------------------------------------------------------
    GET("service:order_list", PERM(VIEW_ORDERS)),
    GET("service:order_create", PERM(INTAKE)),
    GET("service:order_lookup", PERM(INTAKE), query={"q": "杭州"}),
    GET("service:my_orders", PERM(HANDLE)),
    GET("service:sla_overview", PERM("service.view_sla_overview")),
    # FIN-1, RPT-2: the monthly statistics of every technician in reach; a technician (the
    # right to handle orders) sees their own row. The Excel download is the same table.
    GET("service:monthly_statistics", ANY_PERM("service.view_service_statistics", HANDLE)),
    GET(
        "service:monthly_statistics",
        ANY_PERM("service.view_service_statistics", HANDLE),
        query={"format": "xlsx"},
        variant="xlsx",
    ),
    GET("service:referral_list", PERM(VIEW_ORDERS)),
    # REQ-1, REQ-4: web requests belong to no unit until accepted; intake sees the queue.
    GET("service:web_request_list", PERM(INTAKE)),
    GET("service:web_request_detail", PERM(INTAKE), obj="web_request"),
    POST("service:web_request_accept", PERM(INTAKE), obj="web_request"),
    POST("service:web_request_reject", PERM(INTAKE), obj="web_request"),
    GET("service:order_detail", PERM(VIEW_ORDERS), obj="order", reach=True),
    GET("service:order_voucher", PERM(VIEW_ORDERS), obj="order", reach=True),
    GET("service:order_signature", PERM(VIEW_ORDERS), obj="order_signed", reach=True),
    GET("service:order_paper_voucher", PERM(VIEW_ORDERS), obj="order_paper", reach=True),
    # REQ-2: the order's technician, intake and dispatch add files.
    POST(
        "service:order_attachments",
        ANY_PERM(INTAKE, DISPATCH),
        obj="order",
        reach=True,
        allow=("technician",),
    ),
    GET(
        "service:order_attachment",
        PERM(VIEW_ORDERS),
        obj={"pk": "order", "attachment_id": "attachment"},
        reach=True,
    ),
    POST("service:order_refer", PERM("service.add_referral"), obj="order", reach=True),
    # Issue 7: the referral form, loaded into the order page when its card opens.
    GET("service:order_refer", PERM("service.add_referral"), obj="order", reach=True),
    # REQ-6: the person the question went to (the technical engineer), or dispatch.
    POST(
        "service:referral_answer",
        ANY_PERM(DISPATCH),
        obj={"pk": "order_referred", "referral_id": "referral"},
        reach=True,
        allow=("engineer",),
    ),
    # The workflow (one entry per kind of right: dispatch, the assigned technician, closing).
    # GET: the step's form, loaded into the order page when its panel opens (issue 7).
    GET(
        "service:order_action",
        PERM(DISPATCH),
        obj="order_received",
        kwargs={"action": "dispatch"},
        reach=True,
        variant="dispatch-form",
    ),
    POST(
        "service:order_action",
        PERM(DISPATCH),
        obj="order_received",
        kwargs={"action": "dispatch"},
        reach=True,
        variant="dispatch",
    ),
    POST(
        "service:order_action",
        kwargs={"action": "wait_parts"},
        obj="order",
        variant="wait_parts",
        **ORDER_WORK,
    ),
    POST(
        "service:order_action",
        PERM(CLOSE_ORDERS),
        obj="order_completed",
        kwargs={"action": "close"},
        reach=True,
        variant="close",
    ),
    # Field work (SVC-3, SVC-5) ------------------------------------------------------------------
    POST("fieldwork:tick_checklist", obj="order", **ORDER_WORK),
    POST("fieldwork:check_in", obj="order", **ORDER_WORK),
    POST("fieldwork:check_out", obj="order", **ORDER_WORK),
    GET("fieldwork:take_back_create", obj="order", **ORDER_WORK),
    GET("fieldwork:take_back_detail", PERM(VIEW_ORDERS), obj="take_back", reach=True),
    GET("fieldwork:take_back_return", obj="take_back", **ORDER_WORK),
    GET(
        "fieldwork:take_back_signature",
        PERM(VIEW_ORDERS),
        obj="take_back",
        kwargs={"which": "customer"},
        reach=True,
    ),
    # The public pages (REQ-1, FUP-2) --------------------------------------------------------------
    GET("public:repair", PUBLIC),
    GET("public:thanks", PUBLIC),
    GET("public:status", PUBLIC),
    GET("survey:thanks", PUBLIC),
    GET("survey:answer", PUBLIC, obj={"token": "survey_token"}),
    # Notifications: one's own ---------------------------------------------------------------------
    GET("notifications:inbox", LOGIN),
    POST("notifications:read", LOGIN, obj="notification"),
    POST("notifications:read_all", LOGIN),
    # Sales leads (SVC-9) -------------------------------------------------------------------------
    GET("leads:lead_list", PERM("leads.view_lead")),
    GET("leads:my_fees", PERM("leads.add_lead")),
    GET("leads:lead_create", PERM("leads.add_lead"), obj={"order_pk": "order"}, reach=True),
    # The reporter (the technician) reads their own lead without the view right.
    GET(
        "leads:lead_detail",
        PERM("leads.view_lead"),
        obj="lead",
        reach=True,
        allow=("technician",),
    ),
    POST(
        "leads:lead_action",
        PERM("leads.work_lead"),
        obj="lead",
        kwargs={"action": "contact"},
        reach=True,
    ),
    # Parts: catalogue and prices (PRT, FEE-2) ---------------------------------------------------
    GET("parts:part_list", PERM("parts.view_part")),
    GET("parts:part_create", PERM("parts.add_part")),
    GET("parts:part_detail", PERM("parts.view_part"), obj="part"),
    GET("parts:part_edit", PERM("parts.change_part"), obj="part"),
    POST("parts:price_add", PERM("parts.manage_prices"), obj="part"),
    GET("parts:labour_rates", ANY_PERM("parts.view_labourrate", "parts.manage_prices")),
    POST(
        "parts:labour_rates",
        PERM("parts.manage_prices"),
        variant="set a rate",
    ),
    # Stock (PRT-8) --------------------------------------------------------------------------------
    GET("parts:stock_list", PERM("parts.view_stocklevel")),
    GET("parts:stock_moves", PERM("parts.view_stockmove")),
    GET("parts:stock_receive", PERM("parts.add_stockmove")),
    GET("parts:stock_transfer", PERM("parts.add_stockmove")),
    GET("parts:stock_scrap", PERM("parts.add_stockmove")),
    GET("parts:stock_limits", PERM("parts.change_stocklevel")),
    GET("parts:shortage_list", PERM("parts.view_stocklevel")),
    GET(
        "parts:count_list",
        ANY_PERM("parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount"),
    ),
    GET("parts:count_start", PERM("parts.add_stockcount")),
    GET(
        "parts:count_detail",
        ANY_PERM("parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount"),
        obj="stock_count",
        reach=True,
    ),
    POST("parts:count_submit", PERM("parts.add_stockcount"), obj="stock_count", reach=True),
    POST(
        "parts:count_decide",
        PERM("parts.approve_stockcount"),
        obj="stock_count",
        reach=True,
        deny=("admin",),
        gaps={"admin": SEC_5},
    ),
    # Parts lines of orders (PRT-1…PRT-3, SEC-5) -------------------------------------------------
    POST(
        "parts:line_request",
        PERM("parts.add_partline", DISPATCH),
        obj={"order_pk": "order"},
        reach=True,
        allow=("technician",),
    ),
    GET("parts:part_lookup", PERM("parts.add_partline"), query={"q": "a"}),
    GET("parts:signoff_queue", PERM("parts.sign_partline")),
    GET("parts:issue_queue", PERM("parts.issue_partline")),
    POST(
        "parts:issue",
        PERM("parts.issue_partline"),
        obj={"order_pk": "order"},
        reach=True,
    ),
    GET("parts:old_parts_due", PERM("parts.view_partline")),
    GET("parts:my_parts", PERM("parts.add_partline")),
    POST("parts:line_use", obj="line_issued", **ORDER_WORK),
    # PRT-1 f: only the order's own technician agrees — the receivable becomes theirs.
    POST(
        "parts:line_agree_unpaid",
        PERSONAL,
        obj="line_requested",
        reach=True,
        allow=("technician",),
    ),
    POST(
        "parts:line_sign",
        PERM("parts.sign_partline"),
        obj="line_requested",
        reach=True,
        deny=("admin",),
        gaps={"admin": SEC_5},
    ),
    POST(
        "parts:old_part_receive",
        PERM("parts.issue_partline"),
        obj="line_used",
        reach=True,
    ),
    POST("parts:line_return", PERM("parts.issue_partline"), obj="line_issued", reach=True),
    GET(
        "parts:slip_detail",
        ANY_PERM("parts.view_slip", "parts.view_partline"),
        obj="slip",
        reach=True,
    ),
    GET("parts:consumed_report", ANY_PERM("parts.view_stockmove", "parts.issue_partline")),
    GET("parts:unreturned_report", ANY_PERM("parts.issue_partline", "parts.sign_partline")),
    # Shipments (PRT-4): the keeper ships and delivers; the technician sends returns ----------
    GET("parts:shipment_list", PERM("parts.view_shipment")),
    GET(
        "parts:shipment_create",
        PERM("parts.add_shipment"),
        query={"order": Obj("order")},
        reach=True,
    ),
    GET("parts:shipment_detail", PERM("parts.view_shipment"), obj="shipment_return", reach=True),
    # A return parcel: the keeper, or the technician who sends it.
    POST(
        "parts:shipment_ship",
        PERM("parts.change_shipment"),
        obj="shipment_return",
        reach=True,
        allow=("technician",),
    ),
    # A parcel to the technician: the keeper, or the technician receiving it.
    POST(
        "parts:shipment_deliver",
        PERM("parts.change_shipment"),
        obj="shipment_out",
        reach=True,
        allow=("technician",),
    ),
    # The keeper, or whoever prepared it (the technician).
    POST(
        "parts:shipment_cancel",
        PERM("parts.change_shipment"),
        obj="shipment_return",
        reach=True,
        allow=("technician",),
    ),
    # Purchase inquiries (PRT-7) ----------------------------------------------------------------
    GET(
        "parts:inquiry_list",
        ANY_PERM(
            "parts.view_purchaseinquiry",
            "parts.add_purchaseinquiry",
            "parts.answer_purchaseinquiry",
        ),
    ),
    GET("parts:inquiry_create", PERM("parts.add_purchaseinquiry")),
    # The asker (the technician), purchasing, and holders of the view right within reach.
    GET(
        "parts:inquiry_detail",
        ANY_PERM("parts.view_purchaseinquiry", "parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
    ),
    POST(
        "parts:inquiry_answer",
        PERM("parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
    ),
    POST(
        "parts:inquiry_withdraw",
        PERM("parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
        allow=("technician",),
    ),
    # Charges: labour, quotations (FEE-1, FEE-2) -------------------------------------------------
    GET("charges:quotation_list", PERM("charges.view_quotation")),
    GET("charges:quotation_detail", PERM("charges.view_quotation"), obj="quotation", reach=True),
    GET("charges:quotation_pdf", PERM("charges.view_quotation"), obj="quotation", reach=True),
    GET(
        "charges:quotation_signature",
        PERM("charges.view_quotation"),
        obj="quotation_signed",
        reach=True,
    ),
    POST("charges:quotation_accept", PERM("charges.add_quotation"), obj="quotation", reach=True),
    POST("charges:quotation_decline", PERM("charges.add_quotation"), obj="quotation", reach=True),
    POST(
        "charges:quotation_make",
        PERM("charges.add_quotation"),
        obj={"order_pk": "order"},
        reach=True,
    ),
    POST(
        "charges:labour_add",
        PERM("charges.add_labourline", DISPATCH),
        obj={"order_pk": "order"},
        reach=True,
        allow=("technician",),
    ),
    POST(
        "charges:labour_cancel",
        PERM("charges.add_labourline", DISPATCH),
        obj="labour_line",
        reach=True,
        allow=("technician",),
    ),
    # Money (FEE-3, FEE-5, FIN-2) ----------------------------------------------------------------
    GET(
        "charges:collect",
        PERM("charges.collect_payment", DISPATCH),
        obj={"order_pk": "order"},
        reach=True,
        allow=("technician",),
    ),
    GET(
        "charges:invoice_request",
        PERM("charges.add_invoice"),
        obj={"order_pk": "order"},
        reach=True,
    ),
    GET(
        "charges:payment_list",
        ANY_PERM(
            "charges.view_customerpayment", "charges.collect_payment", "charges.register_payment"
        ),
    ),
    GET("charges:payment_register", PERM("charges.register_payment")),
    # A collector sees the payments on their own orders; finance all in reach.
    GET(
        "charges:payment_detail",
        ANY_PERM(
            "charges.view_customerpayment", "charges.collect_payment", "charges.register_payment"
        ),
        obj="payment",
        reach=True,
        deny=OWN_PAYMENTS_ONLY,
    ),
    POST("charges:payment_notify", PERM("charges.register_payment"), obj="payment", reach=True),
    POST("charges:payment_void", PERM("charges.register_payment"), obj="payment", reach=True),
    GET(
        "charges:receipt_pdf",
        ANY_PERM(
            "charges.view_customerpayment", "charges.collect_payment", "charges.register_payment"
        ),
        obj="payment",
        reach=True,
        deny=OWN_PAYMENTS_ONLY,
    ),
    GET(
        "charges:cash",
        ANY_PERM(
            "charges.collect_payment", "charges.add_cashhandover", "charges.view_cashhandover"
        ),
    ),
    POST("charges:cash", PERM("charges.add_cashhandover"), variant="take cash"),
    # The technician who handed the cash over, and finance.
    GET(
        "charges:handover_detail",
        ANY_PERM("charges.view_cashhandover", "charges.add_cashhandover"),
        obj="cash_handover",
        allow=("technician",),
    ),
    GET("charges:invoice_list", PERM("charges.view_invoice")),
    POST("charges:invoice_issue", PERM("charges.issue_invoice"), obj="invoice", reach=True),
    POST("charges:invoice_cancel", PERM("charges.issue_invoice"), obj="invoice", reach=True),
    # Return visits and cases (FUP-1, FUP-5) ----------------------------------------------------
    GET("followup:visit_queue", PERM("followup.view_returnvisit")),
    GET(
        "followup:visit_detail",
        ANY_PERM("followup.view_returnvisit", "followup.call_returnvisit"),
        obj="return_visit",
        reach=True,
    ),
    POST(
        "followup:visit_call",
        PERM("followup.call_returnvisit"),
        obj="return_visit",
        reach=True,
    ),
    GET(
        "followup:visit_pdf",
        ANY_PERM("followup.view_returnvisit", "followup.call_returnvisit"),
        obj="return_visit",
        reach=True,
    ),
    GET("followup:case_list", PERM("followup.view_followupcase")),
    # The case's owner (the Hangzhou branch manager) and viewers within reach.
    GET(
        "followup:case_detail",
        PERM("followup.view_followupcase"),
        obj="case",
        reach=True,
    ),
    POST(
        "followup:case_resolve",
        PERM("followup.resolve_followupcase"),
        obj="case",
        reach=True,
    ),
    POST(
        "followup:case_reassign",
        PERM("followup.resolve_followupcase"),
        obj="case",
        reach=True,
    ),
    # Surveys and satisfaction (FUP-2, FUP-3, FUP-6) ----------------------------------------------
    GET("followup:survey_list", PERM("followup.view_survey")),
    GET("followup:survey_send", PERM("followup.add_survey")),
    GET("followup:survey_detail", PERM("followup.view_survey"), obj="survey", reach=True),
    GET("followup:survey_key_in", PERM("followup.key_in_survey"), obj="survey", reach=True),
    GET("followup:satisfaction", PERM("followup.view_satisfaction")),
    GET("followup:satisfaction_export", PERM("followup.view_satisfaction")),
    # Complaints (CMP-1…CMP-5) ---------------------------------------------------------------------
    GET("complaints:list", PERM("complaints.view_complaint")),
    GET("complaints:new", PERM("complaints.add_complaint")),
    GET(
        "complaints:detail",
        PERM("complaints.view_complaint"),
        obj="complaint",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    # HANDLER steps: the owner (the Hangzhou branch manager here), handlers within reach,
    # market supervision anywhere.
    POST(
        "complaints:action",
        ANY_PERM("complaints.handle_complaint", "complaints.supervise_complaint"),
        obj="complaint",
        kwargs={"action": "investigate"},
        reach=True,
        variant="investigate",
    ),
    # CLOSER steps: close_complaint, or the owner holding handle_complaint (the agent here).
    POST(
        "complaints:action",
        PERM("complaints.close_complaint"),
        obj="complaint_resolved",
        kwargs={"action": "close"},
        reach=True,
        allow=("agent",),
        variant="close",
    ),
    GET(
        "complaints:reply_pdf",
        PERM("complaints.view_complaint"),
        obj="complaint_reply",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET("complaints:violation_list", PERM("complaints.view_violation")),
    # Exchanges and returns (EXC-1…EXC-4, SEC-5) ----------------------------------------------
    GET("exchanges:list", PERM("exchanges.view_exchangerequest")),
    GET("exchanges:create", PERM("exchanges.add_exchangerequest")),
    GET("exchanges:ledger", PERM("exchanges.view_ledgerentry")),
    GET(
        "exchanges:detail",
        PERM("exchanges.view_exchangerequest"),
        obj="exchange_draft",
        reach=True,
    ),
    GET(
        "exchanges:pdf",
        PERM("exchanges.view_exchangerequest"),
        obj="exchange_draft",
        reach=True,
    ),
    # The filler's steps: the person who filled the form or a filler of the same unit (the
    # salesperson, the branch manager); not the administrator at HQ.
    GET(
        "exchanges:edit",
        PERM("exchanges.change_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    POST(
        "exchanges:submit",
        PERM("exchanges.add_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    POST(
        "exchanges:cancel",
        PERM("exchanges.change_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    POST(
        "exchanges:attach",
        PERM("exchanges.change_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    GET(
        "exchanges:attachment",
        PERM("exchanges.view_exchangerequest"),
        obj={"pk": "exchange_draft", "attachment_id": "exchange_attachment"},
        reach=True,
    ),
    # SEC-5: the form waits for its regional head — the head of the form's region signs it
    # (the administrator, of no region, is refused); a reviewer of a later step is told
    # that it is not their step yet (a refused input, 400).
    POST("exchanges:review", EXCHANGE_REVIEW, obj="exchange_review", reach=True, deny=("admin",)),
    POST(
        "exchanges:receive",
        PERM("exchanges.receive_exchange_goods"),
        obj="exchange_approved",
        reach=True,
    ),
    POST(
        "exchanges:write_ledger",
        PERM("exchanges.write_exchange_ledger"),
        obj="exchange_received",
        reach=True,
    ),
    POST(
        "exchanges:refund",
        PERM("exchanges.refund_exchange"),
        obj="exchange_received",
        reach=True,
    ),
    POST(
        "exchanges:finish",
        ANY_PERM("exchanges.refund_exchange", "exchanges.write_exchange_ledger"),
        obj="exchange_received",
        reach=True,
    ),
    # ===================================== API =============================================
    GET("api:api-root", LOGIN),
    # The OpenAPI description and its two readers are public: they describe the endpoints,
    # hold no record, and clients read them before they have a token.
    GET("api:schema", PUBLIC, query={"format": "json"}),
    GET("api:docs", PUBLIC),
    GET("api:redoc", PUBLIC),
    POST("api:token", PUBLIC),
    POST("api:public-repair-requests", PUBLIC),
    # The manager dashboard's figures (the home page shows them to the same people).
    GET("api:dashboard", PERM("service.view_sla_overview")),
    GET("api:calendar-deadline", PERM("core.view_calendarday")),
    GET("api:calendar-year", PERM("core.view_calendarday"), kwargs={"year": 2026}),
    GET(
        "api:three-guarantees",
        PERM("products.view_unit"),
        query={"unit": Obj("unit")},
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET(
        "api:order-charge-sheet",
        ANY_PERM("charges.view_quotation", "charges.view_labourline"),
        obj="order",
        reach=True,
    ),
    # Organisation (ORG-1, ORG-3)
    GET("api:region-list", PERM("accounts.view_region")),
    GET("api:region-detail", PERM("accounts.view_region"), obj="region"),
    GET("api:orgunit-list", PERM("accounts.view_orgunit")),
    GET("api:orgunit-detail", PERM("accounts.view_orgunit"), obj="org_unit", reach=True),
    GET("api:user-list", PERM("accounts.view_user")),
    GET("api:user-detail", PERM("accounts.view_user"), obj="hz_user", reach=True),
    GET("api:access-entry-list", PERM("audit.view_accessentry")),
    GET("api:access-entry-detail", PERM("audit.view_accessentry"), obj="access_entry"),
    # Calendar (CAL-1)
    GET("api:calendarday-list", PERM("core.view_calendarday")),
    POST("api:calendarday-list", PERM("core.add_calendarday")),
    GET("api:calendarday-detail", PERM("core.view_calendarday"), obj="calendar_day"),
    PATCH("api:calendarday-detail", PERM("core.change_calendarday"), obj="calendar_day"),
    DELETE("api:calendarday-detail", PERM("core.delete_calendarday"), obj="calendar_day"),
    GET("api:workinghours-list", PERM("core.view_calendarday")),
    GET("api:workinghours-detail", PERM("core.view_calendarday"), obj="working_hours"),
    PATCH("api:workinghours-detail", PERM("core.change_workinghours"), obj="working_hours"),
    # Customers
    GET("api:customer-list", PERM("customers.view_customer")),
    POST("api:customer-list", PERM("customers.add_customer")),
    GET(
        "api:customer-detail",
        PERM("customers.view_customer"),
        obj="customer",
        reach=True,
        deny=FILE_READERS_WITHOUT_GRANT,
        gaps={**gaps(CUS_2, *FILE_READERS_WITHOUT_GRANT), "service_centre": SC_REGION},
    ),
    PATCH("api:customer-detail", PERM("customers.change_customer"), obj="customer", reach=True),
    POST(
        "api:customer-deactivate",
        PERM("customers.change_customer"),
        obj="customer",
        reach=True,
    ),
    POST(
        "api:customer-reactivate",
        PERM("customers.change_customer"),
        obj="customer",
        reach=True,
    ),
    GET(
        "api:customer-personal-data",
        PERM("customers.export_personal_data"),
        obj="customer",
        reach=True,
    ),
    POST(
        "api:customer-anonymise",
        PERM("customers.anonymise_customer"),
        obj="customer",
        reach=True,
    ),
    GET("api:contact-list", PERM("customers.view_contact")),
    POST("api:contact-list", PERM("customers.add_contact")),
    GET(
        "api:contact-detail",
        PERM("customers.view_contact"),
        obj="contact",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    PATCH("api:contact-detail", PERM("customers.change_contact"), obj="contact", reach=True),
    DELETE("api:contact-detail", PERM("customers.delete_contact"), obj="contact", reach=True),
    GET(
        "api:contact-personal-data",
        PERM("customers.export_personal_data"),
        obj="contact",
        reach=True,
    ),
    POST(
        "api:contact-anonymise",
        PERM("customers.anonymise_customer"),
        obj="contact",
        reach=True,
    ),
    # Products
    GET("api:productcategory-list", PERM("products.view_productcategory")),
    POST("api:productcategory-list", PERM("products.add_productcategory")),
    GET("api:productcategory-detail", PERM("products.view_productcategory"), obj="category"),
    PATCH("api:productcategory-detail", PERM("products.change_productcategory"), obj="category"),
    GET("api:productmodel-list", PERM("products.view_productmodel")),
    POST("api:productmodel-list", PERM("products.add_productmodel")),
    GET("api:productmodel-detail", PERM("products.view_productmodel"), obj="product_model"),
    PATCH("api:productmodel-detail", PERM("products.change_productmodel"), obj="product_model"),
    GET("api:unit-list", PERM("products.view_unit")),
    POST("api:unit-list", PERM("products.add_unit")),
    GET(
        "api:unit-detail",
        PERM("products.view_unit"),
        obj="unit",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    PATCH("api:unit-detail", PERM("products.change_unit"), obj="unit", reach=True),
    GET(
        "api:unit-entitlement",
        PERM("products.view_unit"),
        obj="unit",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET("api:warranty-list", PERM("products.view_warranty")),
    POST("api:warranty-list", PERM("products.add_warranty")),
    GET(
        "api:warranty-detail",
        PERM("products.view_warranty"),
        obj="warranty",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    PATCH("api:warranty-detail", PERM("products.change_warranty"), obj="warranty", reach=True),
    GET("api:maintenancecontract-list", PERM("products.view_maintenancecontract")),
    POST("api:maintenancecontract-list", PERM("products.add_maintenancecontract")),
    GET(
        "api:maintenancecontract-detail",
        PERM("products.view_maintenancecontract"),
        obj="contract",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    POST(
        "api:maintenancecontract-cancel",
        PERM("products.change_maintenancecontract"),
        obj="contract",
        reach=True,
    ),
    GET("api:deliveryhandover-list", PERM("products.view_deliveryhandover")),
    POST("api:deliveryhandover-list", PERM("products.add_deliveryhandover")),
    GET(
        "api:deliveryhandover-detail",
        PERM("products.view_deliveryhandover"),
        obj="handover",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    # Service orders
    GET("api:serviceorder-list", PERM(VIEW_ORDERS)),
    GET("api:service-statistics", ANY_PERM("service.view_service_statistics", HANDLE)),
    POST("api:serviceorder-list", PERM(INTAKE)),
    GET("api:serviceorder-detail", PERM(VIEW_ORDERS), obj="order", reach=True),
    GET("api:serviceorder-attachments", PERM(VIEW_ORDERS), obj="order", reach=True),
    POST(
        "api:serviceorder-attachments",
        ANY_PERM(INTAKE, DISPATCH),
        obj="order",
        reach=True,
        allow=("technician",),
        multipart=True,
    ),
    GET("api:serviceorder-candidates", PERM(DISPATCH), obj="order_received", reach=True),
    POST("api:serviceorder-dispatch-order", PERM(DISPATCH), obj="order_received", reach=True),
    POST("api:serviceorder-reassign-order", PERM(DISPATCH), obj="order", reach=True),
    POST("api:serviceorder-escalate-order", PERM(DISPATCH), obj="order", reach=True),
    POST("api:serviceorder-merge-order", PERM(DISPATCH), obj="order_received", reach=True),
    POST("api:serviceorder-contact-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-plan-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-start-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-wait-parts-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-wait-customer-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-resume-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-complete-order", obj="order", **ORDER_WORK),
    POST("api:serviceorder-close-order", PERM(CLOSE_ORDERS), obj="order_completed", reach=True),
    POST("api:serviceorder-cancel-order", PERM(CLOSE_ORDERS), obj="order", reach=True),
    POST("api:serviceorder-reopen-order", PERM(CLOSE_ORDERS), obj="order_completed", reach=True),
    POST(
        "api:serviceorder-override-kind",
        PERM("service.override_service_kind"),
        obj="order",
        reach=True,
    ),
    GET("api:faulttype-list", PERM("service.view_faulttype")),
    GET("api:faulttype-detail", PERM("service.view_faulttype"), obj="fault_type"),
    GET("api:webrequest-list", PERM(INTAKE)),
    GET("api:webrequest-detail", PERM(INTAKE), obj="web_request"),
    POST("api:webrequest-accept", PERM(INTAKE), obj="web_request"),
    POST("api:webrequest-reject", PERM(INTAKE), obj="web_request"),
    GET("api:referral-list", PERM(VIEW_ORDERS)),
    POST("api:referral-list", PERM("service.add_referral")),
    GET("api:referral-detail", PERM(VIEW_ORDERS), obj="referral", reach=True),
    POST(
        "api:referral-answer",
        ANY_PERM(DISPATCH),
        obj="referral",
        reach=True,
        allow=("engineer",),
    ),
    # Field work
    GET("api:fieldwork-order-detail", PERM(VIEW_ORDERS), obj="order", reach=True),
    POST("api:fieldwork-order-checklist", obj="order", **ORDER_WORK),
    POST("api:fieldwork-order-check-in", obj="order", **ORDER_WORK),
    POST("api:fieldwork-order-check-out", obj="order", **ORDER_WORK),
    POST("api:fieldwork-order-take-backs", obj="order", **ORDER_WORK),
    GET("api:fieldwork-checklist-item-list", PERM(VIEW_ORDERS)),
    GET("api:fieldwork-visit-list", PERM(VIEW_ORDERS)),
    GET("api:fieldwork-take-back-list", PERM(VIEW_ORDERS)),
    GET("api:fieldwork-take-back-detail", PERM(VIEW_ORDERS), obj="take_back", reach=True),
    POST("api:fieldwork-take-back-record-return", obj="take_back", **ORDER_WORK),
    # Notifications: one's own
    GET("api:notification-list", LOGIN),
    GET("api:notification-detail", LOGIN, obj="notification"),
    POST("api:notification-read", LOGIN, obj="notification"),
    POST("api:notification-read-all", LOGIN),
    # Leads
    GET("api:lead-list", ANY_PERM("leads.view_lead", "leads.add_lead")),
    POST("api:lead-list", PERM("leads.add_lead")),
    GET(
        "api:lead-detail",
        PERM("leads.view_lead"),
        obj="lead",
        reach=True,
        allow=("technician",),
    ),
    POST("api:lead-contact-lead", PERM("leads.work_lead"), obj="lead", reach=True),
    POST("api:lead-win-lead", PERM("leads.work_lead"), obj="lead", reach=True),
    POST("api:lead-lose-lead", PERM("leads.work_lead"), obj="lead", reach=True),
    # Parts catalogue, prices, labour rates
    GET("api:part-list", PERM("parts.view_part")),
    POST("api:part-list", PERM("parts.add_part")),
    GET("api:part-detail", PERM("parts.view_part"), obj="part"),
    PATCH("api:part-detail", PERM("parts.change_part"), obj="part"),
    GET("api:partprice-list", PERM("parts.view_partprice")),
    POST("api:partprice-list", PERM("parts.manage_prices")),
    GET("api:partprice-detail", PERM("parts.view_partprice"), obj="part_price"),
    GET("api:labourrate-list", PERM("parts.view_labourrate")),
    POST("api:labourrate-list", PERM("parts.manage_prices")),
    GET("api:labourrate-detail", PERM("parts.view_labourrate"), obj="labour_rate"),
    # Stock
    GET("api:stock-level-list", PERM("parts.view_stocklevel")),
    POST("api:stock-level-limits", PERM("parts.change_stocklevel")),
    GET("api:stock-move-list", PERM("parts.view_stockmove")),
    POST("api:stock-move-receive", PERM("parts.add_stockmove")),
    POST("api:stock-move-transfer", PERM("parts.add_stockmove")),
    POST("api:stock-move-scrap", PERM("parts.add_stockmove")),
    GET(
        "api:stock-count-list",
        ANY_PERM("parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount"),
    ),
    POST("api:stock-count-list", PERM("parts.add_stockcount")),
    GET(
        "api:stock-count-detail",
        ANY_PERM("parts.view_stockcount", "parts.add_stockcount", "parts.approve_stockcount"),
        obj="stock_count",
        reach=True,
    ),
    POST(
        "api:stock-count-record-line",
        PERM("parts.add_stockcount"),
        obj="stock_count",
        reach=True,
    ),
    POST("api:stock-count-submit", PERM("parts.add_stockcount"), obj="stock_count", reach=True),
    POST(
        "api:stock-count-decide",
        PERM("parts.approve_stockcount"),
        obj="stock_count",
        reach=True,
        deny=("admin",),
        gaps={"admin": SEC_5},
    ),
    # Parts lines, slips, receivables
    GET("api:part-line-list", PERM("parts.view_partline")),
    POST("api:part-line-list", PERM("parts.add_partline")),
    GET("api:part-line-detail", PERM("parts.view_partline"), obj="line_used", reach=True),
    POST(
        "api:part-line-sign",
        PERM("parts.sign_partline"),
        obj="line_requested",
        reach=True,
        deny=("admin",),
        gaps={"admin": SEC_5},
    ),
    POST("api:part-line-use", obj="line_issued", **ORDER_WORK),
    POST(
        "api:part-line-agree-unpaid",
        PERSONAL,
        obj="line_requested",
        reach=True,
        allow=("technician",),
    ),
    POST(
        "api:part-line-return-unused",
        PERM("parts.issue_partline"),
        obj="line_issued",
        reach=True,
    ),
    POST(
        "api:part-line-receive-old-part",
        PERM("parts.issue_partline"),
        obj="line_used",
        reach=True,
    ),
    GET("api:slip-list", ANY_PERM("parts.view_slip", "parts.view_partline")),
    POST("api:slip-issue", PERM("parts.issue_partline")),
    GET(
        "api:slip-detail",
        ANY_PERM("parts.view_slip", "parts.view_partline"),
        obj="slip",
        reach=True,
    ),
    # FIN-2: finance sees the receivables in reach, a technician their own.
    GET("api:receivable-list", ANY_PERM("parts.view_receivable", "parts.add_partline")),
    # Shipments
    GET("api:shipment-list", PERM("parts.view_shipment")),
    POST("api:shipment-list", PERM("parts.add_shipment")),
    GET(
        "api:shipment-detail",
        PERM("parts.view_shipment"),
        obj="shipment_return",
        reach=True,
    ),
    POST(
        "api:shipment-ship",
        PERM("parts.change_shipment"),
        obj="shipment_return",
        reach=True,
        allow=("technician",),
    ),
    POST(
        "api:shipment-deliver",
        PERM("parts.change_shipment"),
        obj="shipment_out",
        reach=True,
        allow=("technician",),
    ),
    POST(
        "api:shipment-cancel",
        PERM("parts.change_shipment"),
        obj="shipment_return",
        reach=True,
        allow=("technician",),
    ),
    # Purchase inquiries
    GET(
        "api:purchase-inquiry-list",
        ANY_PERM(
            "parts.view_purchaseinquiry",
            "parts.add_purchaseinquiry",
            "parts.answer_purchaseinquiry",
        ),
    ),
    POST("api:purchase-inquiry-list", PERM("parts.add_purchaseinquiry")),
    GET(
        "api:purchase-inquiry-detail",
        ANY_PERM("parts.view_purchaseinquiry", "parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
    ),
    POST(
        "api:purchase-inquiry-answer",
        PERM("parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
    ),
    POST(
        "api:purchase-inquiry-withdraw",
        PERM("parts.answer_purchaseinquiry"),
        obj="inquiry",
        reach=True,
        allow=("technician",),
    ),
    # Labour and quotations
    GET("api:labour-line-list", PERM("charges.view_labourline")),
    POST("api:labour-line-list", PERM("charges.add_labourline")),
    GET(
        "api:labour-line-detail",
        PERM("charges.view_labourline"),
        obj="labour_line",
        reach=True,
    ),
    POST(
        "api:labour-line-cancel",
        PERM("charges.add_labourline", DISPATCH),
        obj="labour_line",
        reach=True,
        allow=("technician",),
    ),
    GET("api:quotation-list", PERM("charges.view_quotation")),
    POST("api:quotation-list", PERM("charges.add_quotation")),
    GET("api:quotation-detail", PERM("charges.view_quotation"), obj="quotation", reach=True),
    GET("api:quotation-pdf", PERM("charges.view_quotation"), obj="quotation", reach=True),
    POST("api:quotation-accept", PERM("charges.add_quotation"), obj="quotation", reach=True),
    POST("api:quotation-decline", PERM("charges.add_quotation"), obj="quotation", reach=True),
    # Money
    GET(
        "api:payment-list",
        ANY_PERM(
            "charges.view_customerpayment", "charges.collect_payment", "charges.register_payment"
        ),
    ),
    POST("api:payment-collect", PERM("charges.collect_payment")),
    POST("api:payment-register", PERM("charges.register_payment")),
    GET(
        "api:payment-detail",
        ANY_PERM(
            "charges.view_customerpayment", "charges.collect_payment", "charges.register_payment"
        ),
        obj="payment",
        reach=True,
        deny=OWN_PAYMENTS_ONLY,
    ),
    POST("api:payment-notify", PERM("charges.register_payment"), obj="payment", reach=True),
    POST("api:payment-void", PERM("charges.register_payment"), obj="payment", reach=True),
    GET(
        "api:cash-handover-list",
        ANY_PERM(
            "charges.view_cashhandover", "charges.add_cashhandover", "charges.collect_payment"
        ),
    ),
    POST("api:cash-handover-list", PERM("charges.add_cashhandover")),
    GET(
        "api:cash-handover-detail",
        ANY_PERM("charges.view_cashhandover", "charges.add_cashhandover"),
        obj="cash_handover",
        allow=("technician",),
    ),
    GET("api:invoice-list", PERM("charges.view_invoice")),
    POST("api:invoice-list", PERM("charges.add_invoice")),
    GET("api:invoice-detail", PERM("charges.view_invoice"), obj="invoice", reach=True),
    POST("api:invoice-issue", PERM("charges.issue_invoice"), obj="invoice", reach=True),
    POST("api:invoice-cancel", PERM("charges.issue_invoice"), obj="invoice", reach=True),
    # Return visits, cases, surveys, satisfaction
    GET("api:return-visit-list", PERM("followup.view_returnvisit")),
    GET(
        "api:return-visit-detail",
        PERM("followup.view_returnvisit"),
        obj="return_visit",
        reach=True,
    ),
    POST(
        "api:return-visit-call",
        PERM("followup.call_returnvisit"),
        obj="return_visit",
        reach=True,
    ),
    GET("api:followup-case-list", PERM("followup.view_followupcase")),
    GET(
        "api:followup-case-detail",
        PERM("followup.view_followupcase"),
        obj="case",
        reach=True,
    ),
    POST(
        "api:followup-case-resolve",
        PERM("followup.resolve_followupcase"),
        obj="case",
        reach=True,
    ),
    POST(
        "api:followup-case-reassign",
        PERM("followup.resolve_followupcase"),
        obj="case",
        reach=True,
    ),
    GET("api:survey-list", PERM("followup.view_survey")),
    GET("api:survey-detail", PERM("followup.view_survey"), obj="survey", reach=True),
    POST("api:survey-key-in", PERM("followup.key_in_survey"), obj="survey", reach=True),
    GET("api:satisfaction-list", PERM("followup.view_satisfaction")),
    # Complaints
    GET("api:complaint-list", PERM("complaints.view_complaint")),
    POST("api:complaint-list", PERM("complaints.add_complaint")),
    GET(
        "api:complaint-detail",
        PERM("complaints.view_complaint"),
        obj="complaint",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    *[
        POST(
            f"api:complaint-{action}",
            ANY_PERM("complaints.handle_complaint", "complaints.supervise_complaint"),
            obj="complaint",
            reach=True,
        )
        for action in ("assign", "report", "investigate", "refer", "resolve", "reply")
    ],
    POST(
        "api:complaint-close",
        PERM("complaints.close_complaint"),
        obj="complaint_resolved",
        reach=True,
        allow=("agent",),
    ),
    POST(
        "api:complaint-reopen",
        PERM("complaints.close_complaint"),
        obj="complaint_resolved",
        reach=True,
        allow=("agent",),
    ),
    GET(
        "api:complaint-reply-detail",
        PERM("complaints.view_complaint"),
        obj="complaint_reply",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET(
        "api:complaint-reply-pdf",
        PERM("complaints.view_complaint"),
        obj="complaint_reply",
        reach=True,
        gaps={"service_centre": SC_REGION},
    ),
    GET("api:violation-list", PERM("complaints.view_violation")),
    GET("api:violation-detail", PERM("complaints.view_violation"), obj="violation", reach=True),
    # Exchanges
    GET("api:exchange-list", PERM("exchanges.view_exchangerequest")),
    POST("api:exchange-list", PERM("exchanges.add_exchangerequest")),
    GET(
        "api:exchange-detail",
        PERM("exchanges.view_exchangerequest"),
        obj="exchange_draft",
        reach=True,
    ),
    PATCH(
        "api:exchange-detail",
        PERM("exchanges.change_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    POST(
        "api:exchange-submit",
        PERM("exchanges.add_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    POST(
        "api:exchange-cancel",
        PERM("exchanges.change_exchangerequest"),
        obj="exchange_draft",
        reach=True,
        deny=("admin",),
    ),
    GET(
        "api:exchange-pdf",
        PERM("exchanges.view_exchangerequest"),
        obj="exchange_draft",
        reach=True,
    ),
    *[
        POST(
            f"api:exchange-{step}",
            EXCHANGE_REVIEW,
            obj="exchange_review",
            reach=True,
            deny=("admin",),
        )
        for step in ("approve", "reject", "return")
    ],
    POST(
        "api:exchange-receive",
        PERM("exchanges.receive_exchange_goods"),
        obj="exchange_approved",
        reach=True,
    ),
    POST(
        "api:exchange-ledger",
        PERM("exchanges.write_exchange_ledger"),
        obj="exchange_received",
        reach=True,
    ),
    POST(
        "api:exchange-refund",
        PERM("exchanges.refund_exchange"),
        obj="exchange_received",
        reach=True,
    ),
    POST(
        "api:exchange-finish",
        ANY_PERM("exchanges.refund_exchange", "exchanges.write_exchange_ledger"),
        obj="exchange_received",
        reach=True,
    ),
    GET("api:exchange-ledger-list", PERM("exchanges.view_ledgerentry")),
    GET(
        "api:exchange-ledger-detail",
        PERM("exchanges.view_ledgerentry"),
        obj="ledger_entry",
        reach=True,
    ),
]
