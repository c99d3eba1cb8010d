"""Pages of the complaint register (CMP-1…CMP-5, FUP-4): the register form (also from a
survey's comments or a return visit's notes), market supervision's board, the complaint
page with its timeline and the actions the person may take, the reply PDF, and the
violations list with its Excel export (CMP-2).

Thin views: find the object within reach (403 outside, with the reason), validate a form,
call one service, redirect with a message; a refused input is shown again with status 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.audit.services import Counted, list_what, record_access
from aftersales.complaints import services, workflow
from aftersales.complaints.forms import ACTION_FORMS, BoardFilterForm, RegisterForm
from aftersales.complaints.models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintReply,
    ComplaintStatus,
    Violation,
)
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_any_perm

PAGE_SIZE = 50


def _complaint_for(request, pk: int) -> Complaint:
    complaint = get_object_or_404(
        Complaint.objects.select_related(
            "complaint_class",
            "org_unit",
            "customer",
            "order",
            "owner",
            "responsible",
            "survey",
            "return_visit",
            "created_by",
        ),
        pk=pk,
    )
    services.require_complaint_reach(request.user, complaint)
    return complaint


# --- register (CMP-3) ------------------------------------------------------------------------


def _linked(request, model, key: str, perm: str):
    """The survey / return visit named in the query or form, within the person's reach."""
    from aftersales.service.services import require_order_reach

    raw = request.POST.get(key) if request.method == "POST" else request.GET.get(key)
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404()
    found = get_object_or_404(model.objects.select_related("order"), pk=int(raw))
    require_any_perm(request.user, perm, workflow.ADD)
    if found.order_id is not None:
        require_order_reach(request.user, found.order_id)
    return found


def _order_by_number(user, number: str):
    from aftersales.service.models import ServiceOrder

    return ServiceOrder.objects.visible_to(user).filter(number=number.strip()).first()


def _customer_by_code(user, code: str):
    from aftersales.customers.models import Customer

    return Customer.objects.visible_to(user).filter(code=code.strip()).first()


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """CMP-3: register a complaint; ``?survey=<pk>`` or ``?return_visit=<pk>`` prefill the
    customer, order, channel and content and link the source."""
    from aftersales.followup.models import ReturnVisit, Survey

    require_any_perm(request.user, workflow.ADD)
    survey = _linked(request, Survey, "survey", "followup.view_survey")
    visit = _linked(request, ReturnVisit, "return_visit", "followup.view_returnvisit")
    prefill = {}
    if survey is not None:
        prefill = services.prefill_from_survey(request.user, survey)
    elif visit is not None:
        prefill = services.prefill_from_visit(request.user, visit)
    if request.method == "POST":
        form = RegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            order = customer = None
            if data["order_number"]:
                order = _order_by_number(request.user, data["order_number"])
                if order is None:
                    form.add_error("order_number", _("No service order with this number."))
            if data["customer_code"]:
                customer = _customer_by_code(request.user, data["customer_code"])
                if customer is None:
                    form.add_error("customer_code", _("No customer with this number."))
            if form.is_valid():
                try:
                    complaint = services.register_complaint(
                        actor=request.user,
                        channel=data["channel"],
                        kind=data["kind"],
                        complaint_class=data["complaint_class"],
                        severity=data["severity"] or None,
                        subject=data["subject"],
                        content=data["content"],
                        complainant_name=data["complainant_name"],
                        complainant_phone=data["complainant_phone"],
                        complainant_address=data["complainant_address"],
                        customer=customer,
                        order=order,
                        survey=survey,
                        return_visit=visit,
                        owner=data["owner"],
                        responsible=prefill.get("responsible"),
                        resolved_on_spot=data["resolved_on_spot"],
                        resolution=data["resolution"],
                        received_at=data["received_at"],
                    )
                except ServiceError as exc:
                    _service_error_on_register(form, exc)
                else:
                    messages.success(
                        request,
                        _("Complaint %(number)s registered; owner: %(owner)s.")
                        % {"number": complaint.number, "owner": complaint.owner},
                    )
                    return redirect("complaints:detail", pk=complaint.pk)
        status = 400
    else:
        initial = {
            key: value
            for key, value in prefill.items()
            if key not in ("customer", "order", "survey", "return_visit", "responsible")
        }
        if prefill.get("order") is not None:
            initial["order_number"] = prefill["order"].number
        if prefill.get("customer") is not None:
            initial["customer_code"] = prefill["customer"].code
        if survey is not None:
            initial["survey"] = survey.pk
        if visit is not None:
            initial["return_visit"] = visit.pk
        form = RegisterForm(initial=initial)
        status = 200
    return render(
        request,
        "complaints/complaint_form.html",
        {"form": form, "survey": survey, "visit": visit},
        status=status,
    )


