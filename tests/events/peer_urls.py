"""The project's URLs, plus the test door through which the tests publish in this process."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from tests.events.peer_door import publish_events

urlpatterns = [*project_urlpatterns, path("peer/publish/", publish_events)]
