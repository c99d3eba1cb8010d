"""Excel import of units, so a company can load its installed base (PRD-1).

Every row is checked first; when any row fails nothing is written and the errors are
returned row by row (row number as Excel shows it, column, message). When all rows
pass, each is registered through ``services.register_unit`` in one transaction, so
each unit gets its standard warranty and audit row like one entered by hand.
"""

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.customers.models import Customer
from aftersales.products import services
from aftersales.products.models import ProductModel, Unit, Warranty

# key, English header, Chinese header, required
COLUMNS = [
    ("serial_number", "Serial number", "序列号", True),
    ("model_code", "Model code", "型号", True),
    ("customer_code", "Customer code", "客户编号", False),
    ("customer_name", "Customer name", "客户名称", False),
    ("customer_phone", "Customer phone", "客户电话", False),
    ("batch", "Batch", "批次", False),
    ("production_date", "Production date", "生产日期", False),
    ("sale_date", "Sale date", "销售日期", False),
    ("invoice_date", "Invoice date", "开票日期", False),
    ("delivery_date", "Delivery date", "交付日期", False),
    ("installation_address", "Installation address", "安装地址", False),
]
DATE_KEYS = ["production_date", "sale_date", "invoice_date", "delivery_date"]
COLUMN_LABELS = {
    "serial_number": gettext_lazy("Serial number"),
    "model_code": gettext_lazy("Model code"),
    "customer_code": gettext_lazy("Customer code"),
    "customer_name": gettext_lazy("Customer name"),
    "customer_phone": gettext_lazy("Customer phone"),
    "batch": gettext_lazy("Batch"),
    "production_date": gettext_lazy("Production date"),
    "sale_date": gettext_lazy("Sale date"),
    "invoice_date": gettext_lazy("Invoice date"),
    "delivery_date": gettext_lazy("Delivery date"),
    "installation_address": gettext_lazy("Installation address"),
    "file": gettext_lazy("File"),
}
# Header spellings accepted for each column (compared without case and spaces).
ALIASES: dict[str, str] = {}
for _key, _en, _zh, _req in COLUMNS:
    for _name in (_key, _en, _zh):
        ALIASES[_name.lower().replace(" ", "").replace("_", "")] = _key
ALIASES.update(
    {
        "serialno": "serial_number",
        "sn": "serial_number",
        "出厂编号": "serial_number",
        "model": "model_code",
        "型号编码": "model_code",
        "customerno": "customer_code",
        "客户号": "customer_code",
        "customer": "customer_name",
        "客户": "customer_name",
        "phone": "customer_phone",
        "电话": "customer_phone",
        "生产批次": "batch",
        "address": "installation_address",
    }
)
MAX_ROWS = 20000


