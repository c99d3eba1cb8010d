"""The exchange form (换货单) as an A4 PDF (EXC-1…EXC-5, SEC-5): the customer, the unit,
the detailed reason, the 三包 entitlement with its reasons, the approval table (step,
person, decision, comment, time), the inspection, the replacement and the refunds.

Labels are bilingual on purpose (see ``core.pdf``)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from aftersales.exchanges.models import ExchangeRequest


def render_form(exchange: ExchangeRequest) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from aftersales.core import pdf
    from aftersales.exchanges.models import (
        ApprovalStep,
        Decision,
        Inspection,
        RefundMethod,
        RequestKind,
        RequestStatus,
    )
    from aftersales.service import sanbao

    pdf.register_font()
    styles = pdf.styles()

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, styles[style])

    def lab(zh: str, en: str):
        return p(pdf.label(zh, en), "label")

    def choice(enum, value) -> str:
        return pdf.both(lambda: enum(value).label) if value in enum.values else escape(value or "")

    unit = exchange.unit
    story = [
        pdf.header(
            "换货单",
            "Exchange / return form",
            str(exchange.org_unit),
            "单号",
            "Form no.",
            exchange.number,
        ),
        Spacer(1, 5 * mm),
    ]
    customer = escape(exchange.customer.name)
    if exchange.customer.code:
        customer += f' <font size="8" color="{pdf.GREY}">{escape(exchange.customer.code)}</font>'
    price = f"¥{exchange.purchase_price:.2f}" if exchange.purchase_price is not None else ""
    widths = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    story.append(
        pdf.grid(
            [
                [
                    lab("类别", "Kind"),
                    p(choice(RequestKind, exchange.kind)),
                    lab("状态", "Status"),
                    p(choice(RequestStatus, exchange.status)),
                ],
                [
                    lab("客户", "Customer"),
                    p(customer),
                    lab("填表人", "Filled by"),
                    p(escape(str(exchange.created_by or ""))),
                ],
                [
                    lab("产品型号", "Model"),
                    p(escape(str(unit.product_model))),
                    lab("机身编号", "Serial no."),
                    p(escape(unit.serial_number)),
                ],
                [
                    lab("销售日期", "Sale date"),
                    p(str(unit.sale_date or "")),
                    lab("故障", "Fault"),
                    p(escape(str(exchange.fault_type or ""))),
                ],
                [
                    lab("购买日期", "Purchase date"),
                    p(str(exchange.purchase_date or "")),
                    lab("购买价格", "Price paid"),
                    p(price),
                ],
                [
                    lab("购买凭证", "Proof of purchase"),
                    p(escape(exchange.purchase_proof)),
                    lab("服务单号", "Service order"),
                    p(escape(exchange.order.number if exchange.order else "")),
                ],
            ],
            widths,
        )
    )
    story += [Spacer(1, 3 * mm)]
    story.append(
        pdf.grid(
            [[lab("详细原因", "Detailed reason"), p(pdf.text(exchange.reason))]],
            [28 * mm, 152 * mm],
        )
    )

    # EXC-5: the entitlement as it was on the day of submission.
    entitlement = exchange.entitlement or {}
    if entitlement:
        remedies = (
            " ".join(
                pdf.both(lambda r=r: sanbao.LABELS.get(r, r))
                for r in entitlement.get("remedies") or []
            )
            or "无 None"
        )
        on_day = escape(str(entitlement.get("date") or ""))
        reasons = "<br/>".join(pdf.text(r) for r in entitlement.get("reasons") or [])
        story += [
            Spacer(1, 3 * mm),
            pdf.grid(
                [
                    [
                        lab("三包权益", "三包 entitlement"),
                        p(f'{remedies}<br/><font size="8" color="{pdf.GREY}">{on_day}</font>'),
                    ],
                    [lab("依据", "Reasons"), p(reasons, "note")],
                ],
                [28 * mm, 152 * mm],
            ),
        ]

    # SEC-5: the approval table.
    rows = [
        [
            lab("步骤", "Step"),
            lab("签批人", "By"),
            lab("意见", "Decision"),
            lab("批注", "Comment"),
            lab("时间", "Time"),
        ]
    ]
    for approval in exchange.approvals.select_related("by"):
        rows.append(
            [
                p(choice(ApprovalStep, approval.step), "note"),
                p(escape(str(approval.by))),
                p(choice(Decision, approval.decision), "note"),
                p(pdf.text(approval.comment)),
                p(pdf.when(approval.at), "note"),
            ]
        )
    if len(rows) == 1:
        rows.append([p("未提交 Not submitted", "note"), "", "", "", ""])
    chain = Table(rows, colWidths=[32 * mm, 26 * mm, 28 * mm, 64 * mm, 30 * mm], repeatRows=1)
    chain.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, pdf.LINE),
                ("BACKGROUND", (0, 0), (-1, 0), pdf.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [Spacer(1, 4 * mm), p("审批 Approvals", "label"), chain]

    if exchange.received_at:
        story += [
            Spacer(1, 4 * mm),
            pdf.grid(
                [
                    [
                        lab("收货", "Received"),
                        p(
                            f"{pdf.when(exchange.received_at)} · "
                            f"{escape(str(exchange.received_by or ''))} · "
                            f"{escape(str(exchange.warehouse or ''))}"
                        ),
                    ],
                    [
                        lab("检验结果", "Inspection"),
                        p(
                            choice(Inspection, exchange.inspection)
                            + "<br/>"
                            + pdf.text(exchange.inspection_note)
                        ),
                    ],
                ],
                [28 * mm, 152 * mm],
            ),
        ]
    if exchange.replacement_unit_id:
        new = exchange.replacement_unit
        entry = getattr(exchange, "ledger_entry", None)
        signed = (
            f"<br/>台账签字 Ledger signed: {escape(str(entry.handler))} {pdf.when(entry.signed_at)}"
            if entry
            else ""
        )
        agreed = (
            f"<br/>客户同意替代 Substitute agreed: {pdf.text(exchange.substitute_agreed)}"
            if exchange.substitute_agreed
            else ""
        )
        story += [
            Spacer(1, 3 * mm),
            pdf.grid(
                [
                    [
                        lab("替换产品", "Replacement"),
                        p(
                            f"{escape(new.serial_number)} · "
                            f"{escape(str(new.product_model))}{agreed}{signed}"
                        ),
                    ]
                ],
                [28 * mm, 152 * mm],
            ),
        ]
    refunds = list(exchange.refunds.all())
    if refunds:
        lines = "<br/>".join(
            f"{pdf.when(r.paid_at)} · ¥{r.amount:.2f} · {choice(RefundMethod, r.method)}"
            f"{' · ' + escape(r.reference) if r.reference else ''}"
            for r in refunds
        )
        story += [
            Spacer(1, 3 * mm),
            pdf.grid([[lab("退款", "Refunds"), p(lines)]], [28 * mm, 152 * mm]),
        ]
    return pdf.build(
        story,
        number=exchange.number,
        title=f"换货单 {exchange.number}",
        subject="Exchange / return form",
    )
