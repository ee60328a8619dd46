from django.urls import path

from domains.orders.http.views import AllOrdersView, CheckoutView, OrderDetailView, OrderListView

app_name = "orders"

urlpatterns = [
    path("", OrderListView.as_view(), name="order-list"),
    path("checkout/", CheckoutView.as_view(), name="checkout"),
    path("all/", AllOrdersView.as_view(), name="all-orders"),
    path("<uuid:order_id>/", OrderDetailView.as_view(), name="order-detail"),
]
