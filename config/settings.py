"""Settings, all from environment variables (django-environ); see .env.example for each one.

The defaults run the shop on a laptop with nothing else installed: SQLite, in-process
event delivery, DEBUG on. DJANGO_ENV=production turns the defaults safe and makes the
secrets mandatory, so a forgotten variable stops the start instead of weakening it.
"""

from __future__ import annotations

from pathlib import Path

import environ

from shared.db.databases import parse_domain_databases
from shared.placement import parse_placement

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The environment wins; then .env (yours, never committed); then config/service.env, which a
# service written by `manage.py extract service` carries: which domains it runs, where the rest run.
for env_file in (BASE_DIR / ".env", BASE_DIR / "config" / "service.env"):
    if env_file.is_file():
        environ.Env.read_env(env_file, overwrite=False)

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

# -- Placement ----------------------------------------------------------------------
# The deployment's domains, and where each runs: the one switch (shared/placement.py).
# DOMAIN_PLACEMENT=catalog=http://127.0.0.1:8011,billing=registry serves catalog from that URL
# and billing from the live instances in the service registry; a domain left out runs here.
DOMAINS = ("identity", "catalog", "cart", "orders", "billing", "notifications")
DOMAIN_PLACEMENT = parse_placement(env.str("DOMAIN_PLACEMENT", default=""), domains=DOMAINS)
# How local services are bound: "local" calls them directly; "wire" sends every call, its result
# and its errors through the wire encoding in process, as a remote call would (CI runs the
# whole suite so once: `make test-wire`).
INTERFACE_TRANSPORT = env.str("INTERFACE_TRANSPORT", default="local")
# The table guard (shared/db/guard.py): while a domain's code runs, SQL that touches another
# domain's tables raises (raise: development and tests, where DEBUG is on), is logged (log:
# production's default) or is not checked (off).
DOMAIN_TABLE_GUARD = env.str("DOMAIN_TABLE_GUARD", default="raise" if DEBUG else "log")
# The domains this process installs: those the placement runs here, unless MODULITH_DOMAINS names
# fewer. `pytest domains/<d>` names one (shared/contracts/pytest_plugin.py): the kernel and that
# domain alone, the other domains' interfaces served by fakes of their recorded contracts.
INSTALLED_DOMAINS = env.list("MODULITH_DOMAINS", default=list(DOMAIN_PLACEMENT.local_domains))
if unknown_domains := sorted(set(INSTALLED_DOMAINS) - set(DOMAINS)):
    raise environ.ImproperlyConfigured(
        f"MODULITH_DOMAINS names {', '.join(unknown_domains)}, which is no domain. Name some of: {', '.join(DOMAINS)}."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc assets, served from our static files
    # The kernel. Observability first: it turns call metrics on before the domains bind.
    "shared.observability",
    "shared.bus",
    "shared.db",
    "shared.boundaries",
    "shared.api",
    "shared.remote",
    "shared.contracts",
    "shared.architecture",
    # The domains that run here: each binds its service in its AppConfig.ready(). A domain
    # placed elsewhere is not installed; the kernel binds a client of its service instead.
    *(f"domains.{domain}" for domain in DOMAIN_PLACEMENT.local_domains if domain in INSTALLED_DOMAINS),
    # Composition-root commands (demo data).
    "config",
    # The extraction tooling (`manage.py extract`), where it is: a service it wrote has none.
    *(["extract"] if (BASE_DIR / "extract").is_dir() else []),
]

