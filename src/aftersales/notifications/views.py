"""The inbox: a person's own notifications, unread first; reading one opens what it is about."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.notifications import services
from aftersales.notifications.models import Notification

PAGE_SIZE = 30


def inbox_queryset(user):
    """Own notifications, unread first, newest first within each."""
    return (
        Notification.objects.for_user(user)
        .annotate(
            read_flag=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
        )
        .order_by("read_flag", "-created_at", "-pk")
    )


@login_required
def inbox(request):
    page = Paginator(inbox_queryset(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page_obj": page, "notifications": page.object_list},
    )


def _safe(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_POST
def read(request, pk: int):
    """Mark one notification read; with ``open`` go on to the page it is about."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") and _safe(request, notification.url):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    count = services.mark_all_read(actor=request.user)
    messages.success(request, _("%(count)s notification(s) marked read.") % {"count": count})
    return redirect("notifications:inbox")
