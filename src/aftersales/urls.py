from django.contrib import admin
from django.urls import include, path

from aftersales.accounts.urls import auth_urlpatterns
from aftersales.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include(auth_urlpatterns)),
    path("org/", include("aftersales.accounts.urls")),
    path("audit/", include("aftersales.audit.urls")),
    path("calendar/", include("aftersales.core.urls")),
    path("customers/", include("aftersales.customers.urls")),
    path("products/", include("aftersales.products.urls")),
    path("orders/", include("aftersales.service.urls")),
    path("fieldwork/", include("aftersales.fieldwork.urls")),
    path("repair/", include("aftersales.service.public_urls")),
    path("notifications/", include("aftersales.notifications.urls")),
    path("leads/", include("aftersales.leads.urls")),
    path("parts/", include("aftersales.parts.urls")),
    path("charges/", include("aftersales.charges.urls")),
    path("followup/", include("aftersales.followup.urls")),
    path("survey/", include("aftersales.followup.public_urls")),
    path("complaints/", include("aftersales.complaints.urls")),
    path("exchanges/", include("aftersales.exchanges.urls")),
    path("api/", include("aftersales.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "aftersales.core.views.permission_denied"
handler404 = "aftersales.core.views.page_not_found"
handler500 = "aftersales.core.views.server_error"
