"""Writes on organisation units, regions and people; each audited (SEC-1). Sign-in lockout
and API tokens (SEC-4)."""

import datetime as dt
import hashlib
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftersales.accounts.models import ApiToken, LoginThrottle, OrgUnit, Region, User
from aftersales.accounts.roles import ROLES_BY_CODE
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_perm
from aftersales.core.validators import checked_text

security_log = logging.getLogger("aftersales.security")


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def org_unit_placement_errors(unit: OrgUnit) -> dict[str, str]:
    """ORG-1: only HQ stands at the top of the tree, and the tree has no loops.

    Used by save_org_unit and by the admin site's form, so both refuse the same things.
    """
    if unit.kind != OrgUnit.Kind.HQ and unit.parent_id is None:
        return {"parent": _("Only headquarters can stand at the top of the tree.")}
    if unit.pk and unit.parent_id and unit.parent_id in unit.descendant_ids():
        return {"parent": _("A unit cannot be placed under itself.")}
    return {}


def save_org_unit(*, actor, unit: OrgUnit | None = None, **fields) -> OrgUnit:
    """Create (unit=None) or change an organisation unit."""
    _require(actor, "accounts.change_orgunit" if unit else "accounts.add_orgunit")
    with transaction.atomic():
        if unit is None:
            unit, before, action = OrgUnit(created_by=actor), {}, "accounts.orgunit.created"
        else:
            unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
            before, action = snapshot(unit), "accounts.orgunit.changed"
        for name, value in fields.items():
            setattr(unit, name, value)
        errors = org_unit_placement_errors(unit)
        if errors:
            raise ServiceError(errors)
        unit.updated_by = actor
        unit.full_clean()
        unit.save()
        record(unit, action, actor=actor, before=before)
    return unit


def save_region(*, actor, region: Region | None = None, **fields) -> Region:
    _require(actor, "accounts.change_region" if region else "accounts.add_region")
    with transaction.atomic():
        if region is None:
            region, before, action = Region(created_by=actor), {}, "accounts.region.created"
        else:
            region = Region.objects.select_for_update().get(pk=region.pk)
            before, action = snapshot(region), "accounts.region.changed"
        for name, value in fields.items():
            setattr(region, name, value)
        region.updated_by = actor
        region.full_clean()
        region.save()
        record(region, action, actor=actor, before=before)
    return region


