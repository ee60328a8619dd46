"""Workers with the project's default timings (config/settings.py), plus the probe: what the recovery bounds promise.

Only what makes them the probe's workers changes: the probe app, and the Celery transport.
The database, Redis and key prefix come from the environment the tests give each worker.
"""

from config.settings import *  # noqa: F403  (a settings overlay: the project's settings, then ours)
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.reliability.probe"]

BUS_TRANSPORT = "celery"
