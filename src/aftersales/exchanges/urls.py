"""Pages of the exchange forms and the exchange ledger (EXC-1…EXC-5)."""

from django.urls import path

from aftersales.exchanges import views

app_name = "exchanges"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("ledger/", views.ledger, name="ledger"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/pdf/", views.request_pdf, name="pdf"),
    path("<int:pk>/submit/", views.request_submit, name="submit"),
    path("<int:pk>/review/", views.request_review, name="review"),
    path("<int:pk>/receive/", views.request_receive, name="receive"),
    path("<int:pk>/ledger/", views.request_ledger, name="write_ledger"),
    path("<int:pk>/refund/", views.request_refund, name="refund"),
    path("<int:pk>/finish/", views.request_finish, name="finish"),
    path("<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("<int:pk>/attachments/", views.attachment_add, name="attach"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment",
    ),
]
