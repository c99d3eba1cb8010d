"""Excel (.xlsx) downloads: one way to build and send a workbook."""

import io

from django.http import FileResponse
from django.utils.functional import Promise
from django.utils.text import capfirst

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_workbook():
    """A write-only workbook: rows are streamed to it, memory stays flat for long lists."""
    from openpyxl import Workbook

    return Workbook(write_only=True)


def add_sheet(workbook, title: str, header: list, rows):
    """A sheet named title (Excel allows 31 characters) with a header row and rows."""
    ws = workbook.create_sheet(title=str(title)[:31])
    ws.append([capfirst(str(h)) for h in header])
    for row in rows:
        ws.append([str(v) if isinstance(v, Promise) else v for v in row])
    return ws


def xlsx_response(workbook, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
