"""Soundsite settings, read from the environment through strict helpers.

With no environment at all this is the embedded default: SQLite and media under ``var/``,
django-q2's ORM broker, console e-mail, sandbox providers on. ``DATABASE_URL``, ``REDIS_URL``
and the ``S3_*`` variables switch to the scale-out configuration (see README.md).
"""

from pathlib import Path

import dj_database_url
from django.contrib import messages

from soundsite.lib.env import (
    env_bool,
    env_choice,
    env_email,
    env_fernet_keys,
    env_host,
    env_hosts,
    env_int,
    env_list,
    env_secret_key,
    env_str,
    env_timezone,
    env_url,
    require,
    secret_from_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY") or secret_from_file(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_hosts("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", True)
# The sandbox's Soundpiece stand-in sends its webhooks from a background thread per process.
SANDBOX_WEBHOOK_DISPATCHER = env_bool("SANDBOX_WEBHOOK_DISPATCHER", True)

# Provider keys (docs/keys.md): encryption keys for stored secrets, the first one current; when
# empty, a key file under VAR_DIR is used. The other settings are the knobs the provider
# references leave open.
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS")
KEY_CHECK_TIMEOUT = env_int("KEY_CHECK_TIMEOUT", 10, minimum=1)
KEY_LIMIT_WINDOW = env_choice("KEY_LIMIT_WINDOW", "rolling", ("rolling", "fixed"))
SOUNDVERSE_MUSIC_PRICES = env_choice(
    "SOUNDVERSE_MUSIC_PRICES", "by_version", ("by_version", "sansaar")
)

# Behind a TLS-terminating proxy (docs/deploy.md) these make cookies and redirects secure.
SECURE_MODE = env_bool("SECURE_MODE", PUBLIC_BASE_URL.startswith("https://"))
if SECURE_MODE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Sessions are read from the cache and written through to the database: the job-card poll,
# the hottest request, then needs no database query to know who is asking. Django's cached_db
# engine, with the user's id on each row so a new password can end the other sessions.
SESSION_ENGINE = "soundsite.accounts.sessions"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_q",
    "soundsite.accounts",
    "soundsite.keys",
    "soundsite.studio",
    "soundsite.library",
    "soundsite.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "soundsite.urls"
WSGI_APPLICATION = "soundsite.wsgi.application"

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
                "soundsite.accounts.context_processors.workspace",
                "soundsite.keys.context_processors.key_notices",
            ],
            "builtins": [
                "django_htmx.templatetags.django_htmx",
                "template_partials.templatetags.partials",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = {}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "soundsite.sqlite3",
            "CONN_MAX_AGE": 60,
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write lock at BEGIN
    # so two writers queue on the busy timeout instead of failing half-way with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    )
    # Tests use a file, like production: an in-memory database shared between threads
    # (the sandbox serves requests from its own threads) locks whole tables instead of waiting.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache and task queue -------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "soundsite.lib.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            # SQLite files shared by every process of the machine (soundsite.lib.cache). Every
            # running job's card and every session live here: the job-card poll reads three
            # entries and nothing else.
            "BACKEND": "soundsite.lib.cache.DiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "SHARDS": 4,
            # diskcache's default of 10 ms makes a write that meets another write give up
            # (and `add`, which takes the waiter's lock, report "taken"): wait as SQLite does.
            "DATABASE_TIMEOUT": 5,
            "OPTIONS": {"size_limit": 2**30},
        }
    }

# Parallel test workers share one Redis; each gets its own queue and cache namespace.
_ISOLATION = env_str("PYTEST_XDIST_WORKER")
if _ISOLATION:
    for cache in CACHES.values():
        cache["KEY_PREFIX"] = _ISOLATION

Q_CLUSTER = {
    "name": f"soundsite{_ISOLATION}",
    "workers": env_int("WORKERS", 2, minimum=1),
    "timeout": 600,
    "retry": 660,
    "max_attempts": 1,
    "catch_up": False,
    # django-q2's own pruning (a positive save_limit) loads every kept result on each task it
    # saves; the studio's hourly schedule trims the history instead (studio.tasks).
    "save_limit": 0,
    "poll": 0.5,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = None  # Media is served only by views that check access.

STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
if STORAGE_BACKEND == "s3":
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": require("S3_BUCKET", env_str("S3_BUCKET"), "when STORAGE_BACKEND is s3"),
            "endpoint_url": env_url("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 100, minimum=1) * 1024 * 1024

# --- Library --------------------------------------------------------------------------------
# Deleted tracks stay in "Recently deleted" this long before their files are removed for good.
TRACK_RETENTION_DAYS = env_int("TRACK_RETENTION_DAYS", 30, minimum=1)
# A ZIP export larger than this is refused with a message (the stream itself is constant memory).
EXPORT_MAX_BYTES = env_int("EXPORT_MAX_MB", 4096, minimum=1) * 1024 * 1024
# Wrong share-link passwords allowed per link and visitor address before a pause.
SHARE_PASSWORD_ATTEMPTS = env_int("SHARE_PASSWORD_ATTEMPTS", 5, minimum=1)
SHARE_PASSWORD_WINDOW = env_int("SHARE_PASSWORD_WINDOW", 15 * 60, minimum=1)
LIBRARY_PAGE_SIZE = env_int("LIBRARY_PAGE_SIZE", 50, minimum=1)

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_email("DEFAULT_FROM_EMAIL", "Soundsite <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_host("SMTP_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("SMTP_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("SMTP_USER")
    EMAIL_HOST_PASSWORD = env_str("SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Accounts -------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60, minimum=1)
# How many reverse proxies add an X-Forwarded-For entry in front of the app (0: trust none), so
# that failed sign-ins are counted per real client address rather than per proxy.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, minimum=1)

MESSAGE_TAGS = {messages.ERROR: "error"}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), upper=True
        ),
    },
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