def _service_error_on_register(form, exc: ServiceError) -> None:
    renamed = {"order": "order_number", "customer": "customer_code"}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = renamed.get(field, field)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
    else:
        form.add_error(None, exc)


# --- the board (CMP-3) -----------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request):
    """CMP-3: every complaint in reach to its resolution — counts per status, filters,
    overdue ones highlighted."""
    require_any_perm(request.user, workflow.VIEW)
    now = timezone.now()
    base = services.visible_complaints(request.user)
    filters = BoardFilterForm(request.GET, user=request.user)
    found = base
    params = ""
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            found = found.filter(
                Q(number__icontains=q)
                | Q(subject__icontains=q)
                | Q(complainant_name__icontains=q)
                | Q(complainant_phone__icontains=q)
                | Q(customer__name__icontains=q)
                | Q(order__number__icontains=q)
            )
        if data["status"] == "open":
            found = found.filter(status__in=OPEN_COMPLAINT_STATUSES)
        elif data["status"]:
            found = found.filter(status=data["status"])
        for field in ("severity", "channel"):
            if data[field]:
                found = found.filter(**{field: data[field]})
        if data["complaint_class"]:
            found = found.filter(complaint_class=data["complaint_class"])
        if data["unit"]:
            found = found.filter(org_unit_id__in=data["unit"].descendant_ids())
        if data["owner"]:
            found = found.filter(owner=data["owner"])
        report_late = Q(
            status__in=OPEN_COMPLAINT_STATUSES, reported_at__isnull=True, report_due_at__lt=now
        )
        resolve_late = Q(status__in=OPEN_COMPLAINT_STATUSES, resolve_due_at__lt=now)
        overdue = data["overdue"]
        if overdue == "report":
            found = found.filter(report_late)
        elif overdue == "resolve":
            found = found.filter(resolve_late)
        elif overdue == "any":
            found = found.filter(report_late | resolve_late)
        query = request.GET.copy()
        query.pop("page", None)
        params = query.urlencode()
    counts = dict(base.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    found = found.select_related("complaint_class", "owner", "org_unit", "customer").order_by(
        "-received_at", "-pk"
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "now": now,
            "status_counts": [
                (value, label, counts.get(value, 0)) for value, label in ComplaintStatus.choices
            ],
            "querystring_without_page": f"{params}&" if params else "",
            "can_register": services.may_register(request.user),
        },
    )


# --- the complaint page ----------------------------------------------------------------------


BUTTONS = {
    "assign": pgettext_lazy("complaint button", "Give to another owner"),
    "report": pgettext_lazy("complaint button", "Report to the company"),
    "investigate": pgettext_lazy("complaint button", "Record the cause and proposal"),
    "refer": pgettext_lazy("complaint button", "Refer to the complaint specialists"),
    "resolve": pgettext_lazy("complaint button", "Resolve"),
    "reply": pgettext_lazy("complaint button", "Add the written reply"),
    "close": pgettext_lazy("complaint button", "Close"),
    "reopen": pgettext_lazy("complaint button", "Reopen"),
}


def _detail_page(request, complaint: Complaint, failed: dict | None = None):
    failed = failed or {}
    user = request.user
    actions = []
    for name, form_class in ACTION_FORMS.items():
        if not workflow.may(complaint, name, user):
            continue
        refusal = ""
        try:
            workflow.require(complaint, name, user)
        except (ServiceError, PermissionDenied) as exc:
            refusal = " ".join(getattr(exc, "messages", [str(exc)]))
            if name != "close":
                continue  # e.g. already reported: nothing to offer
        form = failed.get(name) or form_class(prefix=name)
        actions.append({"name": name, "label": BUTTONS[name], "form": form, "refusal": refusal})
    notes = list(complaint.notes.select_related("by"))
    for note in notes:
        note.label = workflow.action_label(note.action)
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "now": timezone.now(),
            "notes": notes,
            "replies": complaint.replies.all(),
            "violations": complaint.violations.select_related("person"),
            "actions": actions,
            "failed": next(iter(failed), ""),
            "needs_reply": workflow.needs_written_reply(complaint),
            "can_see_violations": user.has_perm(workflow.VIEW_VIOLATIONS),
            "can_see_order": user.has_perm("service.view_serviceorder"),
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def complaint_detail(request, pk: int):
    require_any_perm(request.user, workflow.VIEW)
    complaint = _complaint_for(request, pk)
    record_access(request, "view", complaint)  # the complainant's details and words
    return _detail_page(request, complaint)


