"""Chat Studio settings. The environment is read here and nowhere else.

With no environment set, the server runs on the embedded default: SQLite, the in-memory
channel layer, the local-memory cache and the built-in local model.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters when DEBUG=0.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "channels",
    "django_prometheus",
    "accounts",
    "conversations",
    "chat",
    "realtime",
    "console",
]

# Django's stock middleware, most with the hooks that do no I/O run on the event loop under ASGI
# (chatstudio/loop_middleware.py; under WSGI they are Django's own). Security, CSRF and
# X-Frame-Options keep their stock paths, which `check --deploy` looks for by name.
MIDDLEWARE = [
    "chatstudio.loop_middleware.PrometheusBeforeMiddleware",
    "chatstudio.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "chatstudio.middleware.StaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "chatstudio.loop_middleware.SessionMiddleware",
    "chatstudio.loop_middleware.LocaleMiddleware",
    "chatstudio.loop_middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "chatstudio.loop_middleware.AuthenticationMiddleware",
    "chatstudio.loop_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatstudio.loop_middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "chatstudio.urls"
ASGI_APPLICATION = "chatstudio.asgi.application"
WSGI_APPLICATION = "chatstudio.wsgi.application"

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

# Database: SQLite by default, PostgreSQL (psycopg 3 with its pool) from DATABASE_URL.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django_prometheus.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Under ASGI every request runs in a worker thread; the pool keeps connections warm
    # where CONN_MAX_AGE would leak one per thread.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": env_int("DATABASE_POOL_SIZE", 20), "timeout": 10},
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache and channel layer: local memory by default, Redis from REDIS_URL.
REDIS_URL = env("REDIS_URL")
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", "chatstudio")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "CONNECTION_POOL_KWARGS": {"max_connections": 200},
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a group message reaches each process once and is handed to its local
            # sockets in memory; the list-based RedisChannelLayer queued a copy per socket and
            # popped them one Redis round trip each (room of 100 at 20/s: p99 271 ms -> 23 ms).
            # Nothing here relies on the layer buffering: offline private messages are in
            # PostgreSQL and resumable frames in the cache (docs/realtime.md).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # redis-py's default 5 s socket timeout races channels-redis' blocking reads
                # and drops idle sockets (see MEASURED.md).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 500}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Request bodies: JSON larger than this answers 413 (a batch of 1,000 conversations fits).
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 10 * 1024 * 1024)
MAX_JSON_DEPTH = 32
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["chatstudio.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["chatstudio.renderers.FastJSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chatstudio.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["chatstudio.throttling.DefaultThrottle", "chatstudio.throttling.MethodScopedThrottle"],
    # The documents' tiers; each overridable, e.g. THROTTLE_READ=120/min.
    "DEFAULT_THROTTLE_RATES": {
        "default": env("THROTTLE_DEFAULT", "100/min"),
        "read": env("THROTTLE_READ", "30/min"),
        "create": env("THROTTLE_CREATE", "10/min"),
        "chat": env("THROTTLE_CHAT", "10/min"),
        "auth": env("THROTTLE_AUTH", "20/min"),
        "login": env("THROTTLE_LOGIN", "10/min"),
    },
    # Proxies in front of the server; 0 trusts REMOTE_ADDR and never X-Forwarded-For.
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("REFRESH_TOKEN_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY),
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat Studio API",
    "DESCRIPTION": "REST API of Chat Studio, the backend of an AI chat product. "
    "Authenticate with `Authorization: Bearer <access_token>` from /api/auth/login.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "PREPROCESSING_HOOKS": ["chatstudio.schema.exclude_v1_aliases"],
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_EXPOSE_HEADERS = ["X-Request-ID", "X-Process-Time", "X-Total-Count", "Retry-After"]

# Production hardening; `manage.py check --deploy` is clean with DEBUG=0.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "chatstudio.logs.RequestContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "chatstudio.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Our request log line replaces Django's (which would repeat each 4xx and 5xx).
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
    },
}

# Monitoring
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from chatstudio.monitoring import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        release=VERSION,
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1/32,::1/128")
METRICS_TOKEN = env("METRICS_TOKEN")

# Conversations
CONVERSATION_LIST_MAX = env_int("CONVERSATION_LIST_MAX", 1000)
BATCH_CREATE_MAX = 1000
# Each result carries its whole conversation: 20 of 100 messages are ~350 KB, 100 of them ~1.8 MB.
SEARCH_RESULTS_DEFAULT = env_int("SEARCH_RESULTS_DEFAULT", 20)
SEARCH_RESULTS_MAX = env_int("SEARCH_RESULTS_MAX", 100)
DEFAULT_CHAT_MODEL = env("DEFAULT_CHAT_MODEL", "local-echo")

# Chat
# Provider keys and endpoints; a provider is configured when it has a key or a base URL (an
# OpenAI-compatible server often needs no key).
OPENAI_API_KEY = env("OPENAI_API_KEY")
OPENAI_BASE_URL = env("OPENAI_BASE_URL")
ANTHROPIC_API_KEY = env("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env("ANTHROPIC_BASE_URL")
# Every SDK client gets these explicitly, so the SDKs' ten-minute default never applies.
CHAT_PROVIDER_CONNECT_TIMEOUT = float(env("CHAT_PROVIDER_CONNECT_TIMEOUT", "5"))
CHAT_PROVIDER_TIMEOUT = float(env("CHAT_PROVIDER_TIMEOUT", "60"))  # per read; a stalled stream fails after this
CHAT_PROVIDER_MAX_RETRIES = env_int("CHAT_PROVIDER_MAX_RETRIES", 1)
CHAT_PROVIDER_FOLLOW_REDIRECTS = env_bool("CHAT_PROVIDER_FOLLOW_REDIRECTS", False)
CHAT_DEFAULT_MAX_TOKENS = env_int("CHAT_DEFAULT_MAX_TOKENS", 1024)
# Seconds between the local model's words, so `curl -N` shows them arriving one by one.
LOCAL_MODEL_WORD_DELAY = float(env("LOCAL_MODEL_WORD_DELAY", "0.03"))
# Tokens per user per UTC day across all models; 0 turns the budget off.
CHAT_DAILY_TOKEN_BUDGET = env_int("CHAT_DAILY_TOKEN_BUDGET", 0)
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation). In DEBUG a key
# derived from SECRET_KEY is used when none is set.
PROVIDER_KEY_ENCRYPTION_KEYS = env_list("PROVIDER_KEY_ENCRYPTION_KEYS")
# Dotted paths of chat plugins (see docs/chat.md); each hook call is cut off after the timeout.
CHAT_PLUGINS = env_list("CHAT_PLUGINS", "chat.plugins.UsageLogPlugin")
CHAT_PLUGIN_TIMEOUT = float(env("CHAT_PLUGIN_TIMEOUT", "2"))

# Realtime
# Sockets: frame limits, flood control, heartbeats (group re-join and presence) and the resume
# buffer. The buffer and presence live in the cache, so they are in Redis whenever REDIS_URL is.
REALTIME_MAX_FRAME_BYTES = env_int("REALTIME_MAX_FRAME_BYTES", 64 * 1024)
REALTIME_FRAME_RATE = env_int("REALTIME_FRAME_RATE", 10)  # frames per second, sustained
REALTIME_FRAME_BURST = env_int("REALTIME_FRAME_BURST", 30)
REALTIME_FLOOD_CLOSE_AFTER = env_int("REALTIME_FLOOD_CLOSE_AFTER", 20)  # dropped frames in 10 s, then 4429
REALTIME_AUTH_TIMEOUT_SECONDS = env_int("REALTIME_AUTH_TIMEOUT_SECONDS", 5)
REALTIME_HEARTBEAT_SECONDS = env_int("REALTIME_HEARTBEAT_SECONDS", 5)
REALTIME_PRESENCE_TTL_SECONDS = env_int("REALTIME_PRESENCE_TTL_SECONDS", 3 * REALTIME_HEARTBEAT_SECONDS)
REALTIME_RESUME_SECONDS = env_int("REALTIME_RESUME_SECONDS", 300)
REALTIME_RESUME_MAX_FRAMES = env_int("REALTIME_RESUME_MAX_FRAMES", 2000)
REALTIME_ROOM_HISTORY = env_int("REALTIME_ROOM_HISTORY", 50)
REALTIME_ROOM_AI_CONTEXT = env_int("REALTIME_ROOM_AI_CONTEXT", 20)
# Tokens never reach a log line: every handler redacts `token=` values (daphne's runserver
# logs full HTTP paths); `python -m realtime.serve` gives daphne an access log that does too.
LOGGING["filters"]["redact_tokens"] = {"()": "realtime.logredact.RedactTokensFilter"}
LOGGING["handlers"]["console"]["filters"].append("redact_tokens")
