"""The public pages: the web repair form (官网报修单) and the status page (REQ-1, REQ-4).

No login. Robots are kept out without third-party services: a hidden honeypot field
(a robot filling it sees the usual thank-you page, nothing is stored), a signed
timestamp that refuses forms sent faster than a person can fill them, and a rate
limit per client address. Wrong number or phone on the status page give the same
"not found", so it cannot be used to find out who sent what.
"""

from __future__ import annotations

import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from aftersales.core.exceptions import ServiceError
from aftersales.core.forms import StyledForm
from aftersales.core.ratelimit import RateLimit, client_ip
from aftersales.products.models import Unit
from aftersales.service import services
from aftersales.service.models import OrderType, Status, WebRequestStatus

SUBMIT_LIMIT = RateLimit("repair-submit", "AFTERSALES_PUBLIC_RATE", "5/h")
STATUS_LIMIT = RateLimit("repair-status", "AFTERSALES_STATUS_RATE", "20/h")

HONEYPOT_FIELD = "website"
# A form field name and a signing salt, not secrets (bandit B105).
TOKEN_FIELD = "form_token"  # nosec B105
TOKEN_SALT = "aftersales.service.public.form-started"  # nosec B105
THANKS_SALT = "aftersales.service.public.thanks"
# A form left open longer than this is sent again (with the data kept).
TOKEN_MAX_AGE = 24 * 3600
SERIAL_MAX = 64


# --- spam protection ---------------------------------------------------------------


def form_token() -> str:
    """A signed note of when the form was handed out."""
    return signing.dumps({"t": int(time.time())}, salt=TOKEN_SALT)


def token_age(token: str) -> float | None:
    """Seconds since the token was handed out; None when it is forged or too old."""
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        age = time.time() - float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    # A clock step back of a minute is forgiven; a time from the future is not ours.
    return age if -60 <= age <= TOKEN_MAX_AGE else None


def min_fill_seconds() -> float:
    return float(getattr(settings, "AFTERSALES_PUBLIC_MIN_FILL_SECONDS", 3))


def decoy_number() -> str:
    """A number like a real one, for the robot that filled the honeypot (nothing is stored)."""
    return f"WR-{timezone.localdate():%Y%m%d}-{secrets.randbelow(9000) + 1000:04d}"


def thanks_url(number: str) -> str:
    signed = signing.dumps(number, salt=THANKS_SALT, compress=True)
    return f"{reverse('public:thanks')}?{urlencode({'r': signed})}"


def rate_limited(request, limit: RateLimit):
    """HTTP 429 with a plain message."""
    response = render(
        request,
        "service/public/rate_limited.html",
        {"hotline": _hotline()},
        status=429,
    )
    response["Retry-After"] = str(limit.retry_after())
    return response


def _hotline() -> str:
    return getattr(settings, "AFTERSALES_SERVICE_HOTLINE", "")


# --- the repair form --------------------------------------------------------------


