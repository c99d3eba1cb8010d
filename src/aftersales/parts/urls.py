"""The parts pages: catalogue and prices, stock and counts, parts lines of orders."""

from aftersales.parts import (
    catalogue_views,
    line_views,
    purchasing_views,
    report_views,
    shipping_views,
    stock_views,
)

app_name = "parts"
urlpatterns = [
    *catalogue_views.urlpatterns,
    *stock_views.urlpatterns,
    *line_views.urlpatterns,
    *report_views.urlpatterns,
    *shipping_views.urlpatterns,
    *purchasing_views.urlpatterns,
]
