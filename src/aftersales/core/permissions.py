"""The one check of a person's rights, for services and pages alike: a 403 that names the
right that is missing (ORG-2)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_perm(actor, perm: str) -> None:
    """PermissionDenied unless ``actor`` is signed in and holds ``perm``."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm(perm)):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def require_any_perm(user, *perms: str) -> None:
    """For a page several roles use: PermissionDenied naming the first right unless the
    user holds one of ``perms``."""
    if not (getattr(user, "is_authenticated", False) and any(user.has_perm(p) for p in perms)):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s” that this page needs.")
            % {"perm": perms[0]}
        )
