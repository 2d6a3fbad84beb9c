"""Settings for both ways to run, chosen by environment variables alone.

Nothing set: SQLite file, in-memory channel layer, local-memory cache, DEBUG on (`make run`).
Production: DATABASE_URL (PostgreSQL), REDIS_URL, DJANGO_SECRET_KEY, DJANGO_DEBUG=false,
DJANGO_ALLOWED_HOSTS; see platform/env.example.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
_INSECURE_KEY = "django-insecure-local-development-only-never-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _INSECURE_KEY
if not DEBUG and SECRET_KEY == _INSECURE_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "daphne",
    "core.people",
    "core.activity",
    "core.home",
    "core.cockpit",
    "content.learning",
    "content.certification",
    "content.qa",  # questions and answers on lessons
    "content.fieldwork",
    "recommender",
    "realtime",
    "content.community",  # after realtime: its demo step adds rules to the pioneer index realtime seeds
    "content.ideas",  # after realtime: its demo step adds a rule to the pioneer index
    "content.volunteering",  # after realtime: its demo step adds a rule to realtime's demo index
    "content.livestreams",  # after realtime: its demo step adds rules for attending and watching streams
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "core.people.users_app.PeopleUsersAppConfig",  # Wagtail's user admin with our people fields
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "channels",
    "ninja",  # serves /api/docs from our static files (no CDN, no inline script: see the CSP below)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.csp.PathScopedCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, and synchronous: answers the course catalogue from its whole-page cache, and being synchronous
    # at the inside of the stack, lets Django run the whole stack in one thread (see its docstring).
    "content.learning.middleware.CataloguePageCacheMiddleware",
]

ROOT_URLCONF = "core.urls"
ASGI_APPLICATION = "core.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "core.home.navigation.header_links",
            ],
        },
    },
]

# Database: SQLite file unless DATABASE_URL is set.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI every request runs in a fresh thread, so persistent connections pile up per thread until
    # PostgreSQL refuses clients: close them per request, or hand them back to a pool (DATABASE_POOL_MAX_SIZE).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))
    if DATABASE_POOL_MAX_SIZE:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DATABASE_POOL_MAX_SIZE),
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": 10,
        }
else:
    SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", VAR_DIR / "db.sqlite3"))
    # A fresh clone has no var/ yet (it is not in git); SQLite cannot create the folder itself.
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # WAL lets the one daphne process read while the seed or a request writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Redis: channel layer, cache and leaderboard store when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
# redis-py caps an async pool at 100 connections and raises when it is full: keep it explicit.
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "200"))
# Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "gp")
# Seconds before a Redis connect or command gives up (cache and leaderboard store; see platform/SECURITY.md).
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "1"))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            },
        }
    }
    CACHES = {
        "default": {
            # Fails open: with Redis unreachable the site runs uncached (core/cache.py), never 500.
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:cache",
            "OPTIONS": {
                "pool_class": "core.redis_pool.SharedRedisConnectionPool",
                # An unreachable host must cost a second, not the operating system's minutes-long connect timeout.
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions read from the cache (Redis, or this process's memory in the embedded default), written through to the
# database, the truth: no session query per request or socket, and with Redis down the fail-open cache misses and
# sessions are read from the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "people.User"
# The sign-in throttle comes first: while an account or a client address is locked it refuses every password
# (core/people/throttle.py); otherwise the model backend decides.
AUTHENTICATION_BACKENDS = [
    "core.people.throttle.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins allowed in a moving window, per account and per client address (the `limits` notation).
SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
# Addresses (or networks) of the reverse proxies whose X-Forwarded-For is believed, e.g. "127.0.0.1" when
# nginx runs on the same machine. Empty: the client is REMOTE_ADDR, whatever headers it sends.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-page"
LOGOUT_REDIRECT_URL = "/"

# Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# Each app keeps its own locale/ catalogue; core/locale holds the project-level strings.
LOCALE_PATHS = [BASE_DIR / "core" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

WAGTAIL_SITE_NAME = "先锋学苑"
# The admin's sign-in form says so when sign-in is throttled.
WAGTAILADMIN_USER_LOGIN_FORM = "core.people.forms.AdminSignInForm"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
SITE_URL = WAGTAILADMIN_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILMEDIA = {
    "MEDIA_MODEL": "wagtailmedia.Media",
    # Uploads read their duration from the file (ffprobe): a lesson's progress is measured against it.
    "MEDIA_FORM_BASE": "content.learning.durations.MediaDurationForm",
}

# xAPI: the account home page that names our own users inside statements.
XAPI_ACCOUNT_HOMEPAGE = os.environ.get("XAPI_ACCOUNT_HOMEPAGE", SITE_URL)
XAPI_MAX_BATCH = int(os.environ.get("XAPI_MAX_BATCH", "500"))

# Livestreams (content/livestreams, platform/nginx-rtmp.conf): where encoders publish (shown to hosts; empty: no
# media server, streams play uploaded videos), the address HLS is served under, the directory nginx writes it to
# (on this machine: the replay playlist is written beside it), and who may call the on_publish callbacks.
LIVESTREAMS_RTMP_URL = os.environ.get("LIVESTREAMS_RTMP_URL", "")
LIVESTREAMS_HLS_URL = os.environ.get("LIVESTREAMS_HLS_URL", "/hls/")
LIVESTREAMS_HLS_DIR = os.environ.get("LIVESTREAMS_HLS_DIR", "")
LIVESTREAMS_RTMP_RELAY = os.environ.get("LIVESTREAMS_RTMP_RELAY", "rtmp://127.0.0.1:1935/show")
LIVESTREAMS_CALLBACK_ADDRESSES = env_list("LIVESTREAMS_CALLBACK_ADDRESSES", "127.0.0.1,::1")

RECOMMENDER_MODEL_DIR = Path(os.environ.get("RECOMMENDER_MODEL_DIR", VAR_DIR / "models"))

# Production hardening; nginx terminates TLS and sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # Wagtail's live preview shows the page in a same-origin frame, so DENY would break editing.
    X_FRAME_OPTIONS = "SAMEORIGIN"
    SILENCED_SYSTEM_CHECKS = ["security.W019"]

# Content Security Policy (django-csp, core/csp.py). Public pages: no inline script, everything from this origin;
# style attributes stay allowed (progress bars set a width; they cannot run code). media-src and worker-src allow
# blob: for hls.js (Media Source Extensions). frame-ancestors matches X_FRAME_OPTIONS (Wagtail's live preview).
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [_SELF, "data:", "blob:"],
        "media-src": [_SELF, "blob:"],
        "worker-src": [_SELF, "blob:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_SELF],
    }
}
# The Wagtail admin writes inline scripts and styles in places: its own, wider policy, by path.
CSP_ADMIN_PATH_PREFIXES = ["/admin/"]
CSP_ADMIN_DIRECTIVES = {
    **CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "script-src": [_SELF, "'unsafe-inline'"],
    "style-src": [_SELF, "'unsafe-inline'"],
    "frame-src": [_SELF],
}
# The admin's avatars would come from gravatar.com: another origin, and a visitor's e-mail hash sent abroad.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
}

# DEBUG serves static files straight from the apps (no collectstatic needed for `make run`).
WHITENOISE_USE_FINDERS = DEBUG
