from django.contrib.auth import views as auth_views
from django.urls import path

from aftersales.accounts import views
from aftersales.core.forms import LoginForm, StyledPasswordChangeForm

app_name = "accounts"
urlpatterns = [
    path("units/", views.OrgUnitListView.as_view(), name="orgunit_list"),
    path("people/", views.UserListView.as_view(), name="user_list"),
    path("me/", views.profile, name="profile"),
    path("me/api-token/", views.api_token, name="api_token"),
    path("me/api-token/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]

# Named without the namespace: Django's auth views and templates expect these names.
auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(form_class=StyledPasswordChangeForm),
        name="password_change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
]
