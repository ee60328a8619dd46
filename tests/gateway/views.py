"""Views that exist only to put the gateway's pieces under test, mounted by tests/gateway/urls.py."""

from __future__ import annotations

import dataclasses
import logging
import threading

from django.contrib.auth.models import Group
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from domains.identity.interface import identity
from shared.api.access import Authenticated, Public
from shared.api.idempotency import accepts_idempotency_key
from shared.api.views import DomainAPIView
from shared.correlation import current_correlation_id
from shared.errors import ServiceUnavailableError

logger = logging.getLogger("tests.gateway")

LOGGED_LINE = "the view is running"
PASSWORD = "correct horse battery staple"
HOLD_TIMEOUT_SECONDS = 30


@dataclasses.dataclass
class Gate:
    """Holds a request inside its view until the test lets it go (a real in-flight request)."""

    entered: threading.Event = dataclasses.field(default_factory=threading.Event)
    release: threading.Event = dataclasses.field(default_factory=threading.Event)

    def hold(self) -> None:
        self.entered.set()
        if not self.release.wait(HOLD_TIMEOUT_SECONDS):
            raise TimeoutError("the test never released the gate")


@dataclasses.dataclass
class Script:
    """What the test views do next: a gate to hold at, failures to raise, calls seen."""

    gate: Gate | None = None
    failures_left: int = 0
    calls: int = 0

    def reset(self) -> None:
        self.gate, self.failures_left, self.calls = None, 0, 0


SCRIPT = Script()


class GroupInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    status = serializers.IntegerField(required=False, default=201)


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CreateGroupView(DomainAPIView):
    """Creates a Group (a real row) per request; honours Idempotency-Key."""

    permission_classes = (Authenticated,)

    @extend_schema(request=GroupInputSerializer, responses={201: GroupSerializer})
    @accepts_idempotency_key
    def post(self, request: Request) -> Response:
        SCRIPT.calls += 1
        data = GroupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if SCRIPT.gate is not None:
            SCRIPT.gate.hold()
        if SCRIPT.failures_left:
            SCRIPT.failures_left -= 1
            raise ServiceUnavailableError(domain="tests", operation="create group", reason="failing on purpose")
        if data.validated_data["status"] != 201:
            return Response({"refused": data.validated_data["name"]}, status=data.validated_data["status"])
        group = Group.objects.create(name=data.validated_data["name"])
        return Response({"id": group.id, "name": group.name}, status=201, headers={"Location": f"/groups/{group.id}"})


class PublicCreateGroupView(CreateGroupView):
    permission_classes = (Public,)


class EchoView(DomainAPIView):
    """Public: answers with the body it parsed, and the correlation id it ran under."""

    permission_classes = (Public,)

    def get(self, request: Request) -> Response:
        logger.info(LOGGED_LINE)
        return Response({"correlation_id": current_correlation_id()})

    def post(self, request: Request) -> Response:
        SCRIPT.calls += 1
        return Response({"data": request.data})


class RegisterCustomerView(DomainAPIView):
    """Public: registers a customer through identity's interface, which publishes an event."""

    permission_classes = (Public,)

    def post(self, request: Request) -> Response:
        user = identity.register_user(email=request.data["email"], password=PASSWORD, full_name="Casey Caller")
        return Response({"id": str(user.id)}, status=201)


class NestedLineSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class NestedSerializer(serializers.Serializer):
    email = serializers.EmailField()
    lines = NestedLineSerializer(many=True)


class ValidatingView(DomainAPIView):
    permission_classes = (Public,)

    def post(self, request: Request) -> Response:
        NestedSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(status=204)


class CrashingView(DomainAPIView):
    permission_classes = (Public,)

    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internals: password=hunter2")


class DatabaseGoneView(DomainAPIView):
    """What a view raises when PostgreSQL restarts under it: Django's OperationalError (psycopg's, wrapped)."""

    permission_classes = (Public,)

    def get(self, request: Request) -> Response:
        raise OperationalError("terminating connection due to administrator command")


class WhoAmIView(DomainAPIView):
    """Any caller with credentials: answers with who the gateway thinks is calling."""

    permission_classes = (Authenticated,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"id": str(request.user.pk)})


class StrictLoginView(DomainAPIView):
    """Stands for the login view: public, with the stricter 'login' rate."""

    permission_classes = (Public,)
    throttle_scope = "login"

    def post(self, request: Request) -> Response:
        return Response(status=204)


class PlainGetView(View):
    """A plain Django view (not DRF): its errors are Django's own."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if "missing" in request.GET:
            raise Http404("no such thing")
        if "crash" in request.GET:
            raise RuntimeError("secret internals")
        return HttpResponse("plain", content_type="text/plain")

    def post(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"read {len(request.body)} bytes", content_type="text/plain")
