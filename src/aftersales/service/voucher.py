"""The printable service voucher (售后服务单 / 服务凭证, SVC-4) as an A4 PDF.

One document for both moments of an order: before the visit it is the work sheet the
technician takes along (work done, comments and signature left blank for a pen); after
completion it is the archived voucher with the customer's drawn signature, or a note
that the signed paper voucher is on file.

The labels are bilingual on purpose (Chinese first, English below), whatever the
reader's language, so they are fixed text and not translated. Chinese is set in
reportlab's built-in CID font STSong-Light: nothing to download or embed, and any
Chinese-capable PDF viewer shows it.
"""

from xml.sax.saxutils import escape

from aftersales.core.pdf import GREY, LINE, SHADE, build, header, image
from aftersales.core.pdf import both as _both
from aftersales.core.pdf import grid as _grid
from aftersales.core.pdf import label as _label
from aftersales.core.pdf import register_font as _register_font
from aftersales.core.pdf import styles as _styles
from aftersales.core.pdf import text as _text
from aftersales.core.pdf import when as _when
from aftersales.service.models import ServiceOrder, Status


def _plan(order: ServiceOrder) -> str:
    parts = []
    if order.plan_mode:
        parts.append(_both(order.get_plan_mode_display))
    if order.appointment_at:
        parts.append(f"预约 Appointment: {_when(order.appointment_at)}")
    if order.plan_notes:
        parts.append(_text(order.plan_notes))
    return "<br/>".join(parts)


def _signature_flowable(order: ServiceOrder, styles: dict):
    """The drawn signature scaled into its box, or a note; None leaves the box for a pen."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    if order.signature:
        try:
            with order.signature.open("rb") as stored:
                content = stored.read()
        except OSError:
            return Paragraph("签字图片无法读取 The signature file cannot be read.", styles["note"])
        return image(content, 70 * mm, 24 * mm, styles["note"])
    if order.paper_voucher:
        return Paragraph(
            "客户已在纸质服务单上签字，扫描件随服务单存档。<br/>"
            "The customer signed a paper voucher; its scan is archived with the order.",
            styles["note"],
        )
    return None


def render_voucher(order: ServiceOrder) -> bytes:
    """SVC-4: the order's service voucher, signed or still to be signed, as PDF bytes."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    _register_font()
    styles = _styles()

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, styles[style])

    def lab(zh: str, en: str):
        return p(_label(zh, en), "label")

    completed = order.completed_at is not None
    unit = order.unit
    story = []

    # Header: title and handling unit on the left, order number on the right.
    head = header(
        "售后服务单",
        "After-sales service voucher",
        str(order.org_unit),
        "服务单号",
        "Order no.",
        order.number,
    )
    story += [head, Spacer(1, 5 * mm)]

    # The facts of the order, two per row.
    customer = escape(order.customer.name)
    if order.customer.code:
        customer += f' <font size="8" color="{GREY}">{escape(order.customer.code)}</font>'
    model = escape(str(unit.product_model)) if unit else ""
    serial = escape(unit.serial_number) if unit else ""
    narrow = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    story.append(
        _grid(
            [
                [
                    lab("受理时间", "Received"),
                    p(_when(order.received_at)),
                    lab("状态", "Status"),
                    p(_both(order.get_status_display)),
                ],
                [
                    lab("客户", "Customer"),
                    p(customer),
                    lab("联系人", "Contact"),
                    p(escape(order.contact_name)),
                ],
                [
                    lab("电话", "Phone"),
                    p(escape(order.contact_phone)),
                    lab("服务类型", "Order type"),
                    p(_both(order.get_order_type_display)),
                ],
                [lab("产品型号", "Model"), p(model), lab("机身编号", "Serial no."), p(serial)],
                [
                    lab("技术员", "Technician"),
                    p(escape(str(order.technician or ""))),
                    lab("完工时间", "Completed"),
                    p(_when(order.completed_at)),
                ],
            ],
            narrow,
        )
    )

    # Longer text, one per row; a row may run over onto the next page.
    kind = _both(order.get_service_kind_display)
    if order.service_kind_reason:
        kind += f'<br/><font size="8.5" color="{GREY}">{_text(order.service_kind_reason)}</font>'
    wide = [28 * mm, 152 * mm]
    text_rows = [
        [lab("地址", "Address"), p(_text(order.address))],
        [lab("服务性质", "Service kind"), p(kind)],
        [lab("故障描述", "Fault or need"), p(_text(order.description))],
        [lab("原因诊断", "Diagnosis"), p(_text(order.diagnosis))],
        [lab("解决方案", "Plan"), p(_plan(order))],
        [lab("处理结果", "Work done"), p(_text(order.result))],
        [lab("客户意见", "Customer's comments"), p(_text(order.customer_comments))],
    ]
    # Before completion the last two rows are blank lines for the pen.
    blank = 0 if completed else 22 * mm
    heights = [0] * 5 + [blank, blank]
    story.append(_grid(text_rows, wide, min_heights=heights, split=True))

    # The customer's confirmation: signature, signer, time.
    signature = _signature_flowable(order, styles)
    signature_row = Table(
        [
            [
                lab("客户签字", "Customer's signature"),
                signature or "",
                [
                    lab("签字人", "Signed by"),
                    p(escape(order.signer_name)),
                    Spacer(1, 2 * mm),
                    lab("签字时间", "Signed at"),
                    p(_when(order.signed_at)),
                ],
            ]
        ],
        colWidths=[28 * mm, 100 * mm, 52 * mm],
        minRowHeights=[30 * mm],
    )
    signature_row.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, LINE),
                ("BACKGROUND", (0, 0), (0, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    confirmation = p(
        "客户签字即确认上述服务已完成；签字后的服务单随服务单号存档。"
        "<br/>By signing, the customer confirms the service above; "
        "the signed voucher is archived with the order.",
        "note",
    )
    story += [Spacer(1, 4 * mm), KeepTogether([signature_row, Spacer(1, 2 * mm), confirmation])]
    if order.status == Status.CANCELLED:
        story.append(p(f"已取消 Cancelled: {_text(order.cancel_reason)}", "note"))

    return build(
        story, number=order.number, title=f"售后服务单 {order.number}", subject="Service voucher"
    )
