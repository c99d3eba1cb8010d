from django.urls import path

from aftersales.customers import privacy_views, views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/export/", views.customer_file_export, name="file_export"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/deactivate/", views.customer_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.customer_reactivate, name="reactivate"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    # SEC-3: a person's data — the download of all of it, and anonymisation on request.
    path(
        "<int:pk>/personal-data.<str:fmt>",
        privacy_views.customer_personal_data,
        name="personal_data",
    ),
    path("<int:pk>/anonymise/", privacy_views.customer_anonymise, name="anonymise"),
    path(
        "contacts/<int:pk>/personal-data.<str:fmt>",
        privacy_views.contact_personal_data,
        name="contact_personal_data",
    ),
    path("contacts/<int:pk>/anonymise/", privacy_views.contact_anonymise, name="contact_anonymise"),
]
