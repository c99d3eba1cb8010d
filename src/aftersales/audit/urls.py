from django.urls import path

from aftersales.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.AuditSearchView.as_view(), name="search"),
    path("access/", views.AccessSearchView.as_view(), name="access_search"),
    path("access/export/", views.access_export, name="access_export"),
]
