"""A publishing domain for the event tests: it ships parcels and says so (parcels.ParcelShipped, now at v2).

The second Django process of tests/events installs it (peer_settings.py) as the
publisher; tracking, the subscriber, runs in the test process.
"""
