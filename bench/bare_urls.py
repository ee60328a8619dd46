"""The catalog's product view mounted bare: no authentication, no permission, no rate limit.

The same view class as /api/catalog/products/<id>/, at the same path, so that the only
difference bench.gateway measures is what the gateway adds.
"""

from django.urls import path
from rest_framework.permissions import AllowAny

from domains.catalog.http.views import ProductDetailView


class BareProductDetailView(ProductDetailView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


urlpatterns = [path("api/catalog/products/<uuid:product_id>/", BareProductDetailView.as_view())]
