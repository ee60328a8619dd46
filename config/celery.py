"""The Celery app of this deployment: the bus's deliveries run in its workers when BUS_TRANSPORT=celery.

    celery -A config worker --loglevel=INFO
    celery -A config beat --loglevel=INFO

What the workers are configured with, and why, is the kernel's (shared.bus.worker);
this module only makes the app, so that `-A config` finds it.
"""

import os

from shared.bus.worker import create_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = create_app()
