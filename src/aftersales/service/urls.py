from django.urls import path

from aftersales.service import referral_views, request_views, statistics_views, views

app_name = "service"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("new/", views.order_create, name="order_create"),
    path("new/lookup/", views.order_lookup, name="order_lookup"),
    path("mine/", views.my_orders, name="my_orders"),
    path("time-limits/", views.sla_overview, name="sla_overview"),
    path("statistics/", statistics_views.monthly_statistics, name="monthly_statistics"),
    path("questions/", referral_views.referral_list, name="referral_list"),
    path("requests/", request_views.WebRequestListView.as_view(), name="web_request_list"),
    path("requests/<int:pk>/", request_views.web_request_detail, name="web_request_detail"),
    path("requests/<int:pk>/accept/", request_views.web_request_accept, name="web_request_accept"),
    path("requests/<int:pk>/reject/", request_views.web_request_reject, name="web_request_reject"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
    path("<int:pk>/voucher.pdf", views.order_voucher, name="order_voucher"),
    path("<int:pk>/signature/", views.order_signature, name="order_signature"),
    path("<int:pk>/paper-voucher/", views.order_paper_voucher, name="order_paper_voucher"),
    path("<int:pk>/attachments/", views.order_attachments, name="order_attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.order_attachment,
        name="order_attachment",
    ),
    path("<int:pk>/refer/", referral_views.order_refer, name="order_refer"),
    path(
        "<int:pk>/questions/<int:referral_id>/answer/",
        referral_views.referral_answer,
        name="referral_answer",
    ),
    path("<int:pk>/<slug:action>/", views.order_action, name="order_action"),
]
