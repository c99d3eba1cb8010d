"""Pages of the return visits and follow-up cases (FUP-1, FUP-5): customer service's call
queue, the call screen with the order's facts and the script, the follow-up cases and
their resolution.

Thin views: find the object within reach (403 outside, with the reason), validate a form,
call one service of ``followup.visits``, redirect with a message. A refused input is shown
on the page the person was on, with status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.accounts.models import OrgUnit
from aftersales.audit.services import record_access
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_any_perm
from aftersales.followup import visits
from aftersales.followup.models import CaseStatus, FollowupCase, ReturnVisit, VisitStatus
from aftersales.followup.visit_forms import (
    CaseFilterForm,
    ReassignCaseForm,
    ResolveCaseForm,
    VisitCallForm,
    VisitFilterForm,
)

PAGE_SIZE = 50


def _visit_for(request, pk: int) -> ReturnVisit:
    visit = get_object_or_404(
        ReturnVisit.objects.select_related(
            "order__customer",
            "order__technician",
            "order__org_unit",
            "order__unit__product_model",
            "done_by",
        ),
        pk=pk,
    )
    visits.require_visit_reach(request.user, visit)
    return visit


def _case_for(request, pk: int) -> FollowupCase:
    case = get_object_or_404(
        FollowupCase.objects.select_related(
            "order__customer", "order__org_unit", "visit", "owner", "resolved_by"
        ),
        pk=pk,
    )
    if not visits.may_see_case(request.user, case):
        raise PermissionDenied(
            _("This case belongs to another organisation unit outside your reach.")
        )
    return case


# --- the queue -------------------------------------------------------------------------------


@login_required
@require_GET
def visit_queue(request):
    """FUP-1: the visits to call now first (overdue ones flagged), then the later retries;
    or the finished ones, newest first."""
    require_any_perm(request.user, visits.VIEW_VISITS)
    units = OrgUnit.objects.visible_to(request.user).order_by("code")
    filters = VisitFilterForm(request.GET, units=units)
    state, overdue, unit = "due", False, None
    if filters.is_valid():
        state = filters.cleaned_data["state"] or "due"
        overdue = filters.cleaned_data["overdue"]
        unit = filters.cleaned_data["unit"]
    now = timezone.now()
    found = visits.visits_visible_to(request.user).select_related(
        "order__customer", "order__org_unit", "order__technician", "done_by"
    )
    if unit is not None:
        found = found.filter(order__org_unit=unit)
    if overdue:
        # Due ones past their time, or finished ones done late.
        found = found.filter(Q(status=VisitStatus.DUE, due_at__lt=now) | Q(late=True))
    context = {"filters": filters, "now": now, "state": state}
    query = {k: v for k, v in {"state": state, "unit": unit.pk if unit else ""}.items() if v}
    if overdue:
        query["overdue"] = "on"
    context["querystring_without_page"] = urlencode(query) + "&" if query else ""
    if state == "done":
        done = found.exclude(status=VisitStatus.DUE).order_by("-done_at", "-pk")
        context["page_obj"] = Paginator(done, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        due = found.filter(status=VisitStatus.DUE)
        context["call_now"] = list(due.filter(next_call_at__lte=now).order_by("due_at", "pk"))
        later = due.filter(next_call_at__gt=now).order_by("next_call_at", "pk")
        context["page_obj"] = Paginator(later, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "followup/visit_queue.html", context)


# --- the call screen -------------------------------------------------------------------------


def _call_form(visit: ReturnVisit, data=None) -> VisitCallForm:
    order = visit.order
    return VisitCallForm(
        data,
        questions=visits.script_for(order),
        owners=visits.case_owner_candidates(order),
        default_owner=visits.default_case_owner(order),
        auto_id="id_call_%s",
    )


def _call_screen(request, visit: ReturnVisit, form: VisitCallForm | None = None):
    from aftersales.charges.sheet import charge_sheet

    user = request.user
    order = visit.order
    can_call = visit.status == VisitStatus.DUE and user.has_perm(visits.CALL_VISITS)
    if form is None and can_call:
        form = _call_form(visit)
    return render(
        request,
        "followup/visit_detail.html",
        {
            "visit": visit,
            "order": order,
            "sheet": charge_sheet(order),
            "calls": list(visit.calls.select_related("called_by")),
            "cases": list(visit.cases.select_related("owner")),
            "form": form,
            "can_call": can_call,
            "overdue": visit.status == VisitStatus.DUE and visit.due_at < timezone.now(),
            "max_calls": visits.max_calls(),
            "can_see_order": user.has_perm("service.view_serviceorder"),
            "can_complain": user.has_perm("complaints.add_complaint"),
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
@require_GET
def visit_detail(request, pk: int):
    """FUP-1: the call screen — the order's facts, the script, the outcome buttons and the
    calls made so far."""
    require_any_perm(request.user, visits.VIEW_VISITS, visits.CALL_VISITS)
    visit = _visit_for(request, pk)
    record_access(request, "view", visit)  # CUS-8: call logs are secret
    return _call_screen(request, visit)


@login_required
@require_GET
def visit_pdf(request, pk: int):
    """FUP-1, RPT-1: the return-visit survey (回访调查表) for the paper file."""
    from aftersales.followup.visit_pdf import render_visit

    require_any_perm(request.user, visits.VIEW_VISITS, visits.CALL_VISITS)
    visit = _visit_for(request, pk)
    record_access(request, "print", visit)
    response = HttpResponse(render_visit(visit), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{visit.order.number}-visit.pdf"'
    return response


@login_required
@require_POST
def visit_call(request, pk: int):
    """FUP-1, FUP-5: record one call and its outcome."""
    require_any_perm(request.user, visits.CALL_VISITS)
    visit = _visit_for(request, pk)
    form = _call_form(visit, request.POST)
    if form.is_valid():
        try:
            done = visits.record_call(actor=request.user, visit=visit, **form.service_arguments())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            _said_done(request, done)
            if done.status == VisitStatus.DUE:
                return redirect("followup:visit_queue")
            return redirect("followup:visit_detail", pk=done.pk)
    return _call_screen(request, visit, form)


def _said_done(request, visit: ReturnVisit) -> None:
    number = visit.order.number
    if visit.status == VisitStatus.DUE:
        when = timezone.localtime(visit.next_call_at).strftime("%Y-%m-%d %H:%M")
        messages.success(
            request,
            _("No answer from the customer of %(order)s: call again at %(when)s.")
            % {"order": number, "when": when},
        )
        return
    text = _("Return visit of %(order)s recorded: %(outcome)s.") % {
        "order": number,
        "outcome": visit.get_status_display(),
    }
    case = visit.cases.first()
    if case is not None:
        text += " " + _("Follow-up case %(case)s opened for %(owner)s.") % {
            "case": case.number,
            "owner": case.owner,
        }
    order = visit.order
    order.refresh_from_db(fields=["status"])
    if order.status == "closed":
        text += " " + _("The order is closed.")
    messages.success(request, text)


# --- follow-up cases -------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request):
    """FUP-5: the follow-up cases in reach (and one's own), open ones first by deadline."""
    require_any_perm(request.user, visits.VIEW_CASES)
    filters = CaseFilterForm(request.GET)
    found = visits.cases_visible_to(request.user).select_related(
        "order__customer", "owner", "order__org_unit"
    )
    query = {}
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            found = found.filter(status=filters.cleaned_data["status"])
            query["status"] = filters.cleaned_data["status"]
        if filters.cleaned_data["mine"]:
            found = found.filter(owner=request.user)
            query["mine"] = "on"
    found = found.order_by("status", "due_at", "pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/case_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "now": timezone.now(),
            "querystring_without_page": urlencode(query) + "&" if query else "",
        },
    )


