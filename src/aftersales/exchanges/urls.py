"""Pages."""

app_name = "exchanges"
urlpatterns = []
