from django.urls import path

from aftersales.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.LeadListView.as_view(), name="lead_list"),
    path("fees/", views.my_fees, name="my_fees"),
    path("new/<int:order_pk>/", views.lead_create, name="lead_create"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/<slug:action>/", views.lead_action, name="lead_action"),
]
