"""API authentication by personal token (SEC-4): ``Authorization: Token <key>``.

The header is the one DRF's TokenAuthentication reads, so clients keep working; the key
is looked up by its SHA-256 in accounts.ApiToken, and a revoked or expired token is
refused with a 401 that says which.
"""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from aftersales.accounts.models import ApiToken
from aftersales.accounts.services import hash_token_key

# last_used_at is written at most once per this interval per token: enough to see that a
# token is in use, without a write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        # The person's unit with them: their reach (ORG-3) reads it on every call (issue 7).
        token = (
            ApiToken.objects.select_related("user__org_unit")
            .filter(key_hash=hash_token_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                _("This API token was revoked. Issue a new one on the My account page.")
            )
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s. Issue a new one on the My account page.")
                % {"date": date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
            # Bookkeeping, not a change of business data: not audited.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return (token.user, token)
