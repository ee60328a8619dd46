"""The project's settings with the gateway taken away: no middleware, the bench's bare URLs.

Used only by bench.gateway, for the server that serves a view "mounted bare".
"""

from config import settings as _project

globals().update({name: getattr(_project, name) for name in dir(_project) if name.isupper()})

ROOT_URLCONF = "bench.bare_urls"
MIDDLEWARE: list[str] = []
