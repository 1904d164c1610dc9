"""Lotsennetz settings, read from the environment.

Without any environment the platform runs embedded: SQLite in ``var/`` and the
in-process channel layer. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL``
to channels_redis and a Redis cache. See README.md, "Konfiguration".
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOTSENNETZ_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", default=False)

# The development key only exists so that `make run` works on a bare machine;
# production (DEBUG off) refuses to start with it or without any key.
DEVELOPMENT_SECRET_KEY = "django-insecure-lotsennetz-development-only-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    # django.contrib.admin with the throttled login (community/admin_site.py)
    "community.admin_site.LotsennetzAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "files",
    "community",
    "notifications",
    "forum",
    "events",
    "chat",
    "privacy",
    "directory",
    "home",
]

MIDDLEWARE = [
    "core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.site.SiteUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.middleware.LanguageMemoryMiddleware",
    "community.middleware.ClosedNetworkMiddleware",
    "community.middleware.SecondFactorRequiredMiddleware",
    "config.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.site",
                "chat.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
        )
    }
    # Under daphne every request and every socket's database call would open a
    # new PostgreSQL connection (a server process: 4 ms quiet, 10-18 ms loaded).
    # A pool per worker process hands out open connections instead; Django
    # returns them where it used to close them. Persistent connections
    # (DB_CONN_MAX_AGE) are the alternative, not a companion: Django refuses both.
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 20)
    if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        if DATABASES["default"]["CONN_MAX_AGE"]:
            raise ImproperlyConfigured(
                "DB_CONN_MAX_AGE and the connection pool exclude each other: "
                "set DB_POOL_MAX_SIZE=0 to keep connections per thread instead."
            )
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # A request waits this long for a free connection, then fails loudly.
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lotsennetz.sqlite3",
            # WAL and a busy timeout let daphne's threads read while one writes.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache --------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

# channels_redis blocks in BZPOPMIN for `brpop_timeout` (5 s) while a consumer
# is idle. redis-py 8 defaults to socket_timeout=5 s and a pool of 100
# connections, so an idle consumer's read times out just as the server answers
# and daphne closes the socket with 1011 (channels_redis issue 422). The read
# timeout must stay well above the blocking time, and the pool must be sized
# for every consumer of one daphne process.
CHANNEL_LAYER_SOCKET_TIMEOUT = 30
CHANNEL_LAYER_MAX_CONNECTIONS = env_int("CHANNEL_LAYER_MAX_CONNECTIONS", 1000)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "core.channel_layer.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                        "max_connections": CHANNEL_LAYER_MAX_CONNECTIONS,
                    }
                ],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "lotsennetz"),
                "capacity": 1000,
                "expiry": 60,
                "group_expiry": 86400,
            },
        },
        # Chat rooms' doorbells (core.realtime.CHAT_ROOM_LAYER): Redis pub/sub,
        # one PUBLISH per event and pushed to each subscribed process, where the
        # default layer spends three round trips to send and four to receive. A
        # doorbell lost here (no subscriber, Redis restarting) costs nothing: the
        # messages are stored, and clients fill every gap with ``sync``.
        "chat_rooms": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "health_check_interval": 15,
                    }
                ],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "lotsennetz") + ".rooms",
            },
        },
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lotsennetz"),
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ------------------------------------------------------------
AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = ["community.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_VALID_DAYS = 14
SIGNUP_CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 3  # three days

# Sign-in throttling: failures count per account; per address only at flood
# level, so a whole city hall behind one NAT address is never locked out.
SIGNIN_FAILURES_PER_ACCOUNT = env_int("SIGNIN_FAILURES_PER_ACCOUNT", 5)
SIGNIN_FAILURES_PER_ADDRESS = env_int("SIGNIN_FAILURES_PER_ADDRESS", 100)
SIGNIN_LOCKOUT_SECONDS = env_int("SIGNIN_LOCKOUT_SECONDS", 15 * 60)
# Earlier keys: what they signed or sealed (core.sealing: authenticator secrets,
# recovery codes) stays valid while the operator rotates SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Second factor (issue 21): who must have one before reaching anything but its set-up
# page: "roles" (administrators, staff, moderators, coordinators), "all" or "none".
SECOND_FACTOR_REQUIRED_FOR = os.environ.get("SECOND_FACTOR_REQUIRED_FOR", "roles").strip().lower()
if SECOND_FACTOR_REQUIRED_FOR not in {"roles", "all", "none"}:
    raise ImproperlyConfigured("SECOND_FACTOR_REQUIRED_FOR must be roles, all or none.")
# Between password and code: how long the half-done sign-in waits, in seconds.
SECOND_FACTOR_PENDING_SECONDS = env_int("SECOND_FACTOR_PENDING_SECONDS", 5 * 60)
# Sign-in through a municipality's OpenID Connect provider (issue 21): members of a
# municipality with a provider who have not signed in there for this many days are
# deactivated by `manage.py oidc_expire` (0: never). Discovery documents and keys are
# cached this many seconds; the provider gets this long to answer; clocks may differ by
# the leeway when the ID token's times are checked.
OIDC_MAX_AGE_DAYS = env_int("OIDC_MAX_AGE_DAYS", 30)
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 300)
OIDC_HTTP_TIMEOUT_SECONDS = env_int("OIDC_HTTP_TIMEOUT_SECONDS", 10)
OIDC_CLOCK_LEEWAY_SECONDS = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 60)
# A role that must have a second factor (SECOND_FACTOR_REQUIRED_FOR) accepts a sign-in
# through the provider alone when its ID token says a second factor was used ("amr",
# RFC 8176), or always with "trust" (the operator knows every provider enforces one).
OIDC_PROVIDER_SECOND_FACTOR = os.environ.get("OIDC_PROVIDER_SECOND_FACTOR", "amr").strip().lower()
if OIDC_PROVIDER_SECOND_FACTOR not in {"amr", "trust"}:
    raise ImproperlyConfigured("OIDC_PROVIDER_SECOND_FACTOR must be amr or trust.")
# WebAuthn relying party: the host name passkeys are bound to (empty: the request's host).
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "").strip()
# API tokens expire after this many days without use (0: never).
API_TOKEN_IDLE_DAYS = env_int("API_TOKEN_IDLE_DAYS", 90)
# Rate limits of config/middleware.py, (requests, window in seconds): sign-up and
# password reset per address (flood level: one NAT address for a whole city hall)
# and per target e-mail address; forum threads and posts per member.
RATE_LIMITS = {
    "signup_address": (env_int("SIGNUP_PER_ADDRESS_PER_HOUR", 50), 3600),
    "signup_email": (3, 3600),
    "password_reset_address": (env_int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", 50), 3600),
    "password_reset_email": (3, 3600),
    "forum_thread": (10, 3600),
    "forum_post": (30, 600),
    "push_change_address": (env_int("PUSH_CHANGE_PER_ADDRESS_PER_HOUR", 60), 3600),
}
# Behind nginx the client address comes from X-Forwarded-For, set by the proxy.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", default=False)

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Chat retention (manage.py purge_chat_history, from cron) ----------------
# Days to keep chat messages, 0 = for ever; per room kind e.g.
# CHAT_RETENTION_DAYS_BY_KIND=direct=90,private=365 (kinds: network,
# municipality, project, event, private, direct).
CHAT_RETENTION_DAYS = env_int("CHAT_RETENTION_DAYS", 0)


def env_days_by_kind(name: str) -> dict[str, int]:
    """``direct=90,private=365``; anything else stops the start with a clear message
    (unknown kinds are reported by the system check chat.E001)."""
    days_by_kind = {}
    for item in env_list(name, []):
        kind, sep, days = (part.strip() for part in item.partition("="))
        if not sep or not kind or not days.isdigit():
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not kind=days, e.g. direct=90,private=365"
            )
        days_by_kind[kind] = int(days)
    return days_by_kind


CHAT_RETENTION_DAYS_BY_KIND = env_days_by_kind("CHAT_RETENTION_DAYS_BY_KIND")

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "config.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files (files/): on the file system under var/files/, or with
# FILES_STORAGE=s3 in S3-compatible object storage (django-storages).
FILES_ROOT = Path(os.environ.get("FILES_ROOT", VAR_DIR / "files"))
FILES_STORAGE = os.environ.get("FILES_STORAGE", "local").strip().lower()
# Seconds a signed download address of the object storage stays valid.
FILES_SIGNED_URL_SECONDS = env_int("FILES_SIGNED_URL_SECONDS", 60)
if FILES_STORAGE == "s3":
    if not os.environ.get("S3_BUCKET"):
        raise ImproperlyConfigured("FILES_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL, keys).")
    STORAGES["files"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": FILES_SIGNED_URL_SECONDS,
        },
    }
elif FILES_STORAGE == "local":
    STORAGES["files"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": FILES_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }
else:
    raise ImproperlyConfigured('FILES_STORAGE must be "local" or "s3".')
# How downloads leave the platform after the access check: "django" (streamed
# by the worker), "nginx" (X-Accel-Redirect to the internal location /_dateien/,
# docs/deploy/nginx.conf) or "s3" (a redirect to a signed address).
FILES_DELIVERY = os.environ.get("FILES_DELIVERY", "django").strip().lower()
if FILES_DELIVERY not in {"django", "nginx", "s3"}:
    raise ImproperlyConfigured('FILES_DELIVERY must be "django", "nginx" or "s3".')
if FILES_DELIVERY == "s3" and FILES_STORAGE != "s3":
    raise ImproperlyConfigured("FILES_DELIVERY=s3 needs FILES_STORAGE=s3.")
FILES_MAX_BYTES = env_int("FILES_MAX_BYTES", 25 * 1024 * 1024)
FILES_QUOTA_BYTES = env_int("FILES_QUOTA_BYTES", 1024 * 1024 * 1024)
FILES_PER_OBJECT = 10
# Images with more pixels are refused before they are decoded (decompression bombs).
FILES_MAX_IMAGE_PIXELS = env_int("FILES_MAX_IMAGE_PIXELS", 50_000_000)
# Virus scanning with clamd: a Unix socket, or host and port (none: no scan).
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "")
CLAMAV_HOST = os.environ.get("CLAMAV_HOST", "")
CLAMAV_PORT = env_int("CLAMAV_PORT", 3310)
CLAMAV_TIMEOUT = env_int("CLAMAV_TIMEOUT", 60)
# Uploads beyond this size go to a temporary file, never held in memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail ----------------------------------------------------------------
# Console by default; SMTP as soon as EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Lotsennetz <noreply@lotsennetz.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address links in e-mails, .ics files and feeds point to (core/site.py): set
# explicitly, it always wins; otherwise links follow the address a request came
# to, and outside a request (cron) the last one served, then this default.
SITE_URL_EXPLICIT = bool(os.environ.get("SITE_URL", "").strip())
SITE_URL = (os.environ.get("SITE_URL", "").strip() or "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Lotsennetz"

# --- Web Push (notifications/push.py) ----------------------------------------
# The operator's VAPID key pair (base64url: the public key as an uncompressed
# P-256 point, the private key as its 32 raw bytes; `manage.py vapid_keys` makes
# one) and a contact for the push services (mailto: or https:). All three or
# push is off, and the profile says so.
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "").strip()
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "").strip()
PUSH_TIMEOUT_SECONDS = env_int("PUSH_TIMEOUT_SECONDS", 10)
# Where subscriptions may point: the browsers' push services (a leading dot
# admits subdomains). A member's browser names the endpoint, so without this
# list a member could make the platform send requests to any host, internal
# ones included. Comma-separated in PUSH_SERVICE_HOSTS to replace the list.
PUSH_SERVICE_HOSTS = [
    host.strip().lower()
    for host in (
        os.environ.get("PUSH_SERVICE_HOSTS")
        or "fcm.googleapis.com,android.googleapis.com,updates.push.services.mozilla.com,"
        "web.push.apple.com,.push.apple.com,.notify.windows.com"
    ).split(",")
    if host.strip()
]

# --- Security ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (config/middleware.py adds ws(s):// of the host to
# connect-src): only our own static scripts, never inline, nothing third-party.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if FILES_DELIVERY == "s3" and os.environ.get("S3_ENDPOINT_URL"):
    # Pictures placed in posts are redirected to the object storage's signed
    # address: the page may show images from there (path- and host-style).
    _s3 = urlsplit(os.environ["S3_ENDPOINT_URL"])
    CSP_DIRECTIVES["img-src"] += [
        f"{_s3.scheme}://{_s3.netloc}",
        f"{_s3.scheme}://{os.environ.get('S3_BUCKET', '')}.{_s3.netloc}",
    ]
# Views whose own inline <script>/<style> blocks are allowed by hash (Swagger UI).
CSP_HASHED_INLINE_VIEWS = {"api_docs"}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # nginx terminates TLS and says so in this header (docs/deploy/nginx.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token gets 401 with WWW-Authenticate, not 403.
        "community.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api_parsers.JSONParser",
        "core.api_parsers.FormParser",
        "core.api_parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotsennetz API",
    "DESCRIPTION": "Die API des Lotsennetzes: Kommunen, Mitglieder, Forum, Chat, Termine.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "community.models.Role",
        "InvitableRoleEnum": "community.services.INVITABLE_ROLE_CHOICES",
        "StateEnum": "community.models.State",
        "ProjectKindEnum": "community.models.ProjectKind",
        "ProjectStatusEnum": "community.models.ProjectStatus",
        "ExpertiseLevelEnum": "community.api.LEVEL_CODE_CHOICES",
    },
}

# --- Logging ----------------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# "json": one object per line (timestamp, level, logger, message, request_id,
# user_id) for journald/log shippers; "text" for people. See core/observability.py.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured('LOG_FORMAT must be "text" or "json".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "core.observability.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
    },
}
