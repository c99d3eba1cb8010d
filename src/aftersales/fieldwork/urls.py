from django.urls import path

from aftersales.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("orders/<int:pk>/checklist/", views.tick_checklist, name="tick_checklist"),
    path("orders/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("orders/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("orders/<int:pk>/take-back/", views.take_back_create, name="take_back_create"),
    path("take-backs/<int:pk>/", views.take_back_detail, name="take_back_detail"),
    path("take-backs/<int:pk>/return/", views.take_back_return, name="take_back_return"),
    path(
        "take-backs/<int:pk>/signature/<slug:which>/",
        views.take_back_signature,
        name="take_back_signature",
    ),
]
