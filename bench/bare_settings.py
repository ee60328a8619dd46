"""The project's settings with the gateway taken away: Django's middleware only, the bench's bare URLs.

Used only by bench.gateway, for the server that serves a view "mounted bare".
"""

from config import settings as _project

globals().update({name: getattr(_project, name) for name in dir(_project) if name.isupper()})

ROOT_URLCONF = "bench.bare_urls"
# Django's own middleware stays (sessions, CSRF, security headers are not the gateway's);
# the correlation and API error middleware go.
MIDDLEWARE = [name for name in _project.MIDDLEWARE if not name.startswith("shared.")]
