"""The project's URLs, plus the parcels domain's test door for publishing."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.events.parcels.views import publish_parcels

urlpatterns = [*project_urlpatterns, path("peer/publish/", publish_parcels)]
