"""The REST API: one router; each app's api module registers its viewsets."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

app_name = "api"

API_MODULES = [
    "aftersales.accounts.api",
    "aftersales.core.api",
    "aftersales.customers.api",
    "aftersales.products.api",
    "aftersales.service.api",
    "aftersales.service.request_api",
    "aftersales.service.referral_api",
    "aftersales.fieldwork.api",
    "aftersales.notifications.api",
    "aftersales.leads.api",
    "aftersales.parts.catalogue_api",
    "aftersales.parts.stock_api",
    "aftersales.parts.line_api",
    "aftersales.parts.shipping_api",
    "aftersales.parts.purchasing_api",
    "aftersales.charges.quote_api",
    "aftersales.charges.money_api",
    "aftersales.followup.api",
    "aftersales.complaints.api",
    "aftersales.exchanges.api",
]

router = DefaultRouter()
extra_urls = []
for module_path in API_MODULES:
    module = import_module(module_path)
    module.register(router)
    extra_urls += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *extra_urls,
    path("", include(router.urls)),
]
