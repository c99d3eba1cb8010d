"""Sales-lead pages (SVC-9): the list in reach, the lead with its next steps, recording a
lead from a service order, and the reporter's information fees.

Thin views: find the lead for this person, validate a form, call one service, render or
redirect. The services check every rule and write the audit trail.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.audit.services import record_access
from aftersales.core.exceptions import ServiceError
from aftersales.core.listing import ReachListView
from aftersales.leads import services, workflow
from aftersales.leads.filtersets import LeadFilter
from aftersales.leads.forms import ContactForm, LeadForm, LoseForm, WinForm
from aftersales.leads.models import Lead
from aftersales.leads.selectors import LEAD_RELATED, fees_of, require_readable
from aftersales.service.models import ServiceOrder


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perm}
        )


def _lead_for(request, pk: int) -> Lead:
    """The lead if it exists and the person may read it; else 404 / 403 with the reason."""
    lead = get_object_or_404(Lead.objects.select_related(*LEAD_RELATED), pk=pk)
    require_readable(request.user, lead)
    return lead


class LeadListView(ReachListView):
    """The leads in reach, newest first; sales works the new ones."""

    model = Lead
    permission_required = "leads.view_lead"
    filterset_class = LeadFilter
    template_name = "leads/lead_list.html"
    select_related = LEAD_RELATED

    def get_queryset(self):
        return super().get_queryset().order_by("-created_at", "-pk")


# action → form; every transition of the workflow has one.
ACTIONS = {"contact": ContactForm, "win": WinForm, "lose": LoseForm}
assert set(ACTIONS) == set(workflow.TRANSITIONS), "every transition has a form"

# action → (button label, icon, button style)
ACTION_BUTTONS = {
    "contact": (gettext_lazy("Take up"), "telephone", "primary"),
    "win": (gettext_lazy("Won"), "trophy", "success"),
    "lose": (gettext_lazy("Lost"), "x-circle", "outline-danger"),
}


def _action_form(action: str, lead: Lead, data=None):
    return ACTIONS[action](data, lead=lead, auto_id=f"id_{action}_%s")


def _detail(request, lead: Lead, failed: tuple[str, object] | None = None):
    """The lead page; ``failed`` is (action, bound form) of a refused action."""
    available = workflow.actions_for(lead, request.user)
    failed_action, failed_form = failed or (None, None)
    panels = []
    for action in available:
        label, icon, style = ACTION_BUTTONS[action]
        form = failed_form if action == failed_action else _action_form(action, lead)
        panels.append(
            {
                "action": action,
                "form": form,
                "label": label,
                "icon": icon,
                "style": style,
                "failed": action == failed_action,
            }
        )
    refused = None
    if failed_form is not None and failed_action not in available:
        refused = [str(e) for e in failed_form.non_field_errors()] + [
            str(e) for name, errs in failed_form.errors.items() if name != "__all__" for e in errs
        ]
    user = request.user
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "actions": panels,
            "refused": refused,
            "can_list": user.has_perm("leads.view_lead"),
            "can_see_order": user.has_perm("service.view_serviceorder")
            and ServiceOrder.objects.visible_to(user).filter(pk=lead.order_id).exists(),
        },
    )


@login_required
def lead_detail(request, pk: int):
    lead = _lead_for(request, pk)
    record_access(request, "view", lead)  # CUS-8: customer development tracking
    return _detail(request, lead)


@login_required
@require_POST
def lead_action(request, pk: int, action: str):
    """One workflow step: the action's form, then its one service."""
    if action not in ACTIONS:
        raise Http404(action)
    lead = _lead_for(request, pk)
    form = _action_form(action, lead, request.POST)
    if form.is_valid():
        try:
            services.perform(action, actor=request.user, lead=lead, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Lead %(number)s was %(action)s.")
                % {"number": lead.number, "action": workflow.action_label(action)},
            )
            return redirect("leads:lead_detail", pk=lead.pk)
    return _detail(request, lead, failed=(action, form))


@login_required
def lead_create(request, order_pk: int):
    """SVC-9: record the purchase intent heard on this service order."""
    _require_perm(request.user, "leads.add_lead")
    order = get_object_or_404(ServiceOrder.objects.select_related("customer"), pk=order_pk)
    if not services.can_record(request.user, order):
        raise PermissionDenied(
            _("This order belongs to another organisation unit outside your reach.")
        )
    form = LeadForm(request.POST or None, auto_id="id_lead_%s")
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.record_lead(actor=request.user, order=order, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Sales lead %(number)s was recorded and passed to sales.")
                % {"number": lead.number},
            )
            return redirect("service:order_detail", pk=order.pk)
    return render(request, "leads/lead_form.html", {"form": form, "order": order})


@login_required
def my_fees(request):
    """SVC-9: the reporter's won leads with the information fee of each and the total, and
    the leads still open."""
    _require_perm(request.user, "leads.add_lead")
    return render(request, "leads/my_fees.html", fees_of(request.user))
