"""Orders endpoints: checkout and order history for customers; every order for staff."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from domains.orders import selectors, services
from domains.orders.http.serializers import (
    CheckoutInputSerializer,
    CustomerOrderQuerySerializer,
    OrderDetailOutputSerializer,
    OrderHistoryOutputSerializer,
    OrderListQuerySerializer,
    OrderOutputSerializer,
)
from domains.orders.interface import (
    CartAlreadyOrderedError,
    CartCurrenciesDifferError,
    CartEmptyError,
    CheckoutInProgressError,
    CheckoutInterruptedError,
    OrderNotFoundError,
    PaymentTokenInvalidError,
    ProductOutOfStockError,
    ProductUnavailableError,
)
from domains.orders.models import Order
from shared.api.access import Authenticated, OwnerOnly, StaffOnly
from shared.api.errors import raises
from shared.api.idempotency import accepts_idempotency_key
from shared.api.views import DomainAPIView, DomainGenericAPIView
from shared.errors import ServiceUnavailableError

CHECKOUT_DESCRIPTION = """Order what is in the cart and pay for it with `payment_token`.

**201** when this request placed the order; **200** with the existing order when this same
cart (as it is now) was already ordered: a double submit, or a retry after a lost answer,
places and charges one order. `Location` names the order either way.

The answer never waits for the payment: `status` is the order's status when the answer
was written, usually `pending_payment`. Follow `Location` until it is `confirmed` or
`cancelled` (with in-process event delivery the saga often has finished by then; with
Celery it runs in a worker).
"""


class CheckoutView(DomainAPIView):
    """POST {"payment_token": "tok_visa"}: order what is in the cart and pay for it (CHECKOUT_DESCRIPTION)."""

    permission_classes = (Authenticated,)

    @extend_schema(
        request=CheckoutInputSerializer,
        responses={201: OrderOutputSerializer, 200: OrderOutputSerializer},
        description=CHECKOUT_DESCRIPTION,
    )
    @raises(
        PaymentTokenInvalidError,
        CartEmptyError,
        CheckoutInProgressError,
        CheckoutInterruptedError,
        ProductOutOfStockError,
        ProductUnavailableError,
        CartCurrenciesDifferError,
        ServiceUnavailableError,  # the cart, the catalog and billing may run elsewhere
    )
    @accepts_idempotency_key  # a client that lost the answer retries with the same key: one order, one charge
    def post(self, request: Request) -> Response:
        given = CheckoutInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            order = services.place_order(
                customer_id=request.user.id, payment_token=given.validated_data["payment_token"]
            )
            answer = status.HTTP_201_CREATED
        except CartAlreadyOrderedError as already:
            order = selectors.get_order(order_id=already.params["order_id"])
            answer = status.HTTP_200_OK
        location = reverse("orders:order-detail", kwargs={"order_id": order.id})
        return Response(OrderOutputSerializer(order).data, status=answer, headers={"Location": location})


class OrderListView(DomainGenericAPIView):
    """GET ?status=confirmed: the signed-in customer's orders, newest first."""

    permission_classes = (Authenticated,)

    @extend_schema(parameters=[CustomerOrderQuerySerializer], responses=OrderOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = CustomerOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.paged(selectors.customer_orders(customer_id=request.user.id, **query.validated_data))

    def paged(self, found: QuerySet[Order]) -> Response:
        page = self.paginate_queryset(found)
        orders = [selectors.order_dto(order) for order in page or ()]
        return self.get_paginated_response(OrderOutputSerializer(orders, many=True).data)


class AllOrdersView(OrderListView):
    """GET ?status=confirmed&customer_id=...: every customer's orders (staff)."""

    permission_classes = (StaffOnly,)

    @extend_schema(parameters=[OrderListQuerySerializer], responses=OrderOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.paged(selectors.all_orders(**query.validated_data))


class OrderDetailView(DomainAPIView):
    """GET: one order with its status history; the customer's own, or any for staff."""

    permission_classes = (OwnerOnly,)

    @extend_schema(responses=OrderDetailOutputSerializer)
    @raises(OrderNotFoundError)
    def get(self, request: Request, order_id: UUID) -> Response:
        order = selectors.get_order_of(order_id=order_id, customer_id=request.user.id, is_staff=request.user.is_staff)
        history = OrderHistoryOutputSerializer(selectors.history(order_id=order_id), many=True)
        return Response({**OrderOutputSerializer(order).data, "history": history.data})
