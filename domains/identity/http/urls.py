"""Mounted at /api/identity/ (config/urls.py). The key set lives at /.well-known/jwks.json."""

from django.urls import path

from domains.identity.http.views import LogoutView, MeView, RegisterView, TokenRefreshView, TokenView

app_name = "identity"

urlpatterns = [
    path("register/", RegisterView.as_view(), name="register"),
    path("token/", TokenView.as_view(), name="token"),
    path("token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("me/", MeView.as_view(), name="me"),
]
