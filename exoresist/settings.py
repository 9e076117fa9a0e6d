"""ExoResist settings: one module, driven by environment variables only."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from exoresist.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("EXORESIST_TESTING", False)
PRODUCTION = not DEBUG and not TESTING
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("EXORESIST_INSECURE_DEV_KEY", False):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (and keep it secret) in production, or set "
            "DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as static files: no CDN
    "simple_history",
    "evidence",
    "exoresist.apps.ExoresistConfig",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # Request id first, so that every log line, even of a refused request, carries it.
    "exoresist.middleware.RequestIdMiddleware",
    "exoresist.middleware.HealthCheckMiddleware",
    "exoresist.middleware.HostileInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "exoresist.middleware.DatabaseUnavailableMiddleware",
    "exoresist.middleware.PrimaryPinMiddleware",
    "exoresist.middleware.PageCacheMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exoresist.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "exoresist.wsgi.application"

_CONNECTION = {"CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60), "CONN_HEALTH_CHECKS": True}


def _database(name: str, url: str) -> dict:
    """dj_database_url.parse, with a clear message (and no password echoed) for a malformed or non-PostgreSQL URL."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme.startswith("sqlite"):
        raise ImproperlyConfigured(
            f"{name} names SQLite ({scheme}://): ExoResist runs on PostgreSQL only. Unset DATABASE_URL to use "
            "the embedded PostgreSQL under var/postgres, or use postgres://user:pass@host:5432/db."
        )
    try:
        parsed = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} is not a database URL (scheme {scheme!r}): use postgres://user:pass@host:5432/db. "
            f"({type(exc).__name__})"
        ) from None
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} is not a PostgreSQL URL (scheme {scheme!r}): use postgres://...")
    return {**parsed, **_CONNECTION}


_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    DATABASES = {"default": _database("DATABASE_URL", _database_url)}
elif PRODUCTION:
    DATABASES = {"default": {}}  # refused below with the other unsafe settings
else:
    # Development and the test suite on a fresh clone (docs/embedded-postgres.md).
    from exoresist.embedded_postgres import database_settings

    DATABASES = {"default": {**database_settings(BASE_DIR / "var" / "postgres"), **_CONNECTION}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if TESTING:
    # The suite creates hundreds of users; PBKDF2 would make each cost most of a second.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Production serves the hashed, compressed copies collectstatic wrote to STATIC_ROOT.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG or TESTING

LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: DRF answers an unauthenticated request with the first class's
    # WWW-Authenticate header, so a write without credentials is a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["evidence.api.permissions.CuratorWriteOrReadOnly"],
    # An unknown ?format= is a 400 naming the formats offered, not DRF's 404.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "evidence.api.negotiation.StrictContentNegotiation",
    # Ordering is the FilterSet's ``ordering`` filter, shared with the HTML pages.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["evidence.api.throttling.AnonWindowThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("EXORESIST_ANON_RATE", "120/min")},
    "DEFAULT_PAGINATION_CLASS": "evidence.api.pagination.StandardPagination",
    "EXCEPTION_HANDLER": "evidence.api.exceptions.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "evidence.api.parsers.StrictJSONParser",
        "evidence.api.parsers.StrictFormParser",
        "evidence.api.parsers.StrictMultiPartParser",
    ],
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ExoResist API",
    "DESCRIPTION": (
        "Curated evidence that exosomes (extracellular vesicles) spread or reverse drug "
        "resistance in breast cancer. Read access is anonymous; curators write with a token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Requests name related records (a drug by name, a citation by DOI); responses embed them.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "evidence.api.schema.document_errors",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        # Swagger UI would otherwise send the schema URL to validator.swagger.io and show its badge.
        "validatorUrl": None,
    },
}

EXORESIST_RELEASE = os.environ.get("EXORESIST_RELEASE", "development")

