"""Pages."""

app_name = "followup"
urlpatterns = []
