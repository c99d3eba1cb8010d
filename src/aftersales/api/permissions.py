from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions


class ModelPermissions(permissions.DjangoModelPermissions):
    """Role permissions per method, reading included; a denial says which right is missing."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        allowed = super().has_permission(request, view)
        if not allowed and request.user and request.user.is_authenticated:
            queryset = self._queryset(view)
            perms = self.get_required_permissions(request.method, queryset.model)
            raise exceptions.PermissionDenied(
                _("Your roles do not include the right “%(perm)s”.") % {"perm": ", ".join(perms)}
            )
        return allowed
