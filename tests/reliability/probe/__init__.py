"""A test-only app whose handlers record real rows, block, or fail when the tests say so.

The reliability tests install it in the Celery workers they start (probe/settings.py), so
its handlers are discovered and run exactly like a domain's.
"""
