"""Settings, all from environment variables (django-environ); see .env.example for each one.

The defaults run the shop on a laptop with nothing else installed: SQLite, in-process
event delivery, DEBUG on. DJANGO_ENV=production turns the defaults safe and makes the
secrets mandatory, so a forgotten variable stops the start instead of weakening it.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured(f"DJANGO_ENV={DJANGO_ENV!r}: use 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY")
    if PRODUCTION
    else env.str("DJANGO_SECRET_KEY", default="development-only-insecure-key-do-not-deploy")
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # The kernel.
    "shared.bus",
    "shared.boundaries",
    # The domains. Each binds its interface in its AppConfig.ready().
    "domains.identity",
    "domains.catalog",
    # Composition-root commands (demo data).
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# -- Database ------------------------------------------------------------------------
# SQLite by default; DATABASE_URL=postgres://postgres@127.0.0.1:5432/modulith for PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let runserver and `manage.py bus work` write side by side;
    # IMMEDIATE transactions take the write lock up front instead of failing mid-way.
    # synchronous=NORMAL is SQLite's recommended pairing with WAL: no corruption on a
    # crash, at worst the last commits lost on power failure (fine for the embedded
    # default; production runs PostgreSQL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # transactions are explicit, per use case
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# -- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "EXCEPTION_HANDLER": "shared.gateway.errors.api_exception_handler",
    "PAGE_SIZE": 20,
}

# -- Event bus ---------------------------------------------------------------------
BUS_TRANSPORT = env.str("BUS_TRANSPORT", default="inprocess")  # inprocess | celery
BUS_MAX_ATTEMPTS = env.int("BUS_MAX_ATTEMPTS", default=5)
BUS_RETRY_BASE_SECONDS = env.float("BUS_RETRY_BASE_SECONDS", default=2.0)
BUS_RETRY_MAX_SECONDS = env.float("BUS_RETRY_MAX_SECONDS", default=600.0)
BUS_LEASE_SECONDS = env.float("BUS_LEASE_SECONDS", default=300.0)
# The relay (BUS_TRANSPORT=celery): how long a relay may hold rows it claimed before
# another relay may take them, after how long a sent but never picked up message counts
# as lost and is sent again, how many rows one claim takes, and how often the periodic
# sweep runs (celery beat; `manage.py bus work --interval` outside beat).
BUS_RELAY_LEASE_SECONDS = env.float("BUS_RELAY_LEASE_SECONDS", default=30.0)
BUS_RELAY_RESEND_SECONDS = env.float("BUS_RELAY_RESEND_SECONDS", default=900.0)
BUS_RELAY_BATCH = env.int("BUS_RELAY_BATCH", default=100)
BUS_SWEEP_SECONDS = env.float("BUS_SWEEP_SECONDS", default=1.0)

# -- Celery on Redis (BUS_TRANSPORT=celery) -----------------------------------------
# The knobs; config/celery.py turns them into the worker settings and explains each
# choice, config/checks.py refuses combinations that would run work twice (E020-E022).
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The broker is REDIS_URL. Prefix of every key (queues, unacked messages, control channels):
CELERY_KEY_PREFIX = env.str("CELERY_KEY_PREFIX", default="modulith:")
# A handler still running after the soft limit gets SoftTimeLimitExceeded (a normal,
# retried failure); after the hard limit its pool process is killed.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_SECONDS", default=25)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=30)
# A message a worker took and did not acknowledge within this is put back in its queue.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=45)
# How often every worker looks for such messages.
CELERY_UNACKED_RESTORE_INTERVAL = env.int("CELERY_UNACKED_RESTORE_INTERVAL_SECONDS", default=5)
# How long a worker waits for a dead pool process's last words before calling it lost,
# then the delay before its task is sent again (at most BUS_MAX_ATTEMPTS times).
CELERY_WORKER_LOST_WAIT_SECONDS = env.int("CELERY_WORKER_LOST_WAIT_SECONDS", default=2)
CELERY_WORKER_LOST_RETRY_SECONDS = env.int("CELERY_WORKER_LOST_RETRY_SECONDS", default=1)

# -- Logging -----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
