"""The public survey page (no login, FUP-2)."""

from aftersales.followup import public_views

app_name = "survey"
urlpatterns = [*public_views.urlpatterns]
