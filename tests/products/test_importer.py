"""PRD-1 Excel import of the installed base: all rows or none, errors by row and column."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aftersales.audit.models import AuditEntry
from aftersales.products.importer import import_units, template_workbook
from aftersales.products.models import Unit, Warranty

D = datetime.date
pytestmark = pytest.mark.django_db
ZH = [
    "序列号",
    "型号",
    "客户编号",
    "批次",
    "生产日期",
    "销售日期",
    "开票日期",
    "交付日期",
    "安装地址",
]


def _xlsx(header, rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


GOOD_ROWS = [
    [
        "krf35-2024-000001",
        "KRF-35",
        "C-HZ-001",
        "202401-1",
        D(2024, 1, 5),
        D(2024, 2, 1),
        None,
        D(2024, 2, 3),
        "杭州",
    ],
    [
        "KRF35-2024-000002",
        "krf-35",
        "C-HZ-002",
        "202401-1",
        "2024-01-05",
        "2024-02-01",
        "",
        "2024/02/05",
        "",
    ],
    ["RO400-2024-000003", "RO-400", "C-HZ-001", "", None, "2024-03-01", None, None, ""],
]


def test_prd_1_import_good_file_registers_every_row(people, catalogue, customers):
    result = import_units(actor=people["info_manager"], fileobj=_xlsx(ZH, GOOD_ROWS))
    assert result.ok, result.errors
    assert len(result.units) == 3
    assert result.by_model == {"KRF-35": 2, "RO-400": 1}
    assert result.warranties == 3
    unit = Unit.objects.get(serial_number="KRF35-2024-000001")
    assert unit.owner == customers["hz"] and unit.delivery_date == D(2024, 2, 3)
    assert Warranty.objects.get(unit__serial_number="KRF35-2024-000002").start_date == D(2024, 2, 5)
    assert AuditEntry.objects.filter(action="products.unit.registered").count() == 3


def test_prd_1_import_accepts_english_headers_and_name_plus_phone(people, catalogue, customers):
    header = ["Serial number", "Model code", "Customer name", "Customer phone", "Sale date"]
    rows = [["EN-1", "RO-400", "张伟", "139 5710 0002", "2025-01-01"]]
    result = import_units(actor=people["info_manager"], fileobj=_xlsx(header, rows))
    assert result.ok, result.errors
    assert Unit.objects.get().owner == customers["hz2"]


def test_prd_1_import_one_bad_row_imports_nothing_and_names_row_and_column(
    people, catalogue, customers
):
    rows = [
        *GOOD_ROWS,
        ["X-4", "NOPE-1", "C-HZ-001", "", None, "2024-03-01", None, "2024-02-01", ""],
    ]
    before = (Unit.objects.count(), AuditEntry.objects.count())
    result = import_units(actor=people["info_manager"], fileobj=_xlsx(ZH, rows))
    assert not result.ok
    cells = {(e.row, e.column) for e in result.errors}
    assert (5, "model_code") in cells  # row 5 in Excel: header + 3 good rows + this one
    assert (5, "delivery_date") in cells  # delivered before the sale
    assert (Unit.objects.count(), AuditEntry.objects.count()) == before


def test_prd_1_import_reports_duplicates_unknown_and_out_of_reach_customers(
    people, catalogue, customers, make_unit
):
    make_unit("TAKEN-1", delivery_date=D(2024, 1, 1))
    rows = [
        ["TAKEN-1", "KRF-35", "C-HZ-001", "", None, None, None, None, ""],
        ["DUP-1", "KRF-35", "C-HZ-001", "", None, None, None, None, ""],
        ["dup-1", "KRF-35", "C-HZ-001", "", None, None, None, None, ""],
        ["NJ-1", "KRF-35", "C-NJ-001", "", None, None, None, None, ""],
        ["UNK-1", "KRF-35", "C-XX-404", "", None, "2024-13-01", None, None, ""],
    ]
    # a branch manager given the import right still reaches only the branch's customers
    from django.contrib.auth.models import Permission

    from aftersales.accounts.models import User

    manager = people["branch_manager"]
    manager.user_permissions.add(Permission.objects.get(codename="import_units"))
    manager = User.objects.get(pk=manager.pk)
    result = import_units(actor=manager, fileobj=_xlsx(ZH, rows))
    cells = {(e.row, e.column) for e in result.errors}
    assert (2, "serial_number") in cells
    assert (4, "serial_number") in cells and (3, "serial_number") not in cells
    assert (5, "customer_code") in cells
    assert (6, "customer_code") in cells and (6, "sale_date") in cells
    assert Unit.objects.count() == 1


def test_prd_1_import_needs_the_right(people, catalogue, customers):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_units(actor=people["technician"], fileobj=_xlsx(ZH, GOOD_ROWS))
    assert not Unit.objects.exists()


def test_prd_1_import_page_shows_errors_table_and_summary(client_for, people, catalogue, customers):
    c = client_for(people["info_manager"])
    bad = SimpleUploadedFile("u.xlsx", _xlsx(ZH, [["B-1", "NOPE", "C-HZ-001"]]).getvalue())
    resp = c.post(reverse("products:unit_import"), {"file": bad})
    body = resp.content.decode()
    assert 'data-testid="import-errors"' in body and "NOPE" in body
    assert not Unit.objects.exists()
    good = SimpleUploadedFile("u.xlsx", _xlsx(ZH, GOOD_ROWS).getvalue())
    resp = c.post(reverse("products:unit_import"), {"file": good})
    assert 'data-testid="import-summary"' in resp.content.decode()
    assert Unit.objects.count() == 3
    assert client_for(people["technician"]).get(reverse("products:unit_import")).status_code == 403


def test_prd_1_import_template_has_the_headers(client_for, people):
    resp = client_for(people["info_manager"]).get(reverse("products:unit_import_template"))
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["序列号", "型号"] and "交付日期" in header
    assert template_workbook()[:2] == b"PK"


def test_prd_1_import_unreadable_file_is_an_error(people, catalogue):
    result = import_units(actor=people["info_manager"], fileobj=io.BytesIO(b"not a workbook"))
    assert not result.ok and result.errors[0].column == "file"