SUCCESS = {
    "assign": gettext_lazy("Complaint %(number)s given to %(owner)s."),
    "report": gettext_lazy("Complaint %(number)s reported to the company."),
    "investigate": gettext_lazy("Cause and proposal of %(number)s recorded."),
    "refer": gettext_lazy(
        "Complaint %(number)s referred to %(owner)s of the complaint specialists."
    ),
    "resolve": gettext_lazy("Complaint %(number)s resolved."),
    "reply": gettext_lazy("Written reply added to %(number)s."),
    "close": gettext_lazy("Complaint %(number)s closed."),
    "reopen": gettext_lazy("Complaint %(number)s reopened."),
}


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    """One step of the workflow: the action's form, then its service."""
    if action not in ACTION_FORMS:
        raise Http404()
    require_any_perm(request.user, workflow.VIEW)
    complaint = _complaint_for(request, pk)
    workflow.require_actor(complaint, action, request.user)
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        try:
            result = services.ACTIONS[action](
                actor=request.user, complaint=complaint, **form.cleaned_data
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            changed = result.complaint if isinstance(result, ComplaintReply) else result
            messages.success(
                request,
                str(SUCCESS[action]) % {"number": changed.number, "owner": changed.owner},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    return _detail_page(request, complaint, {action: form})


@login_required
@require_GET
@never_cache
def reply_pdf(request, pk: int):
    """CMP-4: the written reply (顾客来函处理回复单) as an A4 PDF."""
    from aftersales.complaints.reply_pdf import render_reply

    require_any_perm(request.user, workflow.VIEW)
    reply = get_object_or_404(ComplaintReply.objects.select_related("complaint"), pk=pk)
    services.require_complaint_reach(request.user, reply.complaint)
    record_access(request, "print", reply)
    response = HttpResponse(render_reply(reply), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{reply.number}.pdf"'
    return response


# --- violations (CMP-2) ----------------------------------------------------------------------


def visible_violations(user):
    """Violations of the complaints in reach (the list is for supervisors and finance)."""
    return Violation.objects.filter(
        Q(complaint__in=services.complaints_in_reach(user).values("pk"))
        | Q(complaint__isnull=True, person=user)
    )


@login_required
@require_GET
def violation_list(request):
    """CMP-2, STF-3: the violations recorded, with the fines; ``?format=xlsx`` exports."""
    require_any_perm(request.user, workflow.VIEW_VIOLATIONS)
    found = (
        visible_violations(request.user)
        .select_related("person__org_unit", "complaint")
        .order_by("-occurred_at", "-pk")
    )
    person = request.GET.get("person", "")
    if person.isdigit():
        found = found.filter(person_id=int(person))
    if request.GET.get("format") == "xlsx":
        return _violations_xlsx(request, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/violation_list.html",
        {
            "page_obj": page,
            "querystring_without_page": f"person={person}&" if person.isdigit() else "",
            "person": person,
        },
    )


def _violations_xlsx(request, found):
    from aftersales.core import excel

    rows = Counted(found.iterator(chunk_size=500))
    wb = excel.new_workbook()
    excel.add_sheet(
        wb,
        _("Violations"),
        [
            _("Occurred at"),
            _("Person"),
            pgettext("organisation", "Unit"),
            _("Rule"),
            _("As the responsible head"),
            _("Occurrence"),
            _("Fine (CNY)"),
            _("Dismissal proposed"),
            _("Complaint"),
            _("Description"),
        ],
        (
            [
                timezone.localtime(v.occurred_at).strftime("%Y-%m-%d %H:%M"),
                str(v.person),
                str(v.person.org_unit or ""),
                v.rule_id,
                _("yes") if v.as_head else _("no"),
                v.occurrence,
                v.fine,
                _("yes") if v.dismissal_proposed else _("no"),
                v.complaint.number if v.complaint else "",
                v.description,
            ]
            for v in rows
        ),
    )
    # Fines of named people (STF-3): a confidential list, logged like the others.
    record_access(request, "export", what=list_what(_("Violations"), rows.count, request))
    return excel.xlsx_response(wb, f"violations-{timezone.localdate():%Y%m%d}.xlsx")


urlpatterns = [
    path("", complaint_list, name="list"),
    path("new/", complaint_new, name="new"),
    path("<int:pk>/", complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", complaint_action, name="action"),
    path("replies/<int:pk>/pdf/", reply_pdf, name="reply_pdf"),
    path("violations/", violation_list, name="violation_list"),
]
