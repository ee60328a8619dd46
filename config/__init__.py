"""Composition root: settings, URL wiring, WSGI/ASGI entry points, the Celery app. No business logic.

The Celery app is imported here so that every process running Django (web, manage.py,
worker) has it as its current app: the bus's Celery transport sends through it.
"""

from config.celery import app as celery_app

__all__ = ["celery_app"]