def _case_page(request, case: FollowupCase, failed: dict | None = None):
    failed = failed or {}
    user = request.user
    is_open = case.status == CaseStatus.OPEN
    can_reassign = is_open and user.has_perm(visits.RESOLVE_CASES)
    owners = visits.case_owner_candidates(case.order) if can_reassign else []
    return render(
        request,
        "followup/case_detail.html",
        {
            "case": case,
            "order": case.order,
            "can_resolve": is_open and visits.may_resolve(user, case),
            "can_reassign": can_reassign,
            "resolve_form": failed.get("resolve") or ResolveCaseForm(auto_id="id_resolve_%s"),
            "reassign_form": failed.get("reassign")
            or ReassignCaseForm(owners=owners, auto_id="id_reassign_%s"),
            "overdue": is_open and case.due_at < timezone.now(),
            "can_see_order": user.has_perm("service.view_serviceorder"),
            "can_see_visit": case.visit_id and user.has_perm(visits.VIEW_VISITS),
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def case_detail(request, pk: int):
    """FUP-5: the case, its original order and visit; resolve or hand it on."""
    case = _case_for(request, pk)
    record_access(request, "view", case)
    return _case_page(request, case)


@login_required
@require_POST
def case_resolve(request, pk: int):
    """FUP-5: the owner records what was done for the customer."""
    case = _case_for(request, pk)
    if not visits.may_resolve(request.user, case):
        raise PermissionDenied(
            _("Only the case's owner or someone with the right “%(perm)s” may resolve it.")
            % {"perm": visits.RESOLVE_CASES}
        )
    form = ResolveCaseForm(request.POST, auto_id="id_resolve_%s")
    if form.is_valid():
        try:
            visits.resolve_case(actor=request.user, case=case, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Case %(number)s resolved.") % {"number": case.number})
            return redirect("followup:case_detail", pk=case.pk)
    return _case_page(request, case, {"resolve": form})


@login_required
@require_POST
def case_reassign(request, pk: int):
    """FUP-5: hand an open case to another owner."""
    require_any_perm(request.user, visits.RESOLVE_CASES)
    case = _case_for(request, pk)
    form = ReassignCaseForm(
        request.POST, owners=visits.case_owner_candidates(case.order), auto_id="id_reassign_%s"
    )
    if form.is_valid():
        try:
            case = visits.reassign_case(
                actor=request.user,
                case=case,
                owner=form.cleaned_data["case_owner"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Case %(number)s handed to %(owner)s.")
                % {"number": case.number, "owner": case.owner},
            )
            return redirect("followup:case_detail", pk=case.pk)
    return _case_page(request, case, {"reassign": form})


urlpatterns = [
    path("return-visits/", visit_queue, name="visit_queue"),
    path("return-visits/<int:pk>/", visit_detail, name="visit_detail"),
    path("return-visits/<int:pk>/call/", visit_call, name="visit_call"),
    path("return-visits/<int:pk>/pdf/", visit_pdf, name="visit_pdf"),
    path("cases/", case_list, name="case_list"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/resolve/", case_resolve, name="case_resolve"),
    path("cases/<int:pk>/reassign/", case_reassign, name="case_reassign"),
]
