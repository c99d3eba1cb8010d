"""The receipt (收据, FEE-3) as an A4 PDF: the numbered proof the technician gives on site,
or finance's acknowledgement of money received. Built on ``core.pdf``; bilingual labels
as on the service voucher."""

from xml.sax.saxutils import escape

from aftersales.charges.models import CustomerPayment, PaymentSource
from aftersales.core import pdf

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ["", "拾", "佰", "仟"]
GROUPS = ["", "万", "亿"]


def _yuan_words(number: int) -> str:
    digits = str(number)
    words, zero = "", False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            zero = True
        else:
            words += ("零" if zero else "") + DIGITS[digit] + UNITS[position % 4]
            zero = False
        # 万 and 亿 close a group of four that has a digit other than zero.
        if position % 4 == 0 and position and int(digits[max(0, index - 3) : index + 1]):
            words += GROUPS[position // 4]
    return words


def amount_in_words(amount) -> str:
    """The amount in Chinese capital numerals (大写), as receipts write it: 1234.50 →
    壹仟贰佰叁拾肆元伍角整; 100500.05 → 壹拾万零伍佰元零伍分."""
    fen_total = int((amount * 100).to_integral_value())
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    words = _yuan_words(yuan) + "元" if yuan else ""
    if jiao:
        words += DIGITS[jiao] + "角"
    if fen:
        words += ("零" if words and not jiao else "") + DIGITS[fen] + "分"
    else:
        words += "整"
    return words if yuan or rest else "零元整"


def render_receipt(payment: CustomerPayment) -> bytes:
    """FEE-3: the receipt of one payment — number, order, customer, amount in figures and in
    words, method, who received it and when; voided payments are marked so."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    pdf.register_font()
    st = pdf.styles()
    order = payment.order

    def p(markup: str, style: str = "value"):
        return Paragraph(markup, st[style])

    def lab(zh: str, en: str):
        return p(pdf.label(zh, en), "label")

    on_site = payment.source == PaymentSource.ON_SITE
    story = [
        pdf.header(
            "收据",
            "Receipt" if on_site else "Receipt of payment",
            str(order.org_unit),
            "收据号",
            "Receipt no.",
            payment.number,
        ),
        Spacer(1, 5 * mm),
    ]
    amount = f"¥{payment.amount:.2f}"
    widths = [28 * mm, 62 * mm, 28 * mm, 62 * mm]
    rows = [
        [
            lab("服务单号", "Service order"),
            p(escape(order.number)),
            lab("收款时间", "Received"),
            p(pdf.when(payment.received_at)),
        ],
        [
            lab("客户", "Customer"),
            p(pdf.text(order.customer.name)),
            lab("付款人", "Paid by"),
            p(pdf.text(payment.payer)),
        ],
        [
            lab("金额", "Amount"),
            p(f"<b>{escape(amount)}</b>"),
            lab("付款方式", "Method"),
            p(pdf.both(payment.get_method_display)),
        ],
        [
            lab("收款人", "Received by"),
            p(pdf.text(payment.received_by)),
            lab("来源", "Source"),
            p(pdf.both(payment.get_source_display)),
        ],
    ]
    story.append(pdf.grid(rows, widths))
    wide = [28 * mm, 152 * mm]
    text_rows = [[lab("大写金额", "In words"), p(amount_in_words(payment.amount))]]
    if payment.reference:
        text_rows.append([lab("参考号", "Reference"), p(pdf.text(payment.reference))])
    if payment.note:
        text_rows.append([lab("备注", "Note"), p(pdf.text(payment.note))])
    story.append(pdf.grid(text_rows, wide))
    story.append(Spacer(1, 4 * mm))
    if payment.voided_at:
        story.append(
            p(
                f"<b>已作废 VOIDED</b> {pdf.when(payment.voided_at)}: "
                f"{pdf.text(payment.void_reason)}",
                "value",
            )
        )
    story.append(
        p(
            "本收据为收款凭证；发票另行开具。<br/>"
            "This receipt acknowledges the payment; the invoice follows separately.",
            "note",
        )
    )
    return pdf.build(
        story, number=payment.number, title=f"收据 {payment.number}", subject="Receipt"
    )
