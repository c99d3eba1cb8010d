from django.urls import path

from aftersales.audit import views

app_name = "audit"
urlpatterns = [path("", views.AuditSearchView.as_view(), name="search")]
