"""The written reply to the customer (顾客来函处理回复单, CMP-4, FUP-4) as an A4 PDF, built on
``core.pdf`` with bilingual labels like the other documents."""

from xml.sax.saxutils import escape

from aftersales.complaints.models import ComplaintReply
from aftersales.core import pdf


def render_reply(reply: ComplaintReply) -> bytes:
    """Company header, reply and complaint numbers, the complainant, when it came, what it
    said, the investigation (cause), the resolution, the reply text, who handled it, when."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    pdf.register_font()
    st = pdf.styles()
    complaint = reply.complaint

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, st[style])

    def lab(zh: str, en: str):
        return p(pdf.label(zh, en), "label")

    story = [
        pdf.header(
            "顾客来函处理回复单",
            "Reply to the customer's complaint",
            str(complaint.org_unit),
            "回复单号",
            "Reply no.",
            reply.number,
        ),
        Spacer(1, 5 * mm),
    ]
    widths = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    customer = complaint.customer.name if complaint.customer_id else ""
    story.append(
        pdf.grid(
            [
                [
                    lab("投诉编号", "Complaint no."),
                    p(escape(complaint.number)),
                    lab("来函日期", "Received"),
                    p(pdf.when(complaint.received_at)),
                ],
                [
                    lab("投诉人", "Complainant"),
                    p(pdf.text(complaint.complainant_name)),
                    lab("联系电话", "Phone"),
                    p(pdf.text(complaint.complainant_phone)),
                ],
                [
                    lab("客户", "Customer"),
                    p(pdf.text(customer)),
                    lab("服务单号", "Service order"),
                    p(escape(complaint.order.number) if complaint.order_id else ""),
                ],
                [
                    lab("来源", "Channel"),
                    p(pdf.both(complaint.get_channel_display)),
                    lab("类别", "Class"),
                    p(
                        pdf.text(complaint.complaint_class.name)
                        + " · "
                        + pdf.both(complaint.get_severity_display)
                    ),
                ],
            ],
            widths,
        )
    )
    wide = [28 * mm, 152 * mm]
    rows = [
        [lab("事由", "Subject"), p(pdf.text(complaint.subject))],
        [lab("来函内容摘要", "Content"), p(pdf.text(_summary(complaint.content)))],
        [lab("调查情况 / 原因", "Investigation / cause"), p(pdf.text(complaint.cause))],
        [lab("处理结果", "Resolution"), p(pdf.text(complaint.resolution or complaint.proposal))],
        [lab("答复内容", "Our reply"), p(pdf.text(reply.text))],
    ]
    story.append(pdf.grid(rows, wide, min_heights=[0, 16 * mm, 14 * mm, 14 * mm, 30 * mm]))
    handler = reply.created_by or complaint.owner
    story.append(
        pdf.grid(
            [
                [
                    lab("处理人", "Handled by"),
                    p(pdf.text(handler)),
                    lab("答复日期", "Replied on"),
                    p(pdf.when(reply.sent_at)),
                ],
                [
                    lab("答复方式", "Sent by"),
                    p(_via(reply.sent_via)),
                    lab("盖章", "Company seal"),
                    p(""),
                ],
            ],
            widths,
            min_heights=[0, 18 * mm],
        )
    )
    story += [
        Spacer(1, 4 * mm),
        p(
            "感谢您对我们工作的监督与支持。如对处理结果仍有异议，请致电客户服务热线。<br/>"
            "Thank you for telling us. If you do not agree with the outcome, please call our "
            "customer service hotline.",
            "note",
        ),
    ]
    return pdf.build(
        story,
        number=reply.number,
        title=f"顾客来函处理回复单 {reply.number}",
        subject="Reply to the customer's complaint",
    )


def _summary(content: str, limit: int = 600) -> str:
    content = (content or "").strip()
    return content if len(content) <= limit else content[: limit - 1] + "…"


def _via(value: str) -> str:
    from aftersales.complaints.forms import REPLY_VIA_CHOICES

    label = dict(REPLY_VIA_CHOICES).get(value)
    return pdf.both(lambda: label) if label is not None else escape(value)
