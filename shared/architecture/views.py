"""/architecture/: the page, and /architecture/description.json: the same description with the live numbers.

Staff only, by the Django admin's session: a staff member logged in to /admin/ opens it;
anyone else is sent to the admin's login page (JSON: 403). A browser page is for people,
and people here have admin accounts; machines read `manage.py architecture` or /metrics.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from prometheus_client.registry import Collector

from shared.architecture import readiness
from shared.architecture.description import Architecture
from shared.architecture.live import headlines
from shared.architecture.placement import placement_of
from shared.architecture.render import as_mermaid
from shared.architecture.survey import survey
from shared.bus.runtime import default_bus
from shared.interfaces import registry
from shared.observability.health import Check
from shared.observability.health import readiness as run_readiness

SELECT_DOMAIN = "selectDomain"
"""The page's JavaScript function a click on a node calls (static/architecture/page.js)."""
STAFF_ONLY = "The architecture description is for staff: log in at /admin/ with a staff account."


def current_architecture() -> Architecture:
    return survey(registry=registry, router=default_bus().router, placement=placement_of, readiness=readiness.assess)


def architecture_views(
    *, checks: Callable[[], Iterable[Check]], collectors: Sequence[Collector] = ()
) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The page and its JSON twin, showing the readiness of `checks()` and metrics with `collectors` (wiring)."""

    def live(architecture: Architecture) -> dict[str, Any]:
        return {
            "health": run_readiness(checks()).as_json(),
            "headlines": {
                name: dataclasses.asdict(headline)
                for name, headline in headlines([d.name for d in architecture.domains], collectors=collectors).items()
            },
        }

    @never_cache
    @staff_member_required
    def page(request: HttpRequest) -> HttpResponse:
        architecture = current_architecture()
        now = live(architecture)
        return render(
            request,
            "architecture/page.html",
            {
                "architecture": architecture,
                "domains": [{"domain": d, "headline": now["headlines"][d.name]} for d in architecture.domains],
                "health": now["health"],
                "mermaid": as_mermaid(architecture, on_click=SELECT_DOMAIN),
            },
        )

    @never_cache
    def description(request: HttpRequest) -> JsonResponse:
        if not (request.user.is_active and request.user.is_staff):
            return JsonResponse({"detail": STAFF_ONLY}, status=403)
        architecture = current_architecture()
        return JsonResponse({**dataclasses.asdict(architecture), **live(architecture)})

    return page, description
