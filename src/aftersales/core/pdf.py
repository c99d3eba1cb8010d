"""Shared building blocks for the printable A4 documents (voucher, quotation, receipts...).

Labels on printed documents are bilingual on purpose (Chinese first, English below),
whatever the reader's language, so they are fixed text and not translated. Chinese is
set in reportlab's built-in CID font STSong-Light: nothing to download or embed, and any
Chinese-capable PDF viewer shows it.

reportlab is imported inside the functions so that importing a module that prints
costs nothing until a document is actually rendered.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone, translation

FONT = "STSong-Light"
LATIN = "Helvetica"
GREY = "#555555"
LINE = "#888888"
SHADE = "#f0f0f0"


def register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def styles() -> dict:
    """Paragraph styles by name: value, label, title, subtitle, number, note."""
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("voucher", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "value": base,
        "label": ParagraphStyle("label", parent=base, fontSize=9, leading=11),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=24),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontName=LATIN, fontSize=11, leading=14, textColor=GREY
        ),
        "number": ParagraphStyle("number", parent=base, fontSize=11, leading=15, alignment=2),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11, textColor=GREY),
    }


def text(value) -> str:
    """User text as Paragraph markup: escaped, line breaks kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


def label(zh: str, en: str) -> str:
    """A bilingual label: Chinese, with the English small and grey below."""
    return f'{zh}<br/><font name="{LATIN}" size="7" color="{GREY}">{escape(en)}</font>'


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def both(display) -> str:
    """A choice's label in Chinese and English (once when they are the same)."""
    with translation.override("zh-hans"):
        zh = str(display())
    with translation.override("en"):
        en = str(display())
    return escape(zh if zh == en else f"{zh} {en}")


def grid(rows, widths, *, min_heights=None, split=False, shade_even=True):
    """A ruled table; label columns (the even ones) shaded unless shade_even is False."""
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, minRowHeights=min_heights, splitInRow=int(split))
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if shade_even:
        for col in range(0, len(widths), 2):
            commands.append(("BACKGROUND", (col, 0), (col, -1), SHADE))
    table.setStyle(TableStyle(commands))
    return table


def header(title_zh: str, title_en: str, org_line: str, number_zh: str, number_en: str, number):
    """The document head: title and issuing unit on the left, the number on the right."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    st = styles()
    table = Table(
        [
            [
                [
                    Paragraph(title_zh, st["title"]),
                    Paragraph(title_en, st["subtitle"]),
                    Paragraph(escape(org_line), st["note"]),
                ],
                Paragraph(
                    f'{number_zh} <font name="{LATIN}" size="8" color="{GREY}">{number_en}</font>'
                    f"<br/>{escape(number)}",
                    st["number"],
                ),
            ]
        ],
        colWidths=[115 * mm, 65 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, "#000000"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def image(content: bytes, max_width, max_height, note_style):
    """An image scaled into a box, or a note when the bytes cannot be read."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Paragraph

    try:
        width, height = ImageReader(io.BytesIO(content)).getSize()
    except (OSError, ValueError):
        return Paragraph("签字图片无法读取 The signature file cannot be read.", note_style)
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(content), width=width * scale, height=height * scale)


def page_footer(number: str, printed: str):
    def draw(canvas, doc):
        from reportlab.lib.units import mm

        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(15 * mm, 9 * mm, f"{number}    打印时间 Printed {printed}")
        canvas.drawRightString(195 * mm, 9 * mm, f"第 {doc.page} 页 Page {doc.page}")
        canvas.restoreState()

    return draw


def build(story, *, number: str, title: str, subject: str) -> bytes:
    """Lay the story out on A4 with the numbered page footer; the PDF as bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=title,
        subject=subject,
        creator="aftersales",
    )
    footer = page_footer(number, when(timezone.now()))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
