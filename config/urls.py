"""URL wiring: the admin, health, and each domain's API under /api/<domain>/."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health, name="health"),
    path("api/catalog/", include("domains.catalog.http.urls")),
    path("api/cart/", include("domains.cart.http.urls")),
    path("api/orders/", include("domains.orders.http.urls")),
    path("api/billing/", include("domains.billing.http.urls")),
    path("api/notifications/", include("domains.notifications.http.urls")),
]
