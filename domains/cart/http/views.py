"""Cart endpoints: the signed-in customer's own cart, never anyone else's."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from domains.cart import selectors, services
from domains.cart.http.serializers import AddItemInputSerializer, CartOutputSerializer, SetQuantityInputSerializer
from domains.cart.interface import (
    CartFullError,
    CartItemNotFoundError,
    CartProductUnavailableError,
    CartQuantityInvalidError,
    CartQuantityLimitError,
)
from shared.api.access import Authenticated, OwnerOnly
from shared.api.errors import raises
from shared.api.views import DomainAPIView
from shared.errors import ServiceUnavailableError


def cart_response(customer_id: UUID, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(CartOutputSerializer(selectors.priced_cart(customer_id=customer_id)).data, status=status_code)


class CartView(DomainAPIView):
    """GET: the cart with today's prices. DELETE: empty it."""

    permission_classes = (Authenticated,)

    @extend_schema(responses=CartOutputSerializer)
    @raises(ServiceUnavailableError)  # the cart is priced by the catalog, which may run elsewhere
    def get(self, request: Request) -> Response:
        return cart_response(request.user.id)

    @extend_schema(responses={200: CartOutputSerializer}, description="Empties the cart; answers the empty cart.")
    @raises(ServiceUnavailableError)
    def delete(self, request: Request) -> Response:
        services.clear(customer_id=request.user.id)
        return cart_response(request.user.id)


class CartItemListView(DomainAPIView):
    """POST {"product_id": ..., "quantity": 2}: add units of a product."""

    permission_classes = (Authenticated,)

    @extend_schema(request=AddItemInputSerializer, responses={201: CartOutputSerializer})
    @raises(CartProductUnavailableError, CartQuantityLimitError, CartFullError, ServiceUnavailableError)
    def post(self, request: Request) -> Response:
        given = AddItemInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.add_item(customer_id=request.user.id, **given.validated_data)
        return cart_response(request.user.id, status.HTTP_201_CREATED)


class CartItemView(DomainAPIView):
    """PATCH {"quantity": 3}: change a line's quantity. DELETE: take the product out."""

    permission_classes = (OwnerOnly,)

    @extend_schema(request=SetQuantityInputSerializer, responses=CartOutputSerializer)
    @raises(CartItemNotFoundError, CartQuantityInvalidError, ServiceUnavailableError)
    def patch(self, request: Request, product_id: UUID) -> Response:
        given = SetQuantityInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.set_quantity(customer_id=request.user.id, product_id=product_id, **given.validated_data)
        return cart_response(request.user.id)

    @extend_schema(responses={200: CartOutputSerializer}, description="Takes the product out; answers the cart.")
    @raises(CartItemNotFoundError, ServiceUnavailableError)
    def delete(self, request: Request, product_id: UUID) -> Response:
        services.remove_item(customer_id=request.user.id, product_id=product_id)
        return cart_response(request.user.id)
