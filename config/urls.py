"""URL wiring: the admin, health, the identity provider's key set, and each domain's API under /api/<domain>/."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from domains.identity.http.views import JwksView


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path(".well-known/jwks.json", JwksView.as_view(), name="jwks"),
    path("api/identity/", include("domains.identity.http.urls")),
    path("api/catalog/", include("domains.catalog.http.urls")),
]
