"""URL wiring: the home page at /, the admin, health and metrics, the architecture page, the identity provider's
key set, the API docs, each domain's API under /api/<domain>/, and the internal endpoint other
services call.

Which domains are served here, and which by another service, is the gateway's route table
(shared/gateway/routing.py), read from the placement map (DOMAIN_PLACEMENT).
"""

from django.apps import apps
from django.contrib import admin
from django.urls import path

from config.health import readiness_checks
from shared.api import errors
from shared.api.docs import RedocView, SchemaView, SwaggerView
from shared.architecture.home import home_view
from shared.architecture.views import architecture_views
from shared.bus import feed_view
from shared.bus.metrics import OutboxCollector
from shared.gateway.routing import api_urlpatterns, served_routes
from shared.observability import health
from shared.observability.exposition import metrics_view
from shared.remote.server import internal_urlpatterns

ready = health.ready_view(readiness_checks)
outbox = OutboxCollector()
architecture_page, architecture_description = architecture_views(checks=readiness_checks, collectors=[outbox])

urlpatterns = [
    # The domains' APIs first: nearly every request is one of theirs, and Django tries the
    # patterns in order (each prefix is a domain's own, so none shadows another pattern).
    *api_urlpatterns(served_routes()),
    path("", home_view(), name="home"),  # for people: what runs here, and where to go
    path("admin/", admin.site.urls),
    path("healthz", health.live, name="health"),  # as before readiness existed: up while the process answers
    path("healthz/live", health.live, name="health-live"),
    path("healthz/ready", ready, name="health-ready"),
    path("metrics", metrics_view(collectors=[outbox]), name="metrics"),
    path("architecture/", architecture_page, name="architecture"),
    path("architecture/description.json", architecture_description, name="architecture-description"),
    path("internal/events/", feed_view.feed, name="event-feed"),
    path("internal/events/<slug:domain>/", feed_view.feed, name="domain-event-feed"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema", template_name="api/redoc.html"), name="api-redoc"),
    # Other services call the domains running here at /internal/<domain>/<operation>/ (service token required).
    *internal_urlpatterns(),
]

# The identity provider's key set, where identity is installed (not where DOMAIN_PLACEMENT places it
# elsewhere, nor when another domain is tested alone).
if apps.is_installed("domains.identity"):
    from domains.identity.http.views import JwksView

    urlpatterns.append(path(".well-known/jwks.json", JwksView.as_view(), name="jwks"))

handler400 = errors.handler400
handler403 = errors.handler403
handler404 = errors.handler404
handler500 = errors.handler500
