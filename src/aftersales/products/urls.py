from django.urls import path

from aftersales.products import views

app_name = "products"
urlpatterns = [
    path("models/", views.ProductModelListView.as_view(), name="model_list"),
    path("models/new/", views.model_edit, name="model_create"),
    path("models/<int:pk>/", views.model_edit, name="model_edit"),
    path("categories/new/", views.category_edit, name="category_create"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/import/", views.unit_import, name="unit_import"),
    path("units/import/template.xlsx", views.unit_import_template, name="unit_import_template"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/qr/", views.unit_qr_label, name="unit_qr"),
    path("units/<int:pk>/extended-warranty/", views.extended_warranty_add, name="warranty_add"),
    path("units/<int:pk>/handover/", views.handover_add, name="handover_add"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
]
