from django.urls import path

from aftersales.core import views

app_name = "core"
urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("new/", views.calendar_create, name="calendar_create"),
    path("days/", views.calendar_day_set, name="calendar_day_set"),
    path("days/<int:pk>/remove/", views.calendar_day_remove, name="calendar_day_remove"),
    path("hours/", views.working_hours_set, name="working_hours_set"),
]
