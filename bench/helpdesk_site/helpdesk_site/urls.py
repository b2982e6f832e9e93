"""django-helpdesk at the site root, plus the login/logout views its templates link to."""

from django.contrib.auth import views as auth_views
from django.urls import include
from django.urls import path

urlpatterns = [
    path("", include("helpdesk.urls", namespace="helpdesk")),
    path("login/", auth_views.LoginView.as_view(template_name="helpdesk/registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
