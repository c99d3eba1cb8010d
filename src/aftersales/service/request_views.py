"""The agents' intake queue of web repair requests (REQ-1, REQ-4).

New requests oldest first with their age (wall-clock time since it was sent). One is
flagged overdue once the REQ-4 bound has passed since it arrived, counted in
WORKING hours of the default (HQ) business calendar: AFTERSALES_WEB_REQUEST_MAX_AGE_HOURS
(4 working hours, half a working day). Nights, weekends and holidays do not count, so a
request sent on Friday evening is overdue on Monday at 12:30, not on Saturday morning.
The cutoff instant (``overdue_cutoff``) is computed once per page and used both for
each row's flag and for the overdue count query. A request is accepted as a service
order for a customer on file (and one of their units), or rejected with a reason —
both through the services.

Web requests belong to no organisation unit until accepted: everyone who takes
requests (``service.add_serviceorder``) sees the whole queue.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from aftersales.core import calendar as cal
from aftersales.core.exceptions import ServiceError
from aftersales.core.filters import search_with_phone_digits
from aftersales.core.forms import StyledForm
from aftersales.core.listing import ReachListView
from aftersales.customers.models import Customer
from aftersales.products.models import Unit
from aftersales.service import services
from aftersales.service.models import OrderType, WebRequest, WebRequestStatus
from aftersales.service.views import _require_perm

PERMISSION = "service.add_serviceorder"
CANDIDATE_LIMIT = 20


def max_age() -> dt.timedelta:
    """REQ-4: how long a web request may wait unseen, in WORKING hours (default 4, half a
    working day). Count it with the business calendar (:func:`overdue_cutoff`), not as
    wall-clock time."""
    return dt.timedelta(hours=float(getattr(settings, "AFTERSALES_WEB_REQUEST_MAX_AGE_HOURS", 4)))


def max_age_text() -> str:
    """The REQ-4 bound for the page: "4 working hours"."""
    hours = max_age().total_seconds() / 3600
    return f"{hours:g} {pgettext('deadline unit', 'working hours')}"


def overdue_cutoff(now: dt.datetime) -> dt.datetime:
    """REQ-4: a new web request sent before this instant is overdue at ``now``.

    The instant ``max_age()`` working hours before now on the default (HQ) calendar —
    web requests belong to no organisation unit until accepted. Compute it once per
    page and compare every request with it (rows and the count alike).
    """
    if max_age() <= dt.timedelta(0):
        return now  # a bound of 0: every waiting request is overdue
    local = timezone.localtime(now)
    calendar = cal.get_calendar(None, years=[local.year - 1, local.year])
    return cal.subtract_working_hours(now, max_age(), calendar)


def annotate_age(web_request: WebRequest, now: dt.datetime, cutoff: dt.datetime) -> WebRequest:
    """Age and the REQ-4 overdue flag of a request, for the page (waiting ones only).

    ``cutoff`` is :func:`overdue_cutoff` of ``now``: a new request sent before it is overdue.
    """
    end = web_request.handled_at if web_request.status != WebRequestStatus.NEW else now
    age = (end or now) - web_request.created_at
    web_request.age = age
    web_request.age_text = format_age(age)
    web_request.overdue = (
        web_request.status == WebRequestStatus.NEW and web_request.created_at < cutoff
    )
    return web_request


def format_age(delta: dt.timedelta) -> str:
    """A wait in plain words: "3 h 20 min", "2 d 5 h", "15 min"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


# --- the queue -------------------------------------------------------------------------


class WebRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Request no., name, phone, serial number"),
    )
    status = django_filters.ChoiceFilter(
        choices=WebRequestStatus.choices, label=gettext_lazy("Status")
    )
    order_type = django_filters.ChoiceFilter(choices=OrderType.choices, label=gettext_lazy("Type"))

    class Meta:
        model = WebRequest
        fields = ["q", "status", "order_type"]

    def search(self, queryset, name, value):
        return search_with_phone_digits(
            queryset, value, ["number", "name", "phone", "serial_number"], "phone"
        )


class WebRequestListView(ReachListView):
    """REQ-4: new web requests oldest first, their age, and the overdue ones flagged."""

    model = WebRequest
    permission_required = PERMISSION
    filterset_class = WebRequestFilter
    template_name = "service/web_request_list.html"

    def get_queryset(self):
        # No reach before acceptance: the queue is every intake person's (see the module doc).
        return WebRequest.objects.select_related("order", "handled_by").order_by("created_at", "pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Opened plainly, the queue shows what waits: the new requests.
        if "status" not in self.request.GET:
            data = self.request.GET.copy()
            data["status"] = WebRequestStatus.NEW
            kwargs["data"] = data
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        cutoff = overdue_cutoff(now)  # once per page: the rows and the count agree
        for web_request in ctx["page_obj"]:
            annotate_age(web_request, now, cutoff)
        waiting = WebRequest.objects.filter(status=WebRequestStatus.NEW)
        ctx["waiting_count"] = waiting.count()
        ctx["overdue_count"] = waiting.filter(created_at__lt=cutoff).count()
        ctx["max_age_text"] = max_age_text()
        return ctx


# --- one request: accept or reject ----------------------------------------------------------


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.serial_number} · {obj.product_model}"


