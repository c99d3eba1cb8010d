from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _


@login_required
def home(request):
    return render(request, "core/home.html")


def permission_denied(request, exception=None):
    """403 that says why (ORG-3): the reason given by the check that refused."""
    reason = ""
    if exception is not None and exception.args:
        reason = str(exception.args[0])
    if not reason:
        reason = _("Your roles do not include the right to open this page.")
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
