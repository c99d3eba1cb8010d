"""Staff pages of the satisfaction surveys (FUP-2, FUP-3, FUP-6, SVC-6): the list in reach,
one survey, the paper card keyed in, a new-customer survey sent by an agent, and the
satisfaction figures per technician per month against the target, with the Excel export.

Thin views: check the right, find the survey within reach (403 outside), parse a form,
call one service of ``followup.surveys``, redirect with a message; a refused input is shown
on the same page with status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.audit.services import record_access
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_any_perm
from aftersales.customers.models import Customer
from aftersales.followup import surveys
from aftersales.followup.models import RATING_FIELDS, Survey
from aftersales.followup.survey_forms import (
    AnswerForm,
    MonthForm,
    SendNewCustomerForm,
    SurveyFilterForm,
)

PAGE_SIZE = 50
# Built by the complaints app: a complaint registered from a survey's comments.
COMPLAINT_FROM_SURVEY = "/complaints/new/?survey={pk}"


def _survey_for(request, pk: int) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("customer", "order", "technician", "keyed_by"), pk=pk
    )
    surveys.require_survey_reach(request.user, survey)
    return survey


@login_required
@require_GET
def survey_list(request):
    """FUP-2: the surveys in reach, by state, kind, technician and month sent."""
    require_any_perm(request.user, surveys.VIEW_SURVEYS)
    from aftersales.accounts.models import User

    visible = surveys.surveys_visible_to(request.user)
    technicians = User.objects.filter(
        pk__in=visible.filter(technician__isnull=False).values("technician")
    ).order_by("display_name", "username")
    filters = SurveyFilterForm(request.GET, technicians=technicians)
    found = visible
    query = {}
    if filters.is_valid():
        data = filters.cleaned_data
        if data["state"]:
            found = found.filter(surveys.state_filter(data["state"]))
        if data["kind"]:
            found = found.filter(kind=data["kind"])
        if data["technician"]:
            found = found.filter(technician_id=data["technician"])
        if data["month"]:
            start, end = surveys.month_bounds(data["month"])
            found = found.filter(send_at__gte=start, send_at__lt=end)
        query = {k: v for k, v in request.GET.items() if k != "page" and v}
    found = found.select_related("customer", "order", "technician").order_by("-send_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for survey in page:
        survey.state = surveys.survey_state(survey, now)
        survey.state_label = _(surveys.STATE_LABELS[survey.state])
    return render(
        request,
        "followup/survey_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "querystring_without_page": f"{urlencode(query)}&" if query else "",
            "can_send": request.user.has_perm(surveys.SEND_SURVEYS),
        },
    )


@login_required
@require_GET
def survey_detail(request, pk: int):
    """FUP-2: one survey: to whom, when sent, the answer and how it came."""
    require_any_perm(request.user, surveys.VIEW_SURVEYS)
    survey = _survey_for(request, pk)
    record_access(request, "view", survey)  # CUS-8: survey answers are secret
    state = surveys.survey_state(survey)
    user = request.user
    ratings = [
        {
            "name": name,
            "label": Survey._meta.get_field(name).verbose_name,
            "value": getattr(survey, name),
            "display": getattr(survey, f"get_{name}_display")(),
        }
        for name in RATING_FIELDS
    ]
    return render(
        request,
        "followup/survey_detail.html",
        {
            "survey": survey,
            "state": state,
            "state_label": _(surveys.STATE_LABELS[state]),
            "ratings": ratings,
            "can_key_in": state != "answered" and user.has_perm(surveys.KEY_IN_SURVEYS),
            "complaint_url": COMPLAINT_FROM_SURVEY.format(pk=survey.pk)
            if state == "answered"
            and (survey.suggestions or survey.satisfied is False)
            and user.has_perm("complaints.add_complaint")
            else "",
            "can_see_order": user.has_perm("service.view_serviceorder"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_key_in(request, pk: int):
    """FUP-2: customer service keys in the customer's paper card."""
    require_any_perm(request.user, surveys.KEY_IN_SURVEYS)
    survey = _survey_for(request, pk)
    if survey.answered_at is not None:
        messages.info(request, _("This survey is already answered."))
        return redirect("followup:survey_detail", pk=survey.pk)
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, kind=survey.kind)
        if form.is_valid():
            try:
                surveys.key_in_survey(actor=request.user, survey=survey, **form.cleaned_data)
            except ServiceError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("The paper card is keyed in."))
                return redirect("followup:survey_detail", pk=survey.pk)
        status = 400
    else:
        form = AnswerForm(kind=survey.kind)
    return render(
        request,
        "followup/survey_key_in.html",
        {"survey": survey, "form": form, "ratings": form.rating_fields()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_send(request):
    """FUP-6: an agent sends a customer the new-customer satisfaction survey now."""
    require_any_perm(request.user, surveys.SEND_SURVEYS)
    status = 200
    if request.method == "POST":
        form = SendNewCustomerForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["customer_code"].strip()
            customer = Customer.objects.filter(code=code).first()
            if customer is None:
                form.add_error("customer_code", _("No customer has this number."))
            else:
                try:
                    survey = surveys.send_new_customer_survey(actor=request.user, customer=customer)
                except ServiceError as exc:
                    form.add_service_error(exc)
                except PermissionDenied:
                    form.add_error(
                        "customer_code", _("This customer belongs to a unit outside your reach.")
                    )
                else:
                    messages.success(
                        request,
                        _("The satisfaction survey was sent to %(customer)s.")
                        % {"customer": customer.name},
                    )
                    return redirect("followup:survey_detail", pk=survey.pk)
        status = 400
    else:
        initial = {}
        pk = request.GET.get("customer", "")
        if pk.isdigit():
            customer = Customer.objects.visible_to(request.user).filter(pk=int(pk)).first()
            if customer is not None:
                initial["customer_code"] = customer.code
        form = SendNewCustomerForm(initial=initial)
    return render(request, "followup/survey_send.html", {"form": form}, status=status)


def _figures(request):
    require_any_perm(request.user, surveys.VIEW_SATISFACTION)
    form = MonthForm(request.GET)
    month = form.cleaned_data["month"] if form.is_valid() else surveys.this_month()
    return form, month, surveys.satisfaction(actor=request.user, month=month)


@login_required
@require_GET
def satisfaction(request):
    """FUP-3, SVC-6: per technician per month, the month against the target, 12-month trend."""
    form, month, figures = _figures(request)
    if form.is_valid():
        # CUS-8: survey analyses are secret.
        what = _("satisfaction figures %(month)s") % {"month": f"{month:%Y-%m}"}
        record_access(request, "view", what=what)
    return render(
        request,
        "followup/survey_satisfaction.html",
        {
            "form": form,
            "figures": figures,
            "month_text": month.strftime("%Y-%m"),
            "previous": surveys.add_months(month, -1).strftime("%Y-%m"),
            "next": surveys.add_months(month, 1).strftime("%Y-%m"),
            "rating_fields": RATING_FIELDS,
        },
        status=200 if form.is_valid() else 400,
    )


@login_required
@require_GET
def satisfaction_export(request):
    """FUP-3: the per-technician table of the month as an Excel sheet."""
    from aftersales.core.excel import add_sheet, new_workbook, xlsx_response

    form, month, figures = _figures(request)
    if not form.is_valid():
        return satisfaction(request)
    header = [
        _("Technician"),
        _("Answered"),
        _("Satisfied"),
        _("Satisfaction rate (%)"),
        *[Survey._meta.get_field(name).verbose_name for name in RATING_FIELDS],
        _("Mean score"),
    ]
    rows = [
        [
            row["name"],
            row["count"],
            row["satisfied"],
            float(row["rate"]) if row["rate"] is not None else None,
            *[float(row[name]) if row[name] is not None else None for name in RATING_FIELDS],
            float(row["score"]) if row["score"] is not None else None,
        ]
        for row in figures["technicians"]
    ]
    overall = figures["overall"]
    rows.append(
        [
            _("All technicians"),
            overall["count"],
            overall["satisfied"],
            float(overall["rate"]) if overall["rate"] is not None else None,
        ]
    )
    workbook = new_workbook()
    add_sheet(workbook, month.strftime("%Y-%m"), header, rows)
    # CUS-8: survey analyses are secret.
    record_access(
        request, "export", what=_("satisfaction figures %(month)s") % {"month": f"{month:%Y-%m}"}
    )
    return xlsx_response(workbook, f"satisfaction-{month:%Y-%m}.xlsx")


urlpatterns = [
    path("surveys/", survey_list, name="survey_list"),
    path("surveys/send/", survey_send, name="survey_send"),
    path("surveys/<int:pk>/", survey_detail, name="survey_detail"),
    path("surveys/<int:pk>/key-in/", survey_key_in, name="survey_key_in"),
    path("satisfaction/", satisfaction, name="satisfaction"),
    path("satisfaction/export/", satisfaction_export, name="satisfaction_export"),
]