MIDDLEWARE = [
    # Outermost: times the whole request, and its log scope (domain, user) covers every line.
    "shared.observability.middleware.ObservabilityMiddleware",
    # Next, so that everything below runs under the request's correlation id and no
    # error page from below reaches an /api/ client as HTML.
    "shared.gateway.middleware.CorrelationIdMiddleware",
    "shared.api.middleware.ApiErrorMiddleware",
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
# DOMAIN_DATABASES gives domains databases of their own (shared/db/databases.py):
# DOMAIN_DATABASES=catalog=postgres://…/shop_catalog,orders (orders: <DATABASE_URL's name>_orders),
# or * for every domain. Each gets the alias of its name; the router puts its tables there.


PREPARE_THRESHOLD = 5
"""psycopg prepares a statement the fifth time a connection runs it (its own default)."""


def database(config: dict[str, object]) -> dict[str, object]:
    """A DATABASES entry as every alias of this shop wants it."""
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL and a busy timeout let runserver and `manage.py bus work` write side by side;
        # IMMEDIATE transactions take the write lock up front instead of failing mid-way.
        # synchronous=NORMAL is SQLite's recommended pairing with WAL: no corruption on a
        # crash, at worst the last commits lost on power failure (fine for the embedded
        # default; production runs PostgreSQL).
        config.setdefault("OPTIONS", {}).update(  # type: ignore[union-attr]
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    config["ATOMIC_REQUESTS"] = False  # transactions are explicit, per use case
    # Connections are kept between requests and Celery tasks (opening one costs a PostgreSQL
    # backend fork and a TLS handshake: 2.4-3.7x the throughput of the web tier), and checked
    # before reuse, so one that the server closed meanwhile is replaced instead of failing a request.
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # The bus's statements, which run for every event and delivery, are prepared once per
        # connection (shared/db/prepared.py): planning them cost more than running them. Django
        # turns psycopg's preparing off (None) for connection poolers; only cursors that bind
        # on the server prepare, and Django's own bind on the client, so nothing else changes.
        # Behind PgBouncer in transaction mode older than 1.21 (no max_prepared_statements),
        # set DATABASE_PREPARED_STATEMENTS=false.
        config.setdefault("OPTIONS", {}).setdefault("prepare_threshold", PREPARE_THRESHOLD)  # type: ignore[union-attr]
    return config


_default_database = env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
_domain_databases = parse_domain_databases(
    env.str("DOMAIN_DATABASES", default=""), default=_default_database, domains=DOMAINS
)
DATABASES = {
    "default": database(_default_database),
    **{domain: database(config) for domain, config in _domain_databases.items()},
}
# Each domain listed, with its alias (its own name): what shared.db.database_for reads.
DOMAIN_DATABASES = {domain: domain for domain in _domain_databases}
DATABASE_ROUTERS = ["shared.db.router.DomainRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Identity's users; Django's own model only in a process that identity does not run in (placed
# elsewhere, or another domain tested alone).
AUTH_USER_MODEL = "identity.User" if "identity" in INSTALLED_DOMAINS else "auth.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
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

# -- REST API and gateway --------------------------------------------------------------
# Every /api/ endpoint needs a token unless its view declares Public (shared/api/access.py).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond it).
    "DEFAULT_PARSER_CLASSES": ["shared.api.parsers.JSONParser"],
    # ?format=api (or any format an endpoint does not render) is a 400 naming the parameter.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "shared.api.negotiation.ContentNegotiation",
    # Bearer access tokens, verified with the public keys alone (no identity database).
    "DEFAULT_AUTHENTICATION_CLASSES": ["shared.auth.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shared.api.pagination.LimitOffsetPagination",
    "DEFAULT_SCHEMA_CLASS": "shared.api.schema.ApiAutoSchema",
    # OPTIONS: name, description, media types; request bodies are described by the schema only.
    "DEFAULT_METADATA_CLASS": "shared.api.metadata.Metadata",
    "EXCEPTION_HANDLER": "shared.api.errors.api_exception_handler",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "shared.api.throttling.AnonymousRateThrottle",
        "shared.api.throttling.UserRateThrottle",
        "shared.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("RATE_LIMIT_ANON", default="120/min"),
        "user": env.str("RATE_LIMIT_USER", default="600/min"),
        "login": env.str("RATE_LIMIT_LOGIN", default="10/min"),
    },
    # How many proxies of ours append to X-Forwarded-For; 0 trusts only REMOTE_ADDR.
    "NUM_PROXIES": env.int("GATEWAY_TRUSTED_PROXIES", default=0),
}


def cache_from_url(variable: str, *, default: str) -> dict[str, object]:
    """env.cache_url, except that ?key_prefix=/timeout=/version= work for Django's Redis backend too.

    django-environ lowercases every query option for that backend, these top-level ones as
    well, and Django ignores `key_prefix`: two apps on one Redis would then share counters.
    """
    config = env.cache_url(variable, default=default)
    for option in ("KEY_PREFIX", "TIMEOUT", "VERSION"):
        if option.lower() in config:
            config[option] = config.pop(option.lower())
    return config


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Rate-limit counters: per process by default; redis://... shares them between processes.
    "rate_limit": cache_from_url("RATE_LIMIT_CACHE_URL", default="locmemcache://rate-limit"),
}

# How long the edge waits for a remote domain's service to start answering a forwarded request (504 after).
GATEWAY_FORWARD_TIMEOUT_SECONDS = env.float("GATEWAY_FORWARD_TIMEOUT_SECONDS", default=30.0)
# Largest request body: Django's own limit, which the gateway enforces on /api/ before reading (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("GATEWAY_MAX_BODY_BYTES", default=1_048_576)
IDEMPOTENCY_KEY_TTL_SECONDS = env.float("IDEMPOTENCY_KEY_TTL_SECONDS", default=86_400.0)
IDEMPOTENCY_LEASE_SECONDS = env.float("IDEMPOTENCY_LEASE_SECONDS", default=120.0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Modulith shop API",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["shared.api.access.Public"],
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH body is read by the same serializer as the others (no view here sets partial=True), so its
    # required fields stay required in the schema.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No call to swagger.io's online validator: the docs work, and stay private, offline.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shared.api.schema.describe_api",
        # Domains placed elsewhere: their operations, from their services' schemas.
        "shared.gateway.schema.merge_remote_schemas",
    ],
}

