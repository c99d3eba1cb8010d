from django.urls import path

from aftersales.service import views

app_name = "service"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("new/", views.order_create, name="order_create"),
    path("mine/", views.my_orders, name="my_orders"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
    path("<int:pk>/<slug:action>/", views.order_action, name="order_action"),
]