def create_user(
    *,
    actor,
    username: str,
    password: str | None,
    roles: list[str],
    org_unit: OrgUnit | None,
    region: Region | None = None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a person's account with their roles (ORG-2)."""
    _require(actor, "accounts.add_user")
    unknown = set(roles) - set(ROLES_BY_CODE)
    if unknown:
        raise ServiceError({"roles": _("Unknown role: %(codes)s") % {"codes": ", ".join(unknown)}})
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ServiceError({"username": _("This user name is taken.")})
        user = User(
            username=username,
            display_name=display_name,
            org_unit=org_unit,
            region=region,
            phone=phone,
            email=email,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        record(user, "accounts.user.created", actor=actor, note=", ".join(sorted(roles)))
    return user


def set_user_roles(*, actor, user: User, roles: list[str]) -> User:
    _require(actor, "accounts.change_user")
    unknown = set(roles) - set(ROLES_BY_CODE)
    if unknown:
        raise ServiceError({"roles": _("Unknown role: %(codes)s") % {"codes": ", ".join(unknown)}})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old = sorted(user.groups.values_list("name", flat=True))
        user.groups.set(Group.objects.filter(name__in=roles))
        record(
            user,
            "accounts.user.roles_changed",
            actor=actor,
            before={"roles": old},
            after={"roles": sorted(roles)},
        )
    return user


def set_user_language(*, actor, user: User, language: str) -> User:
    """A person picks their own interface language."""
    if actor.pk != user.pk:
        _require(actor, "accounts.change_user")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(user)
        user.language = language
        user.full_clean(exclude=["password"])
        user.save(update_fields=["language"])
        record(user, "accounts.user.language_changed", actor=actor, before=before)
    return user


# --- sign-in lockout (SEC-4) ------------------------------------------------------------
# Counted by the authentication backend (accounts/backends.py), so the login page, the
# admin site's login and the API token endpoint all share one count.


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _address_key(address: str) -> str:
    """The counted form of a client address: an IPv6 client by its /64 network (one host
    or household usually holds a whole /64), an IPv4 one as is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:150]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _counted_keys(username: str, address: str) -> list[tuple[str, str, int]]:
    """(scope, key, most failures allowed) for each count a sign-in attempt falls under."""
    keys = []
    if username:
        keys.append(
            (
                LoginThrottle.Scope.USERNAME,
                username[:150],
                _setting("AFTERSALES_LOGIN_MAX_FAILURES", 5),
            )
        )
    if address:
        keys.append(
            (
                LoginThrottle.Scope.ADDRESS,
                _address_key(address),
                _setting("AFTERSALES_LOGIN_MAX_FAILURES_PER_ADDRESS", 30),
            )
        )
    return [(scope, key, limit) for scope, key, limit in keys if limit > 0]


@dataclass(frozen=True)
class LoginRefusal:
    """Why sign-in is refused now, and for how many more seconds."""

    message: str
    seconds: int


def login_refusal(username: str, address: str = "", now=None) -> LoginRefusal | None:
    """The refusal while the user name or the client address is locked, else None.

    The same answer whether or not a person has this user name.
    """
    now = now or timezone.now()
    keys = _counted_keys(username or "", address or "")
    if not keys:
        return None
    match = Q()
    for scope, key, _limit in keys:
        match |= Q(scope=scope, key=key)
    locks = list(LoginThrottle.objects.filter(match, locked_until__gt=now))
    if not locks:
        return None
    seconds = max(math.ceil((t.locked_until - now).total_seconds()) for t in locks)
    minutes = max(1, math.ceil(seconds / 60))
    if any(t.scope == LoginThrottle.Scope.USERNAME for t in locks):
        message = ngettext(
            "Too many failed sign-ins with this user name: it is locked for %(minutes)d more "
            "minute. Try again later, or ask an administrator to unlock it.",
            "Too many failed sign-ins with this user name: it is locked for %(minutes)d more "
            "minutes. Try again later, or ask an administrator to unlock it.",
            minutes,
        ) % {"minutes": minutes}
    else:
        message = ngettext(
            "Too many failed sign-ins from your network: signing in from here is paused for "
            "%(minutes)d more minute. Try again later, or ask an administrator.",
            "Too many failed sign-ins from your network: signing in from here is paused for "
            "%(minutes)d more minutes. Try again later, or ask an administrator.",
            minutes,
        ) % {"minutes": minutes}
    return LoginRefusal(message=message, seconds=seconds)


def note_login_failure(username: str, address: str = "", now=None) -> bool:
    """Count a failed sign-in for the user name and the client address; lock either one
    that reaches its limit within the window. True when this failure locked something."""
    now = now or timezone.now()
    window = dt.timedelta(minutes=_setting("AFTERSALES_LOGIN_FAILURE_WINDOW_MINUTES", 15))
    lockout = dt.timedelta(minutes=_setting("AFTERSALES_LOGIN_LOCKOUT_MINUTES", 15))
    locked_any = False
    with transaction.atomic():
        for scope, key, limit in _counted_keys(username or "", address or ""):
            row, _created = LoginThrottle.objects.select_for_update().get_or_create(
                scope=scope, key=key
            )
            if row.is_locked(now):
                continue  # refused before the password was checked: nothing to count
            before = snapshot(row)
            if row.window_started_at is None or row.window_started_at <= now - window:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            row.last_failure_at = now
            locking = row.failures >= limit
            if locking:
                # A fresh count starts when the lock ends.
                row.locked_until, row.locks = now + lockout, row.locks + 1
                row.failures, row.window_started_at = 0, None
            row.save()
            if locking:
                locked_any = True
                record(
                    row,
                    "accounts.login.locked",
                    actor=None,
                    before=before,
                    note=f"{limit} failures within {window}; locked for {lockout}",
                )
                security_log.warning("sign-in locked: %s %s", scope, key)
    return locked_any


def note_login_success(username: str) -> None:
    """A correct password resets the user name's count (not the address's: one account
    of one's own must not reset the count of a spray across other names)."""
    LoginThrottle.objects.filter(
        scope=LoginThrottle.Scope.USERNAME, key=(username or "")[:150], failures__gt=0
    ).update(failures=0, window_started_at=None)


def unlock_login(*, actor, throttle: LoginThrottle) -> bool:
    """An administrator lifts a lock before it ends. False when it was not locked."""
    require_perm(actor, "accounts.unlock_login")
    now = timezone.now()
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
        if not row.is_locked(now):
            return False
        before = snapshot(row)
        row.locked_until, row.failures, row.window_started_at = None, 0, None
        row.save()
        record(row, "accounts.login.unlocked", actor=actor, before=before)
    return True


def unlock_user_login(*, actor, user: User) -> bool:
    """Lift the lock on a person's user name, if there is one."""
    require_perm(actor, "accounts.unlock_login")
    rows = LoginThrottle.objects.filter(scope=LoginThrottle.Scope.USERNAME, key=user.username)
    return any([unlock_login(actor=actor, throttle=row) for row in rows])


def prune_login_throttles(now=None) -> int:
    """Forget counts nobody needs any more: not locked and no failure within the window
    (locks stay in the audit trail). Run by the periodic sweep."""
    now = now or timezone.now()
    window = dt.timedelta(minutes=_setting("AFTERSALES_LOGIN_FAILURE_WINDOW_MINUTES", 15))
    deleted, _detail = (
        LoginThrottle.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .filter(Q(last_failure_at__isnull=True) | Q(last_failure_at__lte=now - window))
        .delete()
    )
    return deleted


# --- API tokens (SEC-4) -------------------------------------------------------------------

# More than this many active tokens for one person is a program asking for a new token on
# every run: refused, so tokens do not pile up.
MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX_LENGTH = 8


def hash_token_key(key: str) -> str:
    """What is stored of a key: its SHA-256 (a key has 240 random bits, so a plain hash is
    enough; a slow password hash would only slow down every API call)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _token_snapshot(token: ApiToken) -> dict:
    data = snapshot(token)
    data.pop("key_hash", None)
    return data


def issue_api_token(
    *, actor, user: User, name: str = "", days: int | None = None, now=None
) -> tuple[ApiToken, str]:
    """A new API token for a person (their own, or anyone's with accounts.change_user).

    Returns the token and its key; the key is not stored and cannot be shown again.
    """
    if actor.pk != user.pk:
        _require(actor, "accounts.change_user")
    name = checked_text(name, "name", 100)
    days = days or _setting("AFTERSALES_API_TOKEN_DAYS", 90)
    now = now or timezone.now()
    with transaction.atomic():
        # The person's row is the lock that keeps the count of active tokens honest.
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise ServiceError({"user": _("This account is deactivated.")})
        if ApiToken.objects.filter(user=user).active(now).count() >= MAX_ACTIVE_TOKENS:
            raise ServiceError(
                {
                    "name": _(
                        "You already have %(count)d active API tokens, the most one person "
                        "may have. Revoke one you no longer use first."
                    )
                    % {"count": MAX_ACTIVE_TOKENS}
                }
            )
        key = secrets.token_urlsafe(30)  # 40 characters, 240 random bits
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=key[:TOKEN_PREFIX_LENGTH],
            key_hash=hash_token_key(key),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record(
            token,
            "accounts.apitoken.issued",
            actor=actor,
            after=_token_snapshot(token),
            note=user.get_username(),
        )
    return token, key


def revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    """Stop a token from working: one's own, or anyone's with accounts.revoke_apitoken."""
    if actor.pk != token.user_id:
        require_perm(actor, "accounts.revoke_apitoken")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        before = _token_snapshot(token)
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        record(
            token,
            "accounts.apitoken.revoked",
            actor=actor,
            before=before,
            after=_token_snapshot(token),
            note=token.user.get_username(),
        )
    return token


def revoke_all_api_tokens(*, actor, user: User) -> int:
    """Revoke every active token of a person; the number revoked."""
    tokens = list(ApiToken.objects.filter(user=user).active())
    for token in tokens:
        revoke_api_token(actor=actor, token=token)
    return len(tokens)