@dataclass
class RowError:
    row: int
    column: str
    message: str

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    rows: int = 0
    by_model: dict[str, int] = field(default_factory=dict)
    warranties: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def template_workbook() -> bytes:
    """An empty .xlsx with the headers (Chinese with English below as a comment row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "units"
    ws.append([zh for _k, _en, zh, _r in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, (_k, en, _zh, _required) in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = max(14, len(en) + 4)
    help_ws = wb.create_sheet("help")
    help_ws.append(["列 column", "English header", "必填 required"])
    for _k, en, zh, required in COLUMNS:
        help_ws.append([zh, en, "是 yes" if required else ""])
    help_ws.append([])
    help_ws.append(["日期格式 dates: YYYY-MM-DD", "", ""])
    help_ws.append(
        ["客户：客户编号，或客户名称 + 客户电话 / customer code, or name + phone", "", ""]
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _read(fileobj) -> tuple[list[str | None], list[tuple[int, tuple]]]:
    from openpyxl import load_workbook

    wb = load_workbook(fileobj, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    keys = [ALIASES.get(_text(h).lower().replace(" ", "").replace("_", "")) for h in header]
    body = []
    for number, row in enumerate(rows, start=2):
        if row is None or all(_text(v) == "" for v in row):
            continue
        body.append((number, row))
        if len(body) > MAX_ROWS:
            break
    wb.close()
    return keys, body


def import_units(*, actor, fileobj) -> ImportResult:
    """Check every row, then register all units or none."""
    if actor is not None and not actor.has_perm("products.import_units"):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": "products.import_units"}
        )
    result = ImportResult()
    try:
        keys, body = _read(fileobj)
    except Exception:  # noqa: BLE001 — any unreadable upload is the same answer to the user
        result.errors.append(
            RowError(1, "file", _("This file cannot be read as an Excel workbook (.xlsx)."))
        )
        return result
    missing = [k for k, _en, _zh, required in COLUMNS if required and k not in keys]
    for key in missing:
        result.errors.append(RowError(1, key, _("This column is missing from the header row.")))
    if "customer_code" not in keys and not {"customer_name", "customer_phone"} <= set(keys):
        result.errors.append(
            RowError(
                1,
                "customer_code",
                _("Give a customer code column, or customer name and phone columns."),
            )
        )
    if len(body) > MAX_ROWS:
        result.errors.append(
            RowError(1, "file", _("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
        )
    if result.errors:
        return result
    if not body:
        result.errors.append(RowError(1, "file", _("The file has no rows to import.")))
        return result

    parsed = []
    for number, row in body:
        values = {}
        for key, value in zip(keys, row, strict=False):
            if key and key not in values:
                values[key] = value
        parsed.append((number, values))

    # Look-ups in bulk, not per row.
    serials = [services.normalize_serial(_text(v.get("serial_number"))) for _n, v in parsed]
    model_codes = {_text(v.get("model_code")).upper() for _n, v in parsed}
    models = {m.code.upper(): m for m in ProductModel.objects.filter(code__in=model_codes)}
    customer_codes = {_text(v.get("customer_code")) for _n, v in parsed} - {""}
    all_customers = {c.code: c for c in Customer.objects.filter(code__in=customer_codes)}
    visible = Customer.objects.visible_to(actor) if actor is not None else Customer.objects.all()
    visible_ids = set(visible.filter(code__in=customer_codes).values_list("pk", flat=True))
    taken: set[str] = set()
    for i in range(0, len(serials), 500):
        chunk = [s for s in serials[i : i + 500] if s]
        taken.update(
            Unit.objects.filter(serial_number__in=chunk).values_list("serial_number", flat=True)
        )
    seen: Counter = Counter(s for s in serials if s)
    first_row: dict[str, int] = {}

    prepared = []
    for (number, values), serial in zip(parsed, serials, strict=True):
        errors_before = len(result.errors)

        def err(column: str, message: str, number=number) -> None:
            result.errors.append(RowError(number, column, message))

        if not serial:
            err("serial_number", _("The serial number is empty."))
        elif serial in taken:
            err(
                "serial_number",
                _("Serial number %(serial)s is already registered.") % {"serial": serial},
            )
        elif seen[serial] > 1 and serial in first_row:
            err(
                "serial_number",
                _("Serial number %(serial)s appears again (first in row %(row)s).")
                % {"serial": serial, "row": first_row[serial]},
            )
        if serial and serial not in first_row:
            first_row[serial] = number

        code = _text(values.get("model_code")).upper()
        model = models.get(code)
        if not code:
            err("model_code", _("The model code is empty."))
        elif model is None:
            err("model_code", _("Unknown model code %(code)s.") % {"code": code})
        elif not model.is_active:
            err(
                "model_code",
                _("Model %(code)s is no longer in production or sold.") % {"code": code},
            )

        customer = None
        ccode = _text(values.get("customer_code"))
        if ccode:
            customer = all_customers.get(ccode)
            if customer is None:
                err("customer_code", _("Unknown customer code %(code)s.") % {"code": ccode})
            elif customer.pk not in visible_ids:
                err(
                    "customer_code",
                    _("Customer %(code)s is outside your reach.") % {"code": ccode},
                )
        else:
            name = _text(values.get("customer_name"))
            phone = _text(values.get("customer_phone"))
            if not name or not phone:
                err("customer_code", _("Give the customer code, or the customer name and phone."))
            else:
                customer, problem = _customer_by_name_phone(name, phone, visible)
                if problem:
                    err("customer_name", problem)

        dates = {}
        for key in DATE_KEYS:
            try:
                dates[key] = _date(values.get(key))
            except ValueError:
                err(
                    key,
                    _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": values.get(key)},
                )
                dates[key] = None
        for key, message in services.unit_date_errors(**dates).items():
            err(key, message)

        if len(result.errors) == errors_before:
            prepared.append(
                (
                    number,
                    {
                        "serial_number": serial,
                        "product_model": model,
                        "owner": customer,
                        "batch": _text(values.get("batch")),
                        "installation_address": _text(values.get("installation_address")),
                        **dates,
                    },
                )
            )

    result.rows = len(parsed)
    if result.errors:
        return result

    try:
        with transaction.atomic():
            for number, fields in prepared:
                try:
                    unit = services.register_unit(actor=actor, **fields)
                except ValidationError as exc:
                    for column, messages in _flatten(exc):
                        result.errors.append(RowError(number, column, messages))
                    raise
                result.units.append(unit)
    except ValidationError:
        result.units = []
        return result
    result.by_model = dict(Counter(u.product_model.code for u in result.units))
    result.warranties = Warranty.objects.filter(unit__in=result.units).count()
    return result


def _flatten(exc: ValidationError):
    column_of = {"owner": "customer_code", "product_model": "model_code"}
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            for message in errs:
                yield column_of.get(name, name), " ".join(message.messages)
    else:
        yield "file", " ".join(exc.messages)


def _customer_by_name_phone(name: str, phone: str, visible):
    from aftersales.core.validators import normalize_phone

    try:
        phone = normalize_phone(phone)
    except ValidationError:
        pass
    matches = list(Customer.objects.filter(name=name, phone=phone)[:2])
    if not matches:
        return None, _("No customer named %(name)s with phone %(phone)s.") % {
            "name": name,
            "phone": phone,
        }
    if len(matches) > 1:
        return None, _(
            "Several customers are named %(name)s with this phone: use the customer code."
        ) % {"name": name}
    customer = matches[0]
    if not visible.filter(pk=customer.pk).exists():
        return None, _("Customer %(name)s is outside your reach.") % {"name": name}
    return customer, None
