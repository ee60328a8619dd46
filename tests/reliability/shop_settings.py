"""Settings of the shop the fault test deploys (tests/reliability/celery_shop.py): the project's, one change.

Passwords are hashed with MD5 instead of PBKDF2's million rounds: the test registers a few
hundred customers, and at a third of a second of CPU each that would be minutes on two
cores spent on nothing the test is about. Every other setting, the bus's and Celery's
timings included, is the project's default or comes from the environment the test gives.
"""

from config.settings import *  # noqa: F403  (a settings overlay: the project's settings, then ours)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
