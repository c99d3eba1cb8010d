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


class ReachDeniedMixin:
    """ORG-3: a record that exists but lies outside the caller's reach (the viewset's
    queryset) is a 403 that says why, never a 404 that hides the reason."""

    def get_object(self):
        from django.http import Http404

        try:
            return super().get_object()
        except Http404:
            model = self.get_queryset().model
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if not (str(lookup).isdigit() and model._default_manager.filter(pk=lookup).exists()):
                raise
        reason = _("%(object)s belongs to another organisation unit or region outside your reach.")
        raise exceptions.PermissionDenied(reason % {"object": model._meta.verbose_name})
