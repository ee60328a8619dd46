"""Catalog browsing endpoints: public, read-only."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from domains.catalog import selectors
from domains.catalog.http.serializers import ProductOutputSerializer, ProductSearchSerializer
from domains.catalog.interface import ProductNotFoundError
from shared.gateway.access import Public


@extend_schema(parameters=[ProductSearchSerializer])
class ProductListView(ListAPIView):
    permission_classes = (Public,)
    serializer_class = ProductOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query = ProductSearchSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.active_products(search=query.validated_data["search"])

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        products = [selectors.product_dto(p) for p in page or ()]
        return self.get_paginated_response(ProductOutputSerializer(products, many=True).data)


class ProductDetailView(APIView):
    permission_classes = (Public,)

    @extend_schema(responses=ProductOutputSerializer)
    def get(self, request: Request, product_id: UUID) -> Response:
        product = selectors.get_product(product_id=product_id)
        if not product.is_active:
            raise ProductNotFoundError(product_id=product_id)
        return Response(ProductOutputSerializer(product).data)
