"""Composition root: settings, URL wiring, WSGI/ASGI entry points. No business logic."""
