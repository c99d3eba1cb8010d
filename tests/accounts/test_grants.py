"""Issue 7: a person's roles and rights are read in one query per request (User.load_grants),
with exactly the answers of Django's ModelBackend; a session's user comes with their unit."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from aftersales.accounts import models as account_models
from aftersales.accounts.backends import LockoutModelBackend
from aftersales.accounts.models import User
from aftersales.accounts.roles import ROLES_BY_CODE

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """The person as a new request loads them: nothing kept on the object yet."""
    return User.objects.get(pk=user.pk)


def django_answer(user) -> tuple[set, set, set]:
    """Django's own backend on its own copy: user rights, group rights, all rights."""
    backend = ModelBackend()
    return (
        backend.get_user_permissions(fresh(user)),
        backend.get_group_permissions(fresh(user)),
        backend.get_all_permissions(fresh(user)),
    )


def test_the_sql_names_the_tables_of_the_models():
    """GRANTS_SQL is plain SQL: its table names are the models' tables."""
    tables = {
        User.groups.through._meta.db_table,
        User.user_permissions.through._meta.db_table,
        Group._meta.db_table,
        Group.permissions.through._meta.db_table,
        Permission._meta.db_table,
        ContentType._meta.db_table,
    }
    assert tables == {
        "accounts_user_groups",
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "django_content_type",
        "accounts_user_user_permissions",
    }
    for table in tables:
        assert table in account_models.GRANTS_SQL


def test_org_2_roles_and_rights_in_one_query_the_same_as_djangos(people, django_assert_num_queries):
    """An agent with a right given directly as well: one query answers the roles and every
    right check of the request, and the answers are Django's."""
    agent = people["agent"]
    direct = Permission.objects.get(codename="view_auditentry")
    agent.user_permissions.add(direct)
    user_perms, group_perms, all_perms = django_answer(agent)
    assert "audit.view_auditentry" in user_perms and user_perms <= all_perms
    assert group_perms and group_perms <= all_perms
    groups = set(agent.groups.values_list("name", flat=True))

    user = fresh(agent)
    backend = LockoutModelBackend()
    with django_assert_num_queries(1):
        assert user.role_codes == groups & set(ROLES_BY_CODE)
        assert user.has_perm("service.add_serviceorder")
        assert user.has_perm("audit.view_auditentry")
        assert not user.has_perm("parts.manage_prices")
        assert backend.get_user_permissions(user) == user_perms
        assert backend.get_group_permissions(user) == group_perms
        assert backend.get_all_permissions(user) == all_perms


@pytest.mark.parametrize("first", ["roles", "rights"])
def test_org_2_either_question_first_gives_the_same_answers(people, first):
    """Roles asked first or rights asked first: the same roles, the same rights."""
    manager = people["branch_manager"]
    user = fresh(manager)
    if first == "roles":
        roles = user.role_codes
        rights = user.get_all_permissions()
    else:
        rights = user.get_all_permissions()
        roles = user.role_codes
    assert rights == django_answer(manager)[2]
    assert roles == set(manager.groups.values_list("name", flat=True)) & set(ROLES_BY_CODE)


def test_org_2_a_person_without_roles_has_no_rights(org):
    nobody = get_user_model().objects.create_user("nobody", password="x" * 12)  # noqa: S106
    user = fresh(nobody)
    assert user.role_codes == set()
    assert user.get_all_permissions() == set()
    assert not user.has_perm("service.view_serviceorder")


def test_org_2_a_superuser_holds_every_right_even_after_the_roles_were_read(people):
    """The roles read first keep no partial rights for a superuser: Django's answer (every
    permission) stands."""
    admin = people["admin"]
    admin.is_superuser = True
    admin.save()
    user = fresh(admin)
    user.role_codes  # noqa: B018 - reads and keeps the roles first
    assert user.get_all_permissions() == django_answer(admin)[2]
    assert len(user.get_all_permissions()) == Permission.objects.count()


def test_org_2_a_deactivated_person_has_roles_on_file_but_no_rights(people):
    agent = people["agent"]
    agent.is_active = False
    agent.save()
    user = fresh(agent)
    assert user.role_codes  # the roles stay on file
    assert user.get_all_permissions() == set()
    assert not user.has_perm("service.view_serviceorder")


def test_sec_4_a_session_user_comes_with_their_unit(people, django_assert_num_queries):
    """The session's person and their unit in one query; a deactivated person is no one."""
    agent = people["agent"]
    backend = LockoutModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(agent.pk)
        assert user.org_unit == agent.org_unit
    agent.is_active = False
    agent.save()
    assert backend.get_user(agent.pk) is None
    assert backend.get_user(10**9) is None
