"""The REST API: one router; each app's api module registers its viewsets."""

from importlib import import_module

from django.shortcuts import redirect
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from aftersales.api import schema  # noqa: F401 - registers the OpenAPI extensions

app_name = "api"

API_MODULES = [
    "aftersales.accounts.api",
    "aftersales.audit.api",
    "aftersales.core.api",
    "aftersales.customers.api",
    "aftersales.products.api",
    "aftersales.service.api",
    "aftersales.service.request_api",
    "aftersales.service.referral_api",
    "aftersales.service.statistics_api",
    "aftersales.service.dashboard_api",
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


class Router(DefaultRouter):
    """Object ids in API paths are whole numbers: anything else in their place (``abc``,
    ``9.5``, ``²``) is a 404 at the URL, never a failing database lookup (a 500)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        value = getattr(viewset, "lookup_value_regex", "[0-9]+")
        return f"(?P<{lookup_prefix}{kwarg}>{value})"


router = Router()
extra_urls = []
for module_path in API_MODULES:
    module = import_module(module_path)
    module.register(router)
    extra_urls += getattr(module, "urlpatterns", [])


class RedocMoved(APIView):
    """The API docs are Swagger UI only: Redoc injects inline styles, which the CSP refuses.
    The old address leads there, for the same people as the docs page."""

    permission_classes = SpectacularSwaggerSplitView.permission_classes
    authentication_classes = SpectacularSwaggerSplitView.authentication_classes

    @extend_schema(exclude=True)
    def get(self, request):
        return redirect("api:docs")


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its set-up script as a file: the CSP forbids inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocMoved.as_view(), name="redoc"),
    *extra_urls,
    path("", include(router.urls)),
]
