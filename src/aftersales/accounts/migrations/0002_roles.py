"""One Django group per role of ORG-2, with its permissions (re-synced after each migrate)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from aftersales.accounts.roles import sync_roles

    # Permissions are normally created after migrate; make them now so groups get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    sync_roles(apps)


def remove_role_groups(apps, schema_editor):
    from aftersales.accounts.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=[r.code for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("core", "0001_initial"),
        ("customers", "0001_initial"),
        ("products", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
