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
    "domains.cart",
    "domains.orders",
    "domains.billing",
    "domains.notifications",
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
    # JSON only, and never more than DATA_UPLOAD_MAX_MEMORY_SIZE bytes of it (413 beyond).
    "DEFAULT_PARSER_CLASSES": ["shared.gateway.parsers.JSONParser"],
    # ?limit= (at most 100) and ?offset=; see shared/gateway/pagination.py.
    "DEFAULT_PAGINATION_CLASS": "shared.gateway.pagination.LimitOffsetPagination",
    "EXCEPTION_HANDLER": "shared.gateway.errors.api_exception_handler",
    "PAGE_SIZE": 20,
}

# -- Event bus ---------------------------------------------------------------------
BUS_TRANSPORT = env.str("BUS_TRANSPORT", default="inprocess")
BUS_MAX_ATTEMPTS = env.int("BUS_MAX_ATTEMPTS", default=5)
BUS_RETRY_BASE_SECONDS = env.float("BUS_RETRY_BASE_SECONDS", default=2.0)
BUS_RETRY_MAX_SECONDS = env.float("BUS_RETRY_MAX_SECONDS", default=600.0)
BUS_LEASE_SECONDS = env.float("BUS_LEASE_SECONDS", default=300.0)

# -- Shop ----------------------------------------------------------------------------
# The fake payment provider decides by payment token (see domains/billing/providers.py);
# approve, decline or fail forces that outcome for every payment instead.
BILLING_FAKE_PROVIDER_OUTCOME = env.str("BILLING_FAKE_PROVIDER_OUTCOME", default="")
# How customer notifications leave: "log" (default) or "memory" (see domains/notifications/senders.py).
NOTIFICATIONS_SENDER = env.str("NOTIFICATIONS_SENDER", default="log")

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

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