# --- Production: hardening, caching, read replicas, logging (docs/deploy.md) ---
if PRODUCTION:
    # Stop start-up with one clear message rather than run half-safe.
    _problems = []
    if env_bool("EXORESIST_INSECURE_DEV_KEY", False):
        _problems.append("EXORESIST_INSECURE_DEV_KEY is set: it is for the test suite only.")
    if SECRET_KEY.startswith("django-insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _problems.append(
            "DJANGO_SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )
    if "DJANGO_ALLOWED_HOSTS" not in os.environ:
        _problems.append("DJANGO_ALLOWED_HOSTS is not set: list the host names the site answers to.")
    elif "*" in ALLOWED_HOSTS:
        _problems.append("DJANGO_ALLOWED_HOSTS contains '*': list the real host names instead.")
    elif not ALLOWED_HOSTS:
        _problems.append("DJANGO_ALLOWED_HOSTS is empty: every request would be refused; list the host names.")
    if not _database_url:
        _problems.append("DATABASE_URL is not set: production needs postgres://user:pass@host:5432/db.")
    if _problems:
        raise ImproperlyConfigured("Unsafe production configuration:\n  - " + "\n  - ".join(_problems))

# --- HTTPS, cookies, headers, limits -------------------------------------------
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("DJANGO_USE_X_FORWARDED_HOST", False)
EXORESIST_NUM_PROXIES = env_int("EXORESIST_NUM_PROXIES", 0)
EXORESIST_FLAGS_PER_HOUR = env_int("EXORESIST_FLAGS_PER_HOUR", 10)
# A deep offset scans every row before it; deeper reads belong to the export.
EXORESIST_API_MAX_OFFSET = env_int("EXORESIST_API_MAX_OFFSET", 10_000)
EXORESIST_EXPORT_BUILDS = env_int("EXORESIST_EXPORT_BUILDS", 2)
EXORESIST_EXPORTS_PER_CLIENT = env_int("EXORESIST_EXPORTS_PER_CLIENT", 1)
EXORESIST_EXPORTS_DIR = os.environ.get("EXORESIST_EXPORTS_DIR", str(Path(tempfile.gettempdir()) / "exoresist-exports"))

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
# Load-balancer probes come over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Django's defaults do the rest: HttpOnly session cookie, SameSite=Lax cookies, nosniff,
# same-origin Referrer-Policy and Cross-Origin-Opener-Policy, X-Frame-Options DENY.

# A BibTeX upload of a few thousand entries fits in 10 MB (uploads: exoresist.uploads).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("EXORESIST_MAX_REQUEST_BYTES", 10 * 1024 * 1024)
EXORESIST_MAX_UPLOAD_BYTES = env_int("EXORESIST_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# A BibTeX upload must be imported within a request (30 s).
EXORESIST_WEB_BIBTEX_MAX_ENTRIES = env_int("EXORESIST_WEB_BIBTEX_MAX_ENTRIES", 5000)
FILE_UPLOAD_MAX_MEMORY_SIZE = EXORESIST_MAX_UPLOAD_BYTES
FILE_UPLOAD_HANDLERS = [
    "exoresist.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("EXORESIST_MAX_FORM_FIELDS", 2000)

# Scripts, styles and images from this site only: no inline <script> or style="" in templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Login throttling (django-axes) ------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Off in the test suite (Django's test client logs in without a request).
AXES_ENABLED = env_bool("EXORESIST_LOGIN_THROTTLE", not TESTING)
AXES_FAILURE_LIMIT = env_int("EXORESIST_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("EXORESIST_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "exoresist.middleware.client_ip"
AXES_USERNAME_CALLABLE = "exoresist.middleware.login_username"
AXES_VERBOSE = False
# 0 keys anonymous clients by REMOTE_ADDR; None would key them by the whole X-Forwarded-For
# header, which a client writes itself.
REST_FRAMEWORK["NUM_PROXIES"] = EXORESIST_NUM_PROXIES

# --- Databases: transactions, read replicas ----------------------------------
DATABASES["default"]["ATOMIC_REQUESTS"] = env_bool("EXORESIST_ATOMIC_REQUESTS", True)
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{_number}"] = _database(f"DATABASE_REPLICA_URLS entry {_number}", _url)
    # Tests run against the primary's test database only.
    DATABASES[f"replica{_number}"]["TEST"] = {"MIRROR": "default"}
EXORESIST_REPLICAS = [alias for alias in DATABASES if alias.startswith("replica")]
DATABASE_ROUTERS = ["exoresist.db_router.PrimaryReplicaRouter"]
EXORESIST_REPLICA_PIN_SECONDS = env_int("EXORESIST_REPLICA_PIN_SECONDS", 10)

# --- Cache ---------------------------------------------------------------------
_cache_url = (os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")).strip()
if _cache_url and _cache_url.split("://", 1)[0] not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(
        "CACHE_URL/REDIS_URL is not a Redis URL: use redis://host:6379/0 (rediss:// for TLS, unix:// for a socket)."
    )
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "exoresist",
            "OPTIONS": {
                # Redis down: the site keeps serving, uncached.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "exoresist.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "exoresist"}}
EXORESIST_SHARED_CACHE = bool(_cache_url)
# Only safe when the cache (and its data-version key) is shared by every worker.
EXORESIST_PAGE_CACHE = env_bool("EXORESIST_PAGE_CACHE", EXORESIST_SHARED_CACHE and not DEBUG and not TESTING)
EXORESIST_PAGE_CACHE_SECONDS = env_int("EXORESIST_PAGE_CACHE_SECONDS", 600)
EXORESIST_CACHE_WATCHED_APPS = ["evidence"]
EXORESIST_DEDUPLICATE_BUMPS = not TESTING
# "on_read" in the test suite, whose transactions never commit (docs/deploy.md).
EXORESIST_COUNTS_REFRESH = os.environ.get("EXORESIST_COUNTS_REFRESH", "on_read" if TESTING else "background")
if EXORESIST_COUNTS_REFRESH not in {"background", "on_read"}:
    raise ImproperlyConfigured(f"EXORESIST_COUNTS_REFRESH={EXORESIST_COUNTS_REFRESH!r}: use background or on_read.")

# --- Logging: one JSON object per line, with the request id --------------------
_log_format = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
if _log_format not in {"json", "text"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT={_log_format!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "exoresist.logging.RequestIdFilter"},
        "cache_outage": {"()": "exoresist.logging.CacheOutageFilter", "interval": 10},
    },
    "formatters": {
        "json": {"()": "exoresist.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": _log_format, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request comes from exoresist.request; Django's own 4xx lines would repeat it.
        "django.request": {"level": "ERROR"},
        # django-redis's ignored errors (DJANGO_REDIS_LOGGER): one line per 10 s while Redis is down.
        "exoresist.cache": {"level": "WARNING", "filters": ["cache_outage"]},
        "exoresist.request": {"level": "INFO" if env_bool("EXORESIST_REQUEST_LOG", True) else "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}
EXORESIST_RELEASES_DIR = os.environ.get("EXORESIST_RELEASES_DIR", str(BASE_DIR / "releases"))
