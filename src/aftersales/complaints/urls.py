"""Pages of the complaint register (CMP-1…CMP-5)."""

from aftersales.complaints import views

app_name = "complaints"
urlpatterns = views.urlpatterns
