"""A URL configuration with one endpoint of each kind the inventory must report or accept."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path, register_converter
from rest_framework import views
from rest_framework.request import Request
from rest_framework.response import Response

from shared.api.access import Authenticated, OwnerOnly, Public, StaffOnly, by_method
from shared.api.views import DomainAPIView


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(YearConverter, "year")


class PublicList(DomainAPIView):
    permission_classes = (Public,)

    def get(self, request: Request) -> Response:
        return Response([])


class OrderDetail(DomainAPIView):
    permission_classes = (OwnerOnly,)

    def get(self, request: Request, order_id: object) -> Response:
        return Response({})

    def delete(self, request: Request, order_id: object) -> Response:
        return Response(status=204)


class StaffReport(DomainAPIView):
    permission_classes = (StaffOnly,)

    def post(self, request: Request) -> Response:
        return Response(status=204)


class Undeclared(DomainAPIView):
    def get(self, request: Request) -> Response:
        return Response({})


class Both(DomainAPIView):
    permission_classes = (Public, StaffOnly)

    def get(self, request: Request) -> Response:
        return Response({})


class MyThing(DomainAPIView):
    permission_classes = (Authenticated,)

    def put(self, request: Request, thing_id: object) -> Response:
        return Response({})


class Shelf(DomainAPIView):
    """Browsed by anyone, stocked by staff."""

    permission_classes = (by_method(GET=Public, POST=StaffOnly),)

    def get(self, request: Request) -> Response:
        return Response([])

    def post(self, request: Request) -> Response:
        return Response(status=201)


class HalfDeclared(Shelf):
    permission_classes = (by_method(GET=Public),)


class DrfOnly(views.APIView):
    """Declares its access, but on DRF's DomainAPIView: refusals would escape the rate limits."""

    permission_classes = (Public,)

    def get(self, request: Request) -> Response:
        return Response([])


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain")


shop_patterns = (
    [
        path("orders/<uuid:order_id>/", OrderDetail.as_view(), name="order-detail"),
        path("reports/", StaffReport.as_view(), name="reports"),
    ],
    "shop",
)

urlpatterns = [
    path("elsewhere/", Undeclared.as_view(), name="outside-the-api"),
    path("api/products/", PublicList.as_view(), name="products"),
    path("api/shop/", include(shop_patterns, namespace="shop")),
    path("api/undeclared/", Undeclared.as_view(), name="undeclared"),
    path("api/both/", Both.as_view(), name="both"),
    path("api/plain/", plain, name="plain"),
    path("api/unnamed/", PublicList.as_view()),
    re_path(r"^api/legacy/(?P<slug>[a-z]+)/$", PublicList.as_view(), name="legacy"),
    path("api/things/<uuid:thing_id>/", MyThing.as_view(), name="thing"),
    path("api/years/<year:year>/", PublicList.as_view(), name="year"),
    path("api/shelf/", Shelf.as_view(), name="shelf"),
    path("api/half/", HalfDeclared.as_view(), name="half"),
    path("api/drf-only/", DrfOnly.as_view(), name="drf-only"),
]
