"""Writes on organisation units, regions and people; each audited (SEC-1)."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import OrgUnit, Region, User
from aftersales.accounts.roles import ROLES_BY_CODE
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError


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


def issue_api_token(*, actor, user: User) -> str:
    """Give a person a new API token (the old one, if any, stops working)."""
    from rest_framework.authtoken.models import Token

    if actor.pk != user.pk:
        _require(actor, "accounts.change_user")
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        record(user, "accounts.user.api_token_issued", actor=actor, before={}, after={})
    return token.key


def revoke_api_token(*, actor, user: User) -> bool:
    from rest_framework.authtoken.models import Token

    if actor.pk != user.pk:
        _require(actor, "accounts.change_user")
    with transaction.atomic():
        deleted, _detail = Token.objects.filter(user=user).delete()
        if deleted:
            record(user, "accounts.user.api_token_revoked", actor=actor, before={}, after={})
    return bool(deleted)
