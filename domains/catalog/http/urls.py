from django.urls import path

from domains.catalog.http.views import (
    CategoryListView,
    ProductDetailView,
    ProductListView,
    ProductPriceView,
    ProductStockView,
)

app_name = "catalog"

urlpatterns = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("products/", ProductListView.as_view(), name="product-list"),
    path("products/<uuid:product_id>/", ProductDetailView.as_view(), name="product-detail"),
    path("products/<uuid:product_id>/price/", ProductPriceView.as_view(), name="product-price"),
    path("products/<uuid:product_id>/stock/", ProductStockView.as_view(), name="product-stock"),
]
