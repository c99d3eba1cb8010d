"""Password sign-in with lockout (SEC-4).

Every password check goes through ``authenticate()`` and so through this backend: the
login page, the admin site's login and the API token endpoint. A locked user name or
client address is refused before the password is looked at (the same, quick answer
whether or not the person exists); a wrong password is counted; a right one resets the
user name's count.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from aftersales.accounts import services
from aftersales.core.ratelimit import client_ip


def request_address(request) -> str:
    return client_ip(request) if request is not None else ""


class LockoutModelBackend(ModelBackend):
    def get_user(self, user_id):
        """The signed-in person of a session, with their unit: their reach (ORG-3) reads it
        on every request (issue 7: one query, not two)."""
        try:
            user = get_user_model()._default_manager.select_related("org_unit").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        """Django's, with the person's rights and roles read in one query (User.load_grants),
        kept on the request's user object only — never across requests."""
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and not user_obj.is_superuser
            and not hasattr(user_obj, f"_{from_name}_perm_cache")
            and hasattr(user_obj, "load_grants")
        ):
            user_obj.load_grants()
        return super()._get_permissions(user_obj, obj, from_name)

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = str(username)
        address = request_address(request)
        if services.login_refusal(username, address):
            # Stops every backend; the form and the token endpoint then say why.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.note_login_failure(username, address)
        else:
            services.note_login_success(username)
        return user
