import pytest
from django.contrib.auth.models import Group

from aftersales.accounts.models import OrgUnit, User
from aftersales.accounts.reach import reach_of
from aftersales.accounts.roles import ROLES

pytestmark = pytest.mark.django_db


def test_org_2_one_group_per_role_exists_after_migrate():
    codes = {r.code for r in ROLES}
    assert codes <= set(Group.objects.values_list("name", flat=True))
    # ORG-2's eighteen roles and the sales office clerk of the exchange chain (EXC-1).
    assert len(codes) == 19


def test_org_2_roles_carry_their_permissions():
    admin = Group.objects.get(name="administrator")
    assert admin.permissions.filter(codename="view_auditentry").exists()
    tech = Group.objects.get(name="technician")
    assert not tech.permissions.filter(codename="view_auditentry").exists()


def test_org_1_tree_has_hq_departments_branches_and_service_centre(org):
    units = org["units"]
    assert units["HQ"].kind == OrgUnit.Kind.HQ
    assert units["HQ-FIN"].parent == units["HQ"]
    assert units["SC-NB"].kind == OrgUnit.Kind.SERVICE_CENTRE
    assert units["HQ"].descendant_ids() >= {units["BR-HZ"].pk, units["SC-NB"].pk}


def test_org_3_hq_role_sees_everything(people):
    assert reach_of(people["agent"]).everything


def test_org_3_branch_manager_sees_own_branch_and_its_service_centre(people, org):
    reach = reach_of(people["branch_manager"])
    assert not reach.everything
    assert {org["units"]["BR-HZ"].pk, org["units"]["SC-NB"].pk} <= reach.unit_ids
    assert org["units"]["BR-NJ"].pk not in reach.unit_ids


def test_org_3_service_centre_sees_only_itself(people, org):
    reach = reach_of(people["service_centre"])
    assert reach.unit_ids == {org["units"]["SC-NB"].pk}


def test_org_3_user_list_is_limited_to_reach(people):
    visible = set(User.objects.visible_to(people["outsider"]).values_list("username", flat=True))
    assert "nj_zhuguan" in visible
    assert "hz_jishi" not in visible


def test_org_3_inactive_user_sees_nothing(people):
    tech = people["technician"]
    tech.is_active = False
    assert reach_of(tech).unit_ids == frozenset()


def test_org_1_admin_site_refuses_to_put_a_unit_under_its_own_sub_unit(client_for, people, org):
    """The admin form applies the same placement rule as save_org_unit."""
    hz, nb = org["units"]["BR-HZ"], org["units"]["SC-NB"]
    data = {"code": hz.code, "name": hz.name, "kind": hz.kind, "parent": nb.pk}
    data |= {"region": hz.region_id or "", "address": "", "phone": "", "is_active": "on"}
    resp = client_for(people["admin"]).post(f"/admin/accounts/orgunit/{hz.pk}/change/", data)
    assert resp.status_code == 200
    assert "A unit cannot be placed under itself." in resp.content.decode()
    hz.refresh_from_db()
    assert hz.parent == org["units"]["HQ"]