# -- Authentication ----------------------------------------------------------------
# The identity domain signs access tokens (JWTs) with the first key of AUTH_SIGNING_KEYS (PEM
# files, RSA of at least 2048 bits or Ed25519); every listed key is published at
# /.well-known/jwks.json. A public-key file publishes without signing (a retired key). See
# README.md, "Authentication", for rotation.
AUTH_SIGNING_KEYS = [str(BASE_DIR / path) for path in env.list("AUTH_SIGNING_KEYS", default=[])]  # relative to here
# Every process verifies tokens with public keys alone (shared.auth), from the first of these
# that is set: the identity provider's JWK set over HTTP (a service without key files), PEM
# files (public keys, or private ones of which only the public half is used), and otherwise
# the public halves of AUTH_SIGNING_KEYS or, in development, of the development key.
AUTH_JWKS_URL = env.str("AUTH_JWKS_URL", default="")
AUTH_VERIFYING_KEYS = [str(BASE_DIR / path) for path in env.list("AUTH_VERIFYING_KEYS", default=[])]
if PRODUCTION and not (AUTH_SIGNING_KEYS or AUTH_VERIFYING_KEYS or AUTH_JWKS_URL):
    raise environ.ImproperlyConfigured(
        "AUTH_SIGNING_KEYS is not set, and DJANGO_ENV=production needs it to sign access tokens. Create a key "
        "with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out /run/secrets/jwt-signing.pem` "
        "and set AUTH_SIGNING_KEYS=/run/secrets/jwt-signing.pem."
    )
