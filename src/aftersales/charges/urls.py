"""The charges pages: charge sheet and quotations, payments, cash hand-overs, invoices."""

from aftersales.charges import money_views, quote_views

app_name = "charges"
urlpatterns = [
    *quote_views.urlpatterns,
    *money_views.urlpatterns,
]
