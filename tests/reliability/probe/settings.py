"""Settings of the Celery workers the reliability tests start: the project's, plus the probe, with short timings.

The database, Redis and key prefix come from the environment the tests give each
worker. The timings keep every recovery path within seconds while respecting what
shared/bus/celery_checks.py demands (time limit < visibility timeout < ...); the tests read the
same values from here.
"""

from config.settings import *  # noqa: F403  (a settings overlay: the project's settings, then ours)
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.reliability.probe"]

BUS_TRANSPORT = "celery"
BUS_MAX_ATTEMPTS = 3
BUS_RETRY_BASE_SECONDS = 0.2
BUS_RETRY_MAX_SECONDS = 1.0
BUS_LEASE_SECONDS = 30.0
BUS_RELAY_LEASE_SECONDS = 2.0
BUS_RELAY_RESEND_SECONDS = 60.0
BUS_SWEEP_SECONDS = 0.5

CELERY_TASK_SOFT_TIME_LIMIT = 7
CELERY_TASK_TIME_LIMIT = 8
CELERY_VISIBILITY_TIMEOUT = 10
CELERY_UNACKED_RESTORE_INTERVAL = 1
CELERY_WORKER_LOST_WAIT_SECONDS = 1
CELERY_WORKER_LOST_RETRY_SECONDS = 1
