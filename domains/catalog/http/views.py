"""Catalog endpoints: browsing is public; adding products, pricing and stock are for staff."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from domains.catalog import inventory, selectors, services
from domains.catalog.http.serializers import (
    CategoryOutputSerializer,
    ProductInputSerializer,
    ProductOutputSerializer,
    ProductQuerySerializer,
    StockInputSerializer,
)
from domains.catalog.interface import (
    CategoryNotFoundError,
    ProductInvalidError,
    ProductNotFoundError,
    SkuAlreadyExistsError,
    StockBelowReservedError,
)
from shared.api.access import Public, StaffOnly, by_method
from shared.api.errors import raises
from shared.api.serializers import MoneySerializer
from shared.api.views import DomainAPIView, DomainGenericAPIView


class ProductListView(DomainGenericAPIView):
    """GET: active products, searched and filtered (public). POST: add a product (staff)."""

    permission_classes = (by_method(GET=Public, POST=StaffOnly),)

    @extend_schema(parameters=[ProductQuerySerializer], responses=ProductOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = ProductQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.active_products(query=query.validated_data))
        products = [selectors.product_dto(p) for p in page or ()]
        return self.get_paginated_response(ProductOutputSerializer(products, many=True).data)

    @extend_schema(request=ProductInputSerializer, responses={201: ProductOutputSerializer})
    @raises(SkuAlreadyExistsError, CategoryNotFoundError, ProductInvalidError)
    def post(self, request: Request) -> Response:
        given = ProductInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        product = services.create_product(
            sku=data["sku"],
            name=data["name"],
            description=data["description"],
            price=data["price"],
            category_id=data["category_id"],
            on_hand=data["on_hand"],
        )
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(DomainAPIView):
    """GET: an active product (public). DELETE: stop selling it (staff); orders keep their lines."""

    permission_classes = (by_method(GET=Public, DELETE=StaffOnly),)

    @extend_schema(responses={204: None})
    @raises(ProductNotFoundError)
    def delete(self, request: Request, product_id: UUID) -> Response:
        services.discontinue_product(product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=ProductOutputSerializer)
    @raises(ProductNotFoundError)
    def get(self, request: Request, product_id: UUID) -> Response:
        product = selectors.get_product(product_id=product_id)
        if not product.is_active:
            raise ProductNotFoundError(product_id=product_id)
        return Response(ProductOutputSerializer(product).data)


class ProductPriceView(DomainAPIView):
    """PUT {"amount": "12.50", "currency": "EUR"}: the product's new price (staff)."""

    permission_classes = (StaffOnly,)

    @extend_schema(request=MoneySerializer, responses=ProductOutputSerializer)
    @raises(ProductNotFoundError, ProductInvalidError)
    def put(self, request: Request, product_id: UUID) -> Response:
        price = MoneySerializer(data=request.data)
        price.is_valid(raise_exception=True)
        product = services.change_price(product_id=product_id, price=price.validated_data)
        return Response(ProductOutputSerializer(product).data)


class ProductStockView(DomainAPIView):
    """PUT {"on_hand": 12}: the units on hand after a count or a delivery (staff)."""

    permission_classes = (StaffOnly,)

    @extend_schema(request=StockInputSerializer, responses=ProductOutputSerializer)
    @raises(ProductNotFoundError, ProductInvalidError, StockBelowReservedError)
    def put(self, request: Request, product_id: UUID) -> Response:
        stock = StockInputSerializer(data=request.data)
        stock.is_valid(raise_exception=True)
        product = inventory.set_stock(product_id=product_id, on_hand=stock.validated_data["on_hand"])
        return Response(ProductOutputSerializer(product).data)


class CategoryListView(DomainAPIView):
    permission_classes = (Public,)

    @extend_schema(responses=CategoryOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        categories = [selectors.category_dto(c) for c in selectors.categories()]
        return Response(CategoryOutputSerializer(categories, many=True).data)