class AcceptForm(StyledForm):
    """The customer on file the request is for, and optionally one of their units."""

    customer = CustomerChoiceField(
        label=gettext_lazy("Customer"), queryset=Customer.objects.none(), widget=forms.HiddenInput
    )
    unit = UnitChoiceField(
        label=gettext_lazy("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "The customer's unit concerned; its warranty sets the service kind."
        ),
    )
    # REQ-9: shown only once the service has found open orders for the same unit or phone.
    confirm_duplicate = forms.BooleanField(
        label=gettext_lazy("This is a new request, not one of the open orders above"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, customer_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user).filter(is_active=True)
        if self.is_bound:
            customer_id = self.data.get("customer")
        units = Unit.objects.none()
        if str(customer_id or "").isdigit():
            units = (
                Unit.objects.visible_to(user)
                .filter(owner_id=customer_id)
                .select_related("product_model")
                .order_by("serial_number")
            )
        self.fields["unit"].queryset = units

    def add_service_error(self, exc):
        super().add_service_error(exc)
        if "confirm_duplicate" in self.errors:
            self.fields["confirm_duplicate"].widget = forms.CheckboxInput()


class RejectForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: no service request, a duplicate of SO-…, spam."),
    )


def _phone_digits(phone: str) -> str:
    return "".join(c for c in phone or "" if c.isdigit())


def customer_candidates(user, web_request: WebRequest, query: str = "") -> list[dict]:
    """Customers in reach the request may be for: the owner of the unit with its serial,
    those whose phone (or a contact's) is the request's, then the search results."""
    customers = Customer.objects.visible_to(user).filter(is_active=True)
    found: dict[int, dict] = {}

    def add(customer, reason: str) -> None:
        entry = found.setdefault(customer.pk, {"customer": customer, "reasons": []})
        if reason and reason not in entry["reasons"]:
            entry["reasons"].append(reason)

    if web_request.serial_number:
        unit = (
            Unit.objects.visible_to(user)
            .select_related("owner")
            .filter(serial_number=web_request.serial_number.upper(), owner__in=customers)
            .first()
        )
        if unit is not None:
            add(unit.owner, _("owns the unit with this serial number"))
    by_phone = customers.filter(
        Q(phone=web_request.phone) | Q(contacts__phone=web_request.phone)
    ).distinct()
    for customer in by_phone.order_by("code")[:CANDIDATE_LIMIT]:
        add(customer, _("same phone"))
    query = (query or "").strip()
    if query:
        match = Q(name__icontains=query) | Q(code__icontains=query) | Q(phone__icontains=query)
        results = customers
        digits = _phone_digits(query)
        if len(digits) >= 4:
            results = results.alias(phone_digits=Replace("phone", Value("-"), Value("")))
            match |= Q(phone_digits__icontains=digits)
        for customer in results.filter(match).order_by("code")[:CANDIDATE_LIMIT]:
            add(customer, "")
    return list(found.values())


def _web_request_for(request, pk: int) -> WebRequest:
    _require_perm(request.user, PERMISSION)
    return get_object_or_404(
        WebRequest.objects.select_related("order", "handled_by", "order__customer"), pk=pk
    )


def _chosen_customer(request, candidates: list[dict]) -> Customer | None:
    """?customer=<pk> (in reach), else the one candidate when there is exactly one."""
    customer_pk = request.GET.get("customer", "")
    if customer_pk.isdigit():
        return (
            Customer.objects.visible_to(request.user).filter(is_active=True, pk=customer_pk).first()
        )
    if len(candidates) == 1:
        return candidates[0]["customer"]
    return None


def _detail(request, web_request: WebRequest, *, accept_form=None, reject_form=None):
    now = timezone.now()
    annotate_age(web_request, now, overdue_cutoff(now))
    ctx = {"web_request": web_request, "max_age_text": max_age_text()}
    if web_request.status == WebRequestStatus.NEW:
        query = (request.GET.get("q") or "").strip()[:100]
        candidates = customer_candidates(request.user, web_request, query)
        chosen = None
        if accept_form is not None and accept_form.is_bound:
            chosen = accept_form.cleaned_data.get("customer")
        chosen = chosen or _chosen_customer(request, candidates)
        if accept_form is None and chosen is not None:
            matching = None
            if web_request.serial_number:
                matching = Unit.objects.filter(
                    owner=chosen, serial_number=web_request.serial_number.upper()
                ).first()
            accept_form = AcceptForm(
                user=request.user,
                customer_id=chosen.pk,
                initial={"customer": chosen.pk, "unit": matching.pk if matching else None},
            )
        ctx.update(
            query=query,
            candidates=candidates,
            chosen=chosen,
            accept_form=accept_form,
            reject_form=reject_form or RejectForm(),
        )
    return render(request, "service/web_request_detail.html", ctx)


@login_required
def web_request_detail(request, pk: int):
    return _detail(request, _web_request_for(request, pk))


@login_required
@require_POST
def web_request_accept(request, pk: int):
    """REQ-1, REQ-4: the request becomes a service order received when it was sent."""
    web_request = _web_request_for(request, pk)
    form = AcceptForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            order = services.accept_web_request(
                actor=request.user,
                request_obj=web_request,
                customer=form.cleaned_data["customer"],
                unit=form.cleaned_data["unit"],
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Web request %(request)s was accepted as service order %(order)s.")
                % {"request": web_request.number, "order": order.number},
            )
            return redirect(order)
    web_request.refresh_from_db()
    return _refused(request, web_request, form, accept=True)


@login_required
@require_POST
def web_request_reject(request, pk: int):
    web_request = _web_request_for(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_web_request(
                actor=request.user, request_obj=web_request, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Web request %(number)s was rejected.") % {"number": web_request.number}
            )
            return redirect("service:web_request_list")
    web_request.refresh_from_db()
    return _refused(request, web_request, form, accept=False)


def _refused(request, web_request: WebRequest, form, *, accept: bool):
    """The page again with the form's errors; when the request was handled meanwhile, say so."""
    if web_request.status != WebRequestStatus.NEW:
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect("service:web_request_detail", pk=web_request.pk)
    if accept:
        return _detail(request, web_request, accept_form=form)
    return _detail(request, web_request, reject_form=form)
