from django.urls import path

from domains.catalog.http.views import ProductDetailView, ProductListView

app_name = "catalog"

urlpatterns = [
    path("products/", ProductListView.as_view(), name="product-list"),
    path("products/<uuid:product_id>/", ProductDetailView.as_view(), name="product-detail"),
]
