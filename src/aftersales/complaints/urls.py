"""Pages."""

app_name = "complaints"
urlpatterns = []
