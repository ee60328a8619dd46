"""Settings of the event tests' second Django process: the project's, plus the parcels domain that publishes.

Its database comes from DATABASE_URL and its feed token from BUS_FEED_TOKEN, both given by
the test session that starts it (tests/events/conftest.py).
"""

from config.settings import *  # noqa: F403  (a settings overlay: the project's settings, then ours)
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.events.parcels"]
ROOT_URLCONF = "tests.events.peer_urls"