# Without AUTH_SIGNING_KEYS in development, a key is generated here on first use and kept.
AUTH_DEV_KEY_FILE = None if PRODUCTION else env.path("AUTH_DEV_KEY_FILE", default=BASE_DIR / ".dev-keys" / "jwt.pem")
AUTH_TOKEN_ISSUER = env.str("AUTH_TOKEN_ISSUER", default="modulith-identity")
AUTH_TOKEN_AUDIENCE = env.str("AUTH_TOKEN_AUDIENCE", default="modulith-api")
AUTH_ACCESS_TOKEN_SECONDS = env.int("AUTH_ACCESS_TOKEN_SECONDS", default=15 * 60)
AUTH_REFRESH_TOKEN_SECONDS = env.int("AUTH_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600)
AUTH_CLOCK_SKEW_SECONDS = env.int("AUTH_CLOCK_SKEW_SECONDS", default=30)
# A verified token is remembered this long (never past its expiry), so the signature is not
# checked again on each of its requests; 0 checks every request in full. Also how long a key
# removed from the trusted set keeps verifying the tokens it already verified.
AUTH_VERIFIED_TOKEN_CACHE_SECONDS = env.float("AUTH_VERIFIED_TOKEN_CACHE_SECONDS", default=60.0)

# -- Remote interfaces and service credentials ----------------------------------------
# How this process calls the domains DOMAIN_PLACEMENT places elsewhere, and how it proves who
# it is to them (README "Remote interfaces" and "Service-to-service credentials").
SERVICE_NAME = env.str("SERVICE_NAME", default="monolith")  # the `iss` of the tokens this service signs
# The private key (PEM, Ed25519 or RSA) this deployment signs its calls with. Without it in
# development a key is generated once here; in production calls to other services need it.
SERVICE_SIGNING_KEY = env.str("SERVICE_SIGNING_KEY", default="")
SERVICE_KEY_FILE = (
    BASE_DIR / SERVICE_SIGNING_KEY
    if SERVICE_SIGNING_KEY
    else None
    if PRODUCTION
    else Path(env.str("SERVICE_DEV_KEY_FILE", default=str(BASE_DIR / ".dev-keys" / "service.pem")))
)
# Public keys (PEM) of the deployments whose services may call this one; empty: only its own key.
SERVICE_TRUSTED_KEYS = [str(BASE_DIR / path) for path in env.list("SERVICE_TRUSTED_KEYS", default=[])]
SERVICE_TOKEN_SECONDS = env.int("SERVICE_TOKEN_SECONDS", default=300)
REMOTE_CONNECT_TIMEOUT_SECONDS = env.float("REMOTE_CONNECT_TIMEOUT_SECONDS", default=0.5)
# The whole budget of one call, retries included; each attempt gets what is left.
REMOTE_CALL_TIMEOUT_SECONDS = env.float("REMOTE_CALL_TIMEOUT_SECONDS", default=5.0)
# Attempts per call of an operation marked @idempotent or @creates (others are sent once).
REMOTE_RETRY_ATTEMPTS = env.int("REMOTE_RETRY_ATTEMPTS", default=3)
REMOTE_RETRY_BACKOFF_SECONDS = env.float("REMOTE_RETRY_BACKOFF_SECONDS", default=0.05)  # doubles, with jitter
# A service instance's circuit opens after this many failures in a row, and lets one probe
# through after the reset time.
REMOTE_BREAKER_FAILURES = env.int("REMOTE_BREAKER_FAILURES", default=5)
REMOTE_BREAKER_RESET_SECONDS = env.float("REMOTE_BREAKER_RESET_SECONDS", default=10.0)
REMOTE_POOL_CONNECTIONS = env.int("REMOTE_POOL_CONNECTIONS", default=20)  # keep-alive connections per service
# The service registry (DOMAIN_PLACEMENT=<domain>=registry): where instances announce themselves,
# how long a heartbeat keeps one live, how often an instance beats and clients re-read the list.
SERVICE_REGISTRY_URL = env.str("SERVICE_REGISTRY_URL", default=env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"))
SERVICE_REGISTRY_PREFIX = env.str("SERVICE_REGISTRY_PREFIX", default="modulith:services:")
SERVICE_TTL_SECONDS = env.float("SERVICE_TTL_SECONDS", default=15.0)
SERVICE_HEARTBEAT_SECONDS = env.float("SERVICE_HEARTBEAT_SECONDS", default=5.0)
SERVICE_REGISTRY_REFRESH_SECONDS = env.float("SERVICE_REGISTRY_REFRESH_SECONDS", default=1.0)
SERVICE_VERSION = env.str("SERVICE_VERSION", default="dev")  # what this instance announces (a release, a commit)

# -- Event bus ---------------------------------------------------------------------
BUS_TRANSPORT = env.str("BUS_TRANSPORT", default="inprocess")  # inprocess | celery
BUS_MAX_ATTEMPTS = env.int("BUS_MAX_ATTEMPTS", default=5)
BUS_RETRY_BASE_SECONDS = env.float("BUS_RETRY_BASE_SECONDS", default=2.0)
BUS_RETRY_MAX_SECONDS = env.float("BUS_RETRY_MAX_SECONDS", default=600.0)
# A delivery left in processing this long (its process died, and no broker message came
# back to say so) is taken back by the sweep: above the Celery hard time limit (check E021),
# and short enough that such a delivery runs again well within a minute.
BUS_LEASE_SECONDS = env.float("BUS_LEASE_SECONDS", default=40.0)
# The relay (BUS_TRANSPORT=celery): how long a relay may hold rows it claimed before
# another relay may take them, after how long a sent but never picked up message counts
# as lost and is sent again, how many rows one claim takes, and how often the periodic
# sweep runs (celery beat; `manage.py bus work --interval` outside beat).
BUS_RELAY_LEASE_SECONDS = env.float("BUS_RELAY_LEASE_SECONDS", default=30.0)
# A message Redis lost (a restart without persistence, a worker killed as it took the
# message) is sent again after this; a message merely waiting in a long queue is then sent
# twice, which costs a claim that finds the row taken (the inbox makes it harmless).
BUS_RELAY_RESEND_SECONDS = env.float("BUS_RELAY_RESEND_SECONDS", default=30.0)
BUS_RELAY_BATCH = env.int("BUS_RELAY_BATCH", default=100)
BUS_SWEEP_SECONDS = env.float("BUS_SWEEP_SECONDS", default=1.0)
# Other services' feeds (where DOMAIN_PLACEMENT places a domain at a URL) are pulled on every
# sweep, this many events per read. This process's own feeds (/internal/events/<domain>/) answer only
# callers presenting BUS_FEED_TOKEN; unset, it answers no one. Share one token between services.
BUS_FEED_PAGE = env.int("BUS_FEED_PAGE", default=100)
BUS_FEED_TOKEN = env.str("BUS_FEED_TOKEN", default="")
# Redis on which publishers say "this domain's feed moved" and `bus work` listens, so a
# subscriber pulls at once rather than at its next sweep. Lossy on purpose (pub/sub): a
# lost nudge costs one sweep interval. Unset: no nudges.
BUS_NUDGE_REDIS_URL = env.str("BUS_NUDGE_REDIS_URL", default="")

# -- Shop ----------------------------------------------------------------------------
# The fake payment provider decides by payment token (see domains/billing/providers.py);
# approve, decline or fail forces that outcome for every payment instead. It keeps its
# charges in a SQLite file of its own, like a sandbox account that every process of the
# shop on this machine (web workers, `bus work`, Celery workers) talks to.
BILLING_FAKE_PROVIDER_OUTCOME = env.str("BILLING_FAKE_PROVIDER_OUTCOME", default="")
BILLING_FAKE_PROVIDER_STORE = env.path("BILLING_FAKE_PROVIDER_STORE", default=BASE_DIR / ".fake-provider.sqlite3")
# Checkout (README "Checkout, crashes and retries"): a checkout whose order is not
# recorded within ORDERS_CHECKOUT_TIMEOUT_SECONDS is stopped and its stock released (one
# whose process died, at once). A reservation whose order is not recorded within
# CATALOG_RESERVATION_TTL_SECONDS is released by the checkout sweep, which runs every
# CHECKOUT_SWEEP_SECONDS (celery beat, or `manage.py checkout_sweep`).
ORDERS_CHECKOUT_TIMEOUT_SECONDS = env.float("ORDERS_CHECKOUT_TIMEOUT_SECONDS", default=60.0)
CATALOG_RESERVATION_TTL_SECONDS = env.float("CATALOG_RESERVATION_TTL_SECONDS", default=900.0)
CHECKOUT_SWEEP_SECONDS = env.float("CHECKOUT_SWEEP_SECONDS", default=5.0)
# How customer notifications leave: "log" (default) or "memory" (see domains/notifications/senders.py).
NOTIFICATIONS_SENDER = env.str("NOTIFICATIONS_SENDER", default="log")

# -- Celery on Redis (BUS_TRANSPORT=celery) -----------------------------------------
# The knobs; shared/bus/worker.py turns them into the worker settings and explains each
# choice, shared/bus/celery_checks.py refuses combinations that would run work twice (E020-E022).
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
# Every line names the action it belongs to: the correlation id of the request, event or
# task being served ("-" outside any), and keeps the fields code passes in `extra=`.
# LOG_FORMAT=json writes one JSON object per line (what a log shipper wants); the default
# in development is a readable line (shared/observability/logs.py shows both).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "readable")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "shared.correlation.CorrelationIdFilter"}},
    "formatters": {"structured": {"()": "shared.observability.logs.formatter", "output": LOG_FORMAT}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["correlation_id"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # httpx logs every request at INFO: the remote client's calls would drown the rest.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# -- Metrics and health -------------------------------------------------------------
# /metrics (Prometheus): interface calls, events, outbox backlog, breakers, HTTP requests.
# METRICS_TOKEN makes Prometheus send `Authorization: Bearer <token>`; without one, /metrics
# is open only while METRICS_PUBLIC is on (the development default). Several processes
# (gunicorn workers) add up when PROMETHEUS_MULTIPROC_DIR names a directory they share.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=not PRODUCTION)
# /healthz/ready: how long each dependency may take to answer, and which may be down
# without making this process unready (config/health.py names the checks).
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=1.0)
HEALTH_OPTIONAL_CHECKS = env.list("HEALTH_OPTIONAL_CHECKS", default=[])
# Benchmarks only: every process counts its SQL statements into files in this directory
# (config/statement_count.py; `python -m bench` sets it). Unset: nothing is counted.
STATEMENT_COUNT_DIR = env.str("STATEMENT_COUNT_DIR", default="")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