class RepairForm(StyledForm):
    """REQ-1, REQ-2: what the public tells us; the service checks it again."""

    name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        help_text=gettext_lazy("Mobile, or landline with area code; we call you back on it."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Where the product is, if we need to come."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    product_text = forms.CharField(
        label=gettext_lazy("Product"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("The product or its model, as on the nameplate."),
    )
    serial_number = forms.CharField(
        label=gettext_lazy("Serial number"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("On the nameplate or the warranty card, if you have it."),
    )
    order_type = forms.ChoiceField(
        label=gettext_lazy("What do you need?"),
        choices=OrderType.choices,
        initial=OrderType.REPAIR,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the fault or what you need"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"


def _qr_initial(request) -> tuple[dict, bool]:
    """?sn=<serial> (the QR label's target): the serial and the model's name, nothing else."""
    serial = (request.GET.get("sn") or "").strip().upper()
    # Printable text only: a NUL byte in the lookup is a 500 on PostgreSQL.
    if not serial or len(serial) > SERIAL_MAX or not serial.isprintable():
        return {}, False
    initial = {"serial_number": serial[:60]}
    unit = Unit.objects.select_related("product_model").filter(serial_number=serial).first()
    if unit is not None:
        # Privacy: the model's name only, never the owner or anything else of the unit.
        initial["product_text"] = unit.product_model.name[:100]
    return initial, True


def _render_form(request, form, token: str, via_qr: bool, status: int = 200):
    context = {
        "form": form,
        "token": token,
        "token_field": TOKEN_FIELD,
        "honeypot_field": HONEYPOT_FIELD,
        "via_qr": via_qr,
        "hotline": _hotline(),
    }
    return render(request, "service/public/repair_form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def repair_form(request):
    """REQ-1: the web repair form; opened from a product's QR code it knows the serial."""
    initial, via_qr = _qr_initial(request)
    if request.method != "POST":
        return _render_form(request, RepairForm(initial=initial), form_token(), via_qr)

    ip = client_ip(request)
    if SUBMIT_LIMIT.exceeded(ip):
        return rate_limited(request, SUBMIT_LIMIT)
    if request.POST.get(HONEYPOT_FIELD):
        # A robot: the same look as a success, nothing stored, and it counts to the limit.
        SUBMIT_LIMIT.hit(ip)
        return redirect(thanks_url(decoy_number()))

    form = RepairForm(request.POST)
    posted_token = request.POST.get(TOKEN_FIELD, "")
    age = token_age(posted_token)
    # A forged or stale token gets a fresh one; a valid one is kept so its time runs on.
    token = posted_token if age is not None else form_token()
    if not form.is_valid():
        return _render_form(request, form, token, via_qr)
    if age is None:
        form.add_error(
            None, _("This form was open too long or could not be read. Please send it again.")
        )
        return _render_form(request, form, token, via_qr)
    if age < min_fill_seconds():
        SUBMIT_LIMIT.hit(ip)
        form.add_error(
            None,
            _("That was quicker than we expected. Please check your details and press Send again."),
        )
        return _render_form(request, form, token, via_qr)
    try:
        web_request = services.submit_web_request(
            **form.cleaned_data, via_qr=via_qr, client_ip=ip or None
        )
    except ServiceError as exc:
        form.add_service_error(exc)
        return _render_form(request, form, token, via_qr)
    SUBMIT_LIMIT.hit(ip)
    return redirect(thanks_url(web_request.number))


@never_cache
def thanks(request):
    """After sending: the request number and how to follow it."""
    try:
        number = signing.loads(request.GET.get("r", ""), salt=THANKS_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return redirect("public:repair")
    if not isinstance(number, str):
        return redirect("public:repair")
    status_url = f"{reverse('public:status')}?{urlencode({'number': number})}"
    return render(
        request,
        "service/public/thanks.html",
        {"number": number, "status_url": status_url, "hotline": _hotline()},
    )


# --- the status page ------------------------------------------------------------------


class StatusForm(StyledForm):
    number = forms.CharField(
        label=gettext_lazy("Request or order number"),
        max_length=40,
        help_text=gettext_lazy("WR-… from the web form, or SO-… given by our service staff."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        help_text=gettext_lazy("The phone number you gave us."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


FINISHED = {Status.COMPLETED, Status.CLOSED}
WORKING = {
    Status.IN_PROGRESS,
    Status.WAITING_PARTS,
    Status.WAITING_CUSTOMER,
    *FINISHED,
}


def _step(label, done: bool, detail: str = "", when=None, tone: str = "") -> dict:
    return {"label": label, "done": done, "detail": detail, "when": when, "tone": tone}


def progress(facts: dict) -> list[dict]:
    """The steps of a request in plain words, for the status page."""
    steps = [_step(_("We received your request"), True, when=facts["submitted_at"])]
    if facts["state"] == WebRequestStatus.NEW:
        steps.append(
            _step(
                _("Our service staff will look at it soon"),
                False,
                _("We look at new requests several times a day and call you back."),
            )
        )
        return steps
    if facts["state"] == WebRequestStatus.REJECTED:
        steps.append(
            _step(
                _("We could not take it up as a service request"),
                True,
                _("If you still need help, please call our service hotline."),
                tone="danger",
            )
        )
        return steps
    status = facts["order_status"]
    steps.append(
        _step(
            _("Accepted as service order %(number)s") % {"number": facts["order_number"]},
            True,
        )
    )
    if status == Status.CANCELLED:
        steps.append(
            _step(
                _("The service order was cancelled"),
                True,
                _("If you still need help, please call our service hotline."),
                tone="danger",
            )
        )
        return steps
    technician = facts["technician"]
    detail = ""
    if facts["dispatched"]:
        detail = (
            _("%(technician)s will contact you.") % {"technician": technician}
            if technician
            else _("A technician will contact you.")
        )
    steps.append(_step(_("A technician is assigned"), facts["dispatched"], detail))
    if facts["appointment_at"] and status not in FINISHED:
        steps.append(_step(_("Appointment"), True, when=facts["appointment_at"]))
    working_detail = ""
    if status == Status.WAITING_PARTS:
        working_detail = _("Waiting for parts.")
    elif status == Status.WAITING_CUSTOMER:
        working_detail = _("Waiting for you: we will call to agree the next step.")
    steps.append(_step(_("Work in progress"), status in WORKING, working_detail))
    steps.append(
        _step(
            _("Completed"),
            status in FINISHED,
            when=facts["completed_at"] if status in FINISHED else None,
            tone="success" if status in FINISHED else "",
        )
    )
    return steps


@never_cache
@require_http_methods(["GET", "POST"])
def status_page(request):
    """Progress of a request, found by its number and the phone given with it."""
    if request.method != "POST":
        initial = {}
        number = (request.GET.get("number") or "").strip()
        if number and len(number) <= 40:
            initial["number"] = number
        return _render_status(request, StatusForm(initial=initial))
    # Every lookup counts, found or not: guessing numbers is what the limit is for.
    if not STATUS_LIMIT.allow(client_ip(request)):
        return rate_limited(request, STATUS_LIMIT)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _render_status(request, form)
    facts = services.web_request_status(form.cleaned_data["number"], form.cleaned_data["phone"])
    if facts is None:
        return _render_status(request, form, not_found=True)
    return _render_status(request, form, facts=facts)


def _render_status(request, form, *, facts=None, not_found: bool = False):
    context = {
        "form": form,
        "facts": facts,
        "steps": progress(facts) if facts else [],
        "not_found": not_found,
        "hotline": _hotline(),
    }
    return render(request, "service/public/status.html", context)
