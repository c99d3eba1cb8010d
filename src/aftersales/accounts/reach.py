"""Reach (ORG-3): which organisation units' records a person may see.

Every list starts from ``Model.objects.visible_to(user)``; those querysets ask
``reach_of(user)`` and filter on the record's owning unit (and region).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from aftersales.accounts.roles import ROLES_BY_CODE


@dataclass(frozen=True)
class Reach:
    everything: bool = False
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    region_ids: frozenset[int] = field(default_factory=frozenset)


def reach_of(user) -> Reach:
    if user is None or not user.is_authenticated or not user.is_active:
        return Reach()
    cached = getattr(user, "_aftersales_reach", None)
    if cached is not None:
        return cached
    reach = _compute(user)
    user._aftersales_reach = reach
    return reach


def _compute(user) -> Reach:
    if user.is_superuser:
        return Reach(everything=True)
    unit = user.org_unit
    wide_role = any(ROLES_BY_CODE[c].wide_reach for c in user.role_codes)
    # HQ roles see all; a wide role held by a branch person still sees only the branch.
    if wide_role and unit is not None and unit.is_headquarters:
        return Reach(everything=True)
    unit_ids = frozenset(unit.descendant_ids()) if unit else frozenset()
    region_ids: set[int] = set()
    if user.region_id:
        from aftersales.accounts.models import Region

        frontier = [user.region_id]
        region_ids.add(user.region_id)
        while frontier:
            frontier = list(
                Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            region_ids.update(frontier)
    return Reach(unit_ids=unit_ids, region_ids=frozenset(region_ids))


def require_reach(user, obj, queryset) -> None:
    """403 with the reason when obj is outside the user's reach."""
    if not queryset.visible_to(user).filter(pk=obj.pk).exists():
        raise PermissionDenied(
            _("%(object)s belongs to another organisation unit or region outside your reach.")
            % {"object": obj._meta.verbose_name}
        )
