"""The return-visit survey (回访调查表, FUP-1, RPT-1) as an A4 PDF for the paper file: the
order's facts, the script's questions with the customer's answers, the outcome, the calls
made and the follow-up case — built on ``core.pdf`` with bilingual labels."""

from aftersales.core import pdf
from aftersales.followup.models import ReturnVisit


def render_visit(visit: ReturnVisit) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    pdf.register_font()
    st = pdf.styles()
    order = visit.order

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, st[style])

    def lab(zh: str, en: str):
        return p(pdf.label(zh, en), "label")

    number = f"{order.number}-HF"
    widths = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    unit = f"{order.unit.product_model} · {order.unit.serial_number}" if order.unit_id else ""
    story = [
        pdf.header(
            "回访调查表",
            "Return-visit survey",
            str(order.org_unit),
            "服务单号",
            "Service order",
            order.number,
        ),
        Spacer(1, 5 * mm),
        pdf.grid(
            [
                [
                    lab("客户", "Customer"),
                    p(pdf.text(order.customer.name)),
                    lab("联系人 / 电话", "Contact / phone"),
                    p(pdf.text(f"{order.contact_name} {order.contact_phone}")),
                ],
                [
                    lab("设备", "Unit"),
                    p(pdf.text(unit)),
                    lab("售后人员", "Technician"),
                    p(pdf.text(order.technician or "")),
                ],
                [
                    lab("完工时间", "Completed"),
                    p(pdf.when(order.completed_at)),
                    lab("回访期限", "Visit due"),
                    p(pdf.when(visit.due_at)),
                ],
            ],
            widths,
        ),
        pdf.grid(
            [[lab("处理结果", "Work done"), p(pdf.text(order.result))]],
            [28 * mm, 152 * mm],
        ),
        Spacer(1, 3 * mm),
    ]
    answers = [
        [p(pdf.text(a.get("question", "")), "label"), p(pdf.text(a.get("answer", "")))]
        for a in (visit.answers or [])
    ]
    if answers:
        story.append(pdf.grid(answers, [80 * mm, 100 * mm], min_heights=[10 * mm] * len(answers)))
    case = visit.cases.order_by("pk").first()
    story.append(
        pdf.grid(
            [
                [
                    lab("回访结果", "Outcome"),
                    p(pdf.both(visit.get_status_display)),
                    lab("回访时间", "Visited"),
                    p(pdf.when(visit.done_at)),
                ],
                [
                    lab("回访人", "Called by"),
                    p(pdf.text(visit.done_by or "")),
                    lab("呼叫次数", "Calls"),
                    p(str(visit.attempts)),
                ],
                [
                    lab("跟进单", "Follow-up case"),
                    p(pdf.text(case.number if case else "")),
                    lab("备注", "Notes"),
                    p(pdf.text(visit.notes)),
                ],
            ],
            widths,
        )
    )
    return pdf.build(
        story,
        number=number,
        title=f"回访调查表 {order.number}",
        subject="Return-visit survey",
    )
