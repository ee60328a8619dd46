"""Billing endpoints: a customer's payments and invoices. Payments are started by checkout
(the orders saga), never by a client, so there is nothing here to POST."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from domains.billing import selectors
from domains.billing.http.serializers import InvoiceOutputSerializer, PaymentOutputSerializer
from domains.billing.interface import PaymentNotFoundError
from shared.api.access import Authenticated, OwnerOnly
from shared.api.errors import raises
from shared.api.views import DomainAPIView, DomainGenericAPIView


class PaymentListView(DomainGenericAPIView):
    """GET: the signed-in customer's payments, newest first."""

    permission_classes = (Authenticated,)

    @extend_schema(responses=PaymentOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.customer_payments(customer_id=request.user.id))
        payments = [selectors.payment_dto(payment) for payment in page or ()]
        return self.get_paginated_response(PaymentOutputSerializer(payments, many=True).data)


class PaymentDetailView(DomainAPIView):
    """GET: one payment with its invoice; the customer's own, or any for staff."""

    permission_classes = (OwnerOnly,)

    @extend_schema(responses=PaymentOutputSerializer)
    @raises(PaymentNotFoundError)
    def get(self, request: Request, payment_id: UUID) -> Response:
        payment = selectors.get_payment_of(
            payment_id=payment_id, customer_id=request.user.id, is_staff=request.user.is_staff
        )
        return Response(PaymentOutputSerializer(payment).data)


class InvoiceListView(DomainGenericAPIView):
    """GET: the signed-in customer's invoices, newest first."""

    permission_classes = (Authenticated,)

    @extend_schema(responses=InvoiceOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.customer_invoices(customer_id=request.user.id))
        invoices = [selectors.invoice_dto(invoice) for invoice in page or ()]
        return self.get_paginated_response(InvoiceOutputSerializer(invoices, many=True).data)
