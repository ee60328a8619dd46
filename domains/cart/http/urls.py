from django.urls import path

from domains.cart.http.views import CartItemListView, CartItemView, CartView

app_name = "cart"

urlpatterns = [
    path("", CartView.as_view(), name="cart"),
    path("items/", CartItemListView.as_view(), name="item-list"),
    path("items/<uuid:product_id>/", CartItemView.as_view(), name="item-detail"),
]
