from django.urls import path

from domains.billing.http.views import InvoiceListView, PaymentDetailView, PaymentListView

app_name = "billing"

urlpatterns = [
    path("payments/", PaymentListView.as_view(), name="payment-list"),
    path("payments/<uuid:payment_id>/", PaymentDetailView.as_view(), name="payment-detail"),
    path("invoices/", InvoiceListView.as_view(), name="invoice-list"),
]
