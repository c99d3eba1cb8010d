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


def cell(ws, value):
    """A value fit for a cell. Text is kept as text: control characters Excel cannot hold
    are dropped (openpyxl refuses them: the download would fail), and text starting with
    "=" stays text, never a formula that runs in the reader's Excel (formula injection)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    text = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    text.data_type = "s"
    return text


def add_sheet(workbook, title: str, header: list, rows):
    """A sheet named title (Excel allows 31 characters) with a header row and rows."""
    ws = workbook.create_sheet(title=str(title)[:31])
    ws.append([cell(ws, capfirst(str(h))) for h in header])
    for row in rows:
        ws.append([cell(ws, v) for v in row])
    return ws


def xlsx_response(workbook, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
