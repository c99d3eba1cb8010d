"""The roles of ORG-2, one Django group each, and the permissions each holds.

A role's group is named by its code; the label is what people read. Apps add
their permissions here; ``sync_roles`` makes the groups match this table
(run by a data migration and again after every migrate, idempotently).
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

VIEW_BASICS = [
    "accounts.view_orgunit",
    "accounts.view_region",
    "customers.view_customer",
    "customers.view_contact",
    "products.view_productmodel",
    "products.view_unit",
    "products.view_warranty",
    "products.view_maintenancecontract",
    "products.view_deliveryhandover",
    "core.view_calendarday",
    "service.view_serviceorder",
]
# Intake and dispatch (customer service, branch managers).
RUN_ORDERS = [
    "service.add_serviceorder",
    # REQ-6: a question not answerable at once is referred to the person responsible.
    "service.add_referral",
    "service.dispatch_serviceorder",
    "service.close_serviceorder",
    "service.view_sla_overview",
]
HANDLE_ORDERS = ["service.handle_serviceorder", "service.add_referral"]
# SVC-9: technicians record sales leads; sales works those in reach; finance pays the fee.
RECORD_LEADS = ["leads.add_lead"]
WORK_LEADS = ["leads.view_lead", "leads.work_lead"]
VIEW_LEADS = ["leads.view_lead"]
# Spare parts (PRT, FEE-2): everyone who works orders sees the catalogue and the order's lines.
VIEW_PARTS = ["parts.view_part", "parts.view_partprice", "parts.view_partline"]
REQUEST_PARTS = ["parts.add_partline"]
# Finance keeps the prices and labour rates and signs the lines (PRT-1, SEC-5).
FINANCE_PARTS = [
    "parts.manage_prices",
    "parts.view_labourrate",
    "parts.sign_partline",
    "parts.view_receivable",
    "parts.view_stocklevel",
    "parts.view_stockmove",
    "parts.view_stockcount",
]
# The warehouse: catalogue, stock, issue and returns (PRT-2, PRT-3, PRT-8).
KEEP_STOCK = [
    "parts.add_part",
    "parts.change_part",
    "parts.issue_partline",
    "parts.view_warehouse",
    "parts.view_stocklevel",
    "parts.change_stocklevel",
    "parts.view_stockmove",
    "parts.add_stockmove",
    "parts.view_stockcount",
    "parts.add_stockcount",
    "parts.view_slip",
]
# PRT-4 shipments by courier: the keeper sends and receives; a technician sends returns.
SHIP_PARTS = ["parts.view_shipment", "parts.add_shipment", "parts.change_shipment"]
# PRT-7: technicians and keepers ask purchasing; purchasing answers.
ASK_PURCHASING = ["parts.view_purchaseinquiry", "parts.add_purchaseinquiry"]
ANSWER_PURCHASING = ["parts.view_purchaseinquiry", "parts.answer_purchaseinquiry"]
# FEE-1…FEE-3: the charge sheet, labour and the quotation on the order; money on site.
QUOTE_ORDERS = [
    "charges.view_labourline",
    "charges.add_labourline",
    "charges.view_quotation",
    "charges.add_quotation",
    "charges.view_customerpayment",
]
COLLECT_PAYMENT = ["charges.collect_payment", "charges.add_invoice", "charges.view_invoice"]
# FEE-3, FEE-5: finance registers payments, takes cash hand-overs, issues invoices.
FINANCE_MONEY = [
    "charges.view_labourline",
    "charges.view_quotation",
    "charges.view_customerpayment",
    "charges.register_payment",
    "charges.view_cashhandover",
    "charges.add_cashhandover",
    "charges.view_invoice",
    "charges.add_invoice",
    "charges.issue_invoice",
]
# FUP: customer service makes the return visits, sends and keys in surveys, registers
# complaints; the figures per technician are for managers (FUP-3).
FOLLOW_UP = [
    "followup.view_returnvisit",
    "followup.call_returnvisit",
    "followup.view_followupcase",
    "followup.view_survey",
    "followup.add_survey",
    "followup.key_in_survey",
    "followup.view_satisfaction",
]
SEE_SATISFACTION = ["followup.view_survey", "followup.view_satisfaction"]
# FIN-1, RPT-2: the monthly service statistics of every technician in reach, for finance and
# the managers (a technician sees only their own row, through handling orders).
SEE_SERVICE_STATISTICS = ["service.view_service_statistics"]
# CMP: everyone who meets customers registers complaints; owners handle their own.
REGISTER_COMPLAINTS = ["complaints.view_complaint", "complaints.add_complaint"]
HANDLE_COMPLAINTS = REGISTER_COMPLAINTS + ["complaints.handle_complaint"]
SUPERVISE_COMPLAINTS = HANDLE_COMPLAINTS + [
    "complaints.supervise_complaint",
    "complaints.close_complaint",
    "complaints.view_violation",
]
# EXC: the chain of EXC-1, one right per step (SEC-5).
VIEW_EXCHANGES = ["exchanges.view_exchangerequest", "exchanges.view_ledgerentry"]
FILL_EXCHANGES = VIEW_EXCHANGES + [
    "exchanges.add_exchangerequest",
    "exchanges.change_exchangerequest",
]
EDIT_CUSTOMERS = [
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_contact",
    "customers.change_contact",
    "customers.delete_contact",
]
# CUS-2, SEC-2, SEC-3: the keeper of the customer files (information manager) and the
# administrator read the access log and answer a person's requests: export, anonymise.
PERSONAL_DATA = [
    "audit.view_accessentry",
    "customers.export_personal_data",
    "customers.anonymise_customer",
]
EDIT_UNITS = [
    "products.add_unit",
    "products.change_unit",
    "products.add_warranty",
    "products.change_warranty",
    "products.add_maintenancecontract",
    "products.change_maintenancecontract",
]


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    permissions: list[str] = field(default_factory=list)
    # HQ roles see every unit's records (ORG-3); others see their own unit and region.
    wide_reach: bool = False


ROLES: list[Role] = [
    Role(
        "customer_service",
        _("Customer service agent"),
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + EDIT_UNITS
        + RUN_ORDERS
        + VIEW_PARTS
        + QUOTE_ORDERS
        + ["accounts.view_user", "parts.view_shipment"]
        + FOLLOW_UP
        + HANDLE_COMPLAINTS
        + VIEW_EXCHANGES
        + ["exchanges.write_exchange_ledger", "service.view_faulttype"],
        wide_reach=True,
    ),
    Role(
        "technician",
        _("After-sales technician"),
        VIEW_BASICS
        + HANDLE_ORDERS
        + RECORD_LEADS
        + VIEW_PARTS
        + REQUEST_PARTS
        + ["parts.view_shipment", "parts.add_shipment"]
        + ASK_PURCHASING
        + QUOTE_ORDERS
        + COLLECT_PAYMENT
        + REGISTER_COMPLAINTS
        + ["service.view_faulttype"],
    ),
    Role(
        "salesperson",
        _("Salesperson"),
        # A salesperson forwards the repair reports they receive (REQ-3).
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + ["products.add_deliveryhandover", "service.add_serviceorder"]
        + WORK_LEADS
        + REGISTER_COMPLAINTS
        + FILL_EXCHANGES
        + ["service.view_faulttype"],
    ),
    Role(
        "regional_head",
        _("Regional market head"),
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + ["accounts.view_user"]
        + REGISTER_COMPLAINTS
        + VIEW_EXCHANGES
        + ["exchanges.approve_as_regional_head", "service.view_faulttype"],
    ),
    Role(
        "business_lead",
        _("Business lead"),
        VIEW_BASICS + EDIT_CUSTOMERS + ["accounts.view_user"] + WORK_LEADS,
        wide_reach=True,
    ),
    Role(
        "company_manager",
        _("Company / general manager"),
        VIEW_BASICS
        + ["accounts.view_user", "service.view_sla_overview"]
        + VIEW_LEADS
        + SEE_SATISFACTION
        + SEE_SERVICE_STATISTICS
        + SUPERVISE_COMPLAINTS
        + VIEW_EXCHANGES
        + [
            "exchanges.decide_as_general_manager",
            "service.view_faulttype",
            "followup.view_returnvisit",
            "followup.view_followupcase",
        ],
        wide_reach=True,
    ),
    Role(
        "branch_manager",
        _("Branch manager"),
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + EDIT_UNITS
        + RUN_ORDERS
        + ["accounts.view_user", "service.override_service_kind"]
        + RECORD_LEADS
        + WORK_LEADS
        + VIEW_PARTS
        + REQUEST_PARTS
        + ["parts.view_shipment", "parts.add_shipment"]
        + ASK_PURCHASING
        + QUOTE_ORDERS
        + COLLECT_PAYMENT
        + SEE_SATISFACTION
        + SEE_SERVICE_STATISTICS
        + [
            "followup.view_returnvisit",
            "followup.view_followupcase",
            "followup.resolve_followupcase",
        ]
        + HANDLE_COMPLAINTS
        + FILL_EXCHANGES
        + ["service.view_faulttype"],
    ),
    Role(
        "information_manager",
        _("Information manager"),
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + EDIT_UNITS
        + [
            "products.add_productmodel",
            "products.change_productmodel",
            "products.import_units",
            "customers.export_customers",
            "accounts.view_user",
            "service.view_faulttype",
            # The manager dashboard on the home page (and the time-limit overview).
            "service.view_sla_overview",
        ]
        + PERSONAL_DATA
        + SEE_SERVICE_STATISTICS,
        wide_reach=True,
    ),
    Role(
        "finance",
        _("Finance staff"),
        VIEW_BASICS
        + VIEW_LEADS
        + VIEW_PARTS
        + FINANCE_PARTS
        + FINANCE_MONEY
        + SEE_SERVICE_STATISTICS
        + VIEW_EXCHANGES
        + ["exchanges.refund_exchange"],
        wide_reach=True,
    ),
    Role(
        "finance_head",
        _("Finance head"),
        VIEW_BASICS
        + ["customers.export_customers"]
        + VIEW_LEADS
        + VIEW_PARTS
        + FINANCE_PARTS
        + FINANCE_MONEY
        + SEE_SERVICE_STATISTICS
        + ["parts.approve_stockcount"]
        + VIEW_EXCHANGES
        + ["exchanges.refund_exchange", "complaints.view_violation"],
        wide_reach=True,
    ),
    # The HQ warehouse serves every branch's orders (PRT-2).
    Role(
        "warehouse_keeper",
        _("Warehouse keeper"),
        VIEW_BASICS
        + VIEW_PARTS
        + KEEP_STOCK
        + SHIP_PARTS
        + ASK_PURCHASING
        + VIEW_EXCHANGES
        + ["exchanges.receive_exchange_goods", "exchanges.write_exchange_ledger"],
        wide_reach=True,
    ),
    Role(
        "purchasing",
        _("Purchasing"),
        VIEW_BASICS
        + VIEW_PARTS
        + ["parts.view_stocklevel", "parts.view_stockmove"]
        + ANSWER_PURCHASING,
        wide_reach=True,
    ),
    Role(
        "technical_engineer",
        _("Technical-dept engineer"),
        VIEW_BASICS + ["products.change_productmodel"],
        wide_reach=True,
    ),
    Role(
        "product_engineer",
        _("Product engineer"),
        VIEW_BASICS + ["products.add_productmodel", "products.change_productmodel"],
        wide_reach=True,
    ),
    Role("vehicle_manager", _("Vehicle manager"), ["accounts.view_orgunit"], wide_reach=True),
    Role(
        "market_supervisor",
        _("Market supervisor"),
        VIEW_BASICS
        + ["accounts.view_user"]
        + SUPERVISE_COMPLAINTS
        + SEE_SATISFACTION
        + ["followup.view_returnvisit", "followup.view_followupcase"],
        wide_reach=True,
    ),
    # CMP-5: disputes go to the complaint specialist team.
    Role(
        "complaint_specialist",
        _("Complaint specialist"),
        VIEW_BASICS + SUPERVISE_COMPLAINTS + ["followup.view_survey"],
        wide_reach=True,
    ),
    # EXC-1: the office (销售办公室) checks exchange forms and comments before the general
    # manager; not in ORG-2's list, the one role the exchange chain adds.
    Role(
        "office_clerk",
        _("Sales office clerk"),
        VIEW_BASICS + VIEW_EXCHANGES + ["exchanges.check_as_office", "service.view_faulttype"],
        wide_reach=True,
    ),
    Role(
        "administrator",
        _("Administrator"),
        VIEW_BASICS
        + EDIT_CUSTOMERS
        + EDIT_UNITS
        + RUN_ORDERS
        + [
            "service.override_service_kind",
            "service.view_slapolicy",
            "service.add_slapolicy",
            "service.change_slapolicy",
            "service.view_slaclockrule",
            "service.add_slaclockrule",
            "service.change_slaclockrule",
            "service.delete_slaclockrule",
            "service.view_technicianprofile",
            "service.add_technicianprofile",
            "service.change_technicianprofile",
            # SVC-5: the pre-visit checklist is configured by the administrator.
            "fieldwork.view_checklistitem",
            "fieldwork.add_checklistitem",
            "fieldwork.change_checklistitem",
            "fieldwork.delete_checklistitem",
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.add_orgunit",
            "accounts.change_orgunit",
            "accounts.add_region",
            "accounts.change_region",
            # SEC-4: lift sign-in locks, revoke anyone's API tokens.
            "accounts.view_loginthrottle",
            "accounts.unlock_login",
            "accounts.view_apitoken",
            "accounts.revoke_apitoken",
            "audit.view_auditentry",
            *PERSONAL_DATA,
            "core.add_businesscalendar",
            "core.change_businesscalendar",
            "core.add_calendarday",
            "core.change_calendarday",
            "core.delete_calendarday",
            "core.view_workinghours",
            "core.change_workinghours",
            "products.add_productmodel",
            "products.change_productmodel",
            "products.import_units",
            "customers.export_customers",
            # Stock locations and the catalogue are set up by the administrator too.
            "parts.view_part",
            "parts.add_part",
            "parts.change_part",
            "parts.view_warehouse",
            "parts.add_warehouse",
            "parts.change_warehouse",
            # The return-visit script and sampling, complaint classes, fault types.
            "followup.view_visitquestion",
            "followup.add_visitquestion",
            "followup.change_visitquestion",
            "followup.view_visitsampling",
            "followup.add_visitsampling",
            "followup.change_visitsampling",
            "followup.delete_visitsampling",
            "complaints.view_complaintclass",
            "complaints.add_complaintclass",
            "complaints.change_complaintclass",
            "service.view_faulttype",
            "service.add_faulttype",
            "service.change_faulttype",
        ],
        wide_reach=True,
    ),
]
ROLES_BY_CODE = {r.code: r for r in ROLES}
ROLE_CHOICES = [(r.code, r.label) for r in ROLES]


def sync_roles(apps=None, *, verbosity: int = 0) -> None:
    """Create one group per role and give it exactly its listed permissions that exist."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.code)
        wanted = []
        for perm in role.permissions:
            app_label, codename = perm.split(".", 1)
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs):
    # Run once per migrate, after the last app has created its permissions.
    from django.apps import apps as global_apps

    last = list(global_apps.get_app_configs())[-1]
    if app_config is not None and app_config.label != last.label:
        return
    sync_roles(apps)
