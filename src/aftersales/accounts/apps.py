from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aftersales.accounts"
    label = "accounts"
    verbose_name = _("Organisation and people")

    def ready(self):
        from aftersales.accounts.roles import sync_roles_after_migrate
        from aftersales.accounts.services import prune_login_throttles
        from aftersales.core.periodic import periodic

        # SEC-4: failed sign-in counts nobody needs any more are forgotten each sweep.
        periodic("accounts.login_throttles")(prune_login_throttles)

        # Later apps add permissions; re-grant each role its list after every migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="aftersales.sync_roles")
