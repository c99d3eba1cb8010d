"""The public pages, mounted at /repair/ (no login): the repair form and the status page."""

from django.urls import path

from aftersales.service import public

app_name = "public"
urlpatterns = [
    path("", public.repair_form, name="repair"),
    path("thanks/", public.thanks, name="thanks"),
    path("status/", public.status_page, name="status"),
]
