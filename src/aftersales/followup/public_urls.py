"""The public survey page (no login)."""

app_name = "survey"
urlpatterns = []
