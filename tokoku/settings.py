"""TokoKu settings, everything from the environment or a `.env` file (object storage and Redis in
tokoku/object_storage.py and tokoku/redis_settings.py). With nothing set the shop runs on SQLite,
a local-memory cache, the database search backend and django-q2's ORM broker."""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tokoku.object_storage import object_storages
from tokoku.redis_settings import redis_caches, task_broker_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Under pytest the development defaults apply (generated key, no HTTPS redirect).
TESTING = env.bool("TOKOKU_TESTING", default="pytest" in sys.modules)
# A developer's .env (real API keys, a production database) must never reach a test run.
if not TESTING:
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A generated key is acceptable only while developing; production must bring its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
# Commands that only read the models sign nothing and serve nobody: CI and packaging run them
# without the production key. `check` is not among them: it is how a deployment is verified.
_KEYLESS_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}
_RUNNING_KEYLESS_COMMAND = (
    Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 and sys.argv[1] in _KEYLESS_COMMANDS
)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING or _RUNNING_KEYLESS_COMMAND):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "home",
    "shop",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "import_export",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "home.page_cache.AnonymousPageHitMiddleware",  # cached pages for visitors without a session, served early
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tokoku.middleware.ShopLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "home.page_cache.VisitorPageCacheMiddleware",  # last: stores pages, serves what the early one leaves
]

ROOT_URLCONF = "tokoku.urls"
WSGI_APPLICATION = "tokoku.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "tokoku.context_processors.storefront",
                "shop.cart.context_processors.cart_summary",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------
def _database_from_seed_variables():
    """The seed's Laravel-style DB_* variables, used when DATABASE_URL is not given."""
    connection = env.str("DB_CONNECTION", default="")
    if not connection:
        return None
    engines = {
        "pgsql": "django.db.backends.postgresql",
        "postgres": "django.db.backends.postgresql",
        "postgresql": "django.db.backends.postgresql",
        "mysql": "django.db.backends.mysql",
        "mariadb": "django.db.backends.mysql",
        "sqlite": "django.db.backends.sqlite3",
    }
    if connection not in engines:
        raise ImproperlyConfigured(f"DB_CONNECTION={connection!r} is not one of {sorted(engines)}.")
    engine = engines[connection]
    default_port = {"django.db.backends.postgresql": 5432, "django.db.backends.mysql": 3306}.get(engine, "")
    return {
        "ENGINE": engine,
        "HOST": env.str("DB_HOST", default="127.0.0.1"),
        "PORT": env.str("DB_PORT", default=str(default_port)),
        "NAME": env.str("DB_DATABASE", default="tokoku"),
        "USER": env.str("DB_USERNAME", default=""),
        "PASSWORD": env.str("DB_PASSWORD", default=""),
    }


if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": _database_from_seed_variables()
        or {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    }
_db = DATABASES["default"]
_db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
_db.setdefault("CONN_HEALTH_CHECKS", True)
if _db["ENGINE"] == "django.db.backends.postgresql":
    # A web or worker process killed mid-statement (OOM killer, deploy, SIGKILL) must not have its
    # statement finish without it: confirm_payment is one autocommitted statement, which would
    # otherwise take the stock once its lock wait ends. PostgreSQL 14+ checks for a vanished
    # client this often and aborts the statement.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c client_connection_check_interval=2000")
if _db["ENGINE"] == "django.db.backends.mysql":
    # PyMySQL stands in for mysqlclient so that no C client library is needed.
    import pymysql

    pymysql.version_info = (2, 2, 7, "final", 0)
    pymysql.install_as_MySQLdb()
    _db.setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        }
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker use the file at the same time.
    _db.setdefault("OPTIONS", {}).update({"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"})
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)  # shared by every web and worker process: tokoku/redis_settings.py
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Sessions are read through Redis and kept in the database: a restarted Redis signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tokoku"}}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
if TESTING:
    # Hashing demo and fixture passwords at full strength would dominate the test suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
# One lockout for buyers and staff (staff sign in here too: shop/staff/login.py). After five
# wrong passwords for one account, or ten a minute from one address, sign-in waits 15 minutes;
# a password reset mails one address at most three times an hour.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/15m/key", "reset_password": "20/h/ip,3/h/key"}
ACCOUNT_ADAPTER = "shop.staff.login.ShopAccountAdapter"
# Behind nginx every request comes from 127.0.0.1: count addresses from X-Forwarded-For instead.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if env.bool("BEHIND_PROXY", default=False) else 0
WAGTAILADMIN_LOGIN_URL = "staff_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {}
# Google verifies the address, so a buyer who signed up by email may later sign in with Google.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
    }

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Payment proofs are private: they live outside MEDIA_ROOT and are served only through views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Payment proofs and import files (shop.core.storage.private_storage): PRIVATE_MEDIA_ROOT.
    "private": {"BACKEND": "shop.core.storage.LocalPrivateStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Several web servers share no disk: with S3_BUCKET and S3_PRIVATE_BUCKET set, uploads go to
# S3-compatible object storage (tokoku/object_storage.py reads the S3_* variables).
STORAGES.update(object_storages(env, max_memory_size=FILE_UPLOAD_MAX_MEMORY_SIZE))

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env.str("SHOP_NAME", default="TokoKu")
# Staff avatars from Wagtail's own default, not Gravatar: the admin works offline and sends no email hashes out.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The shop's address for links that leave it (emails, TriPay); empty: the default site's (Settings > Sites).
BASE_URL = env.str("BASE_URL", default="")
WAGTAILADMIN_BASE_URL = BASE_URL or "http://127.0.0.1:8000"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
MEILISEARCH_URL = env.str("MEILISEARCH_URL", default="")
MEILISEARCH_API_KEY = env.str("MEILISEARCH_API_KEY", default="")
# The database backend serves Wagtail's own search (pages, images, admin); Meilisearch, when set,
# serves only storefront product search (search/backends/meilisearch.py, see docs/search.md).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if MEILISEARCH_URL:
    WAGTAILSEARCH_BACKENDS["storefront"] = {
        "BACKEND": "search.backends.meilisearch",
        "URL": MEILISEARCH_URL,
        "API_KEY": MEILISEARCH_API_KEY,
        "INDEX_PREFIX": env.str("MEILISEARCH_INDEX_PREFIX", default="tokoku"),
        "MODELS": ["shop.Product"],
        "STOP_WORDS": ["dan", "atau", "yang", "di", "ke", "dari", "untuk", "dengan"],
    }

# --- Tasks (django-q2) ----------------------------------------------------------------------
Q_CLUSTER = {
    "name": "tokoku",
    # One: a shop's jobs are short but a big import, and each worker holds ~20 MB (bench/memory; README).
    "workers": env.int("Q_WORKERS", default=1),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Tugas Latar",
}
if REDIS_URL and env.bool("Q_USE_REDIS", default=True):
    Q_CLUSTER["redis"] = task_broker_url(REDIS_URL)
else:
    Q_CLUSTER["orm"] = "default"

# --- Email ----------------------------------------------------------------------------------
_EMAIL_BACKEND = "console" if DEBUG or TESTING else "smtp"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=f"django.core.mail.backends.{_EMAIL_BACKEND}.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="smtp.gmail.com")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TokoKu <noreply@tokoku.local>")

# --- WhatsApp Cloud API (owner alerts; off unless all three are set) ---
WHATSAPP_TOKEN = env.str("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_OWNER_NUMBER = env.str("WHATSAPP_OWNER_NUMBER", default="")
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v23.0")
WHATSAPP_TEMPLATE = env.str("WHATSAPP_TEMPLATE", default="")
WHATSAPP_TEMPLATE_LANGUAGE = env.str("WHATSAPP_TEMPLATE_LANGUAGE", default="id")

# TriPay (QRIS, virtual accounts, minimarkets): on when all three keys are set. Sandbox until the
# owner says otherwise: sandbox and production have separate keys.
TRIPAY_MERCHANT_CODE = env.str("TRIPAY_MERCHANT_CODE", default="")
TRIPAY_API_KEY = env.str("TRIPAY_API_KEY", default="")
TRIPAY_PRIVATE_KEY = env.str("TRIPAY_PRIVATE_KEY", default="")
TRIPAY_SANDBOX = env.bool("TRIPAY_SANDBOX", default=True)
# Checkout waits this long for TriPay to create a transaction before offering another method.
TRIPAY_TIMEOUT_SECONDS = env.int("TRIPAY_TIMEOUT_SECONDS", default=10)

# Komerce (live courier costs at checkout): on when the key is set; without it, or when Komerce
# fails, checkout offers the owner's flat rates. The origin and couriers are set in the admin.
KOMERCE_API_KEY = env.str("KOMERCE_API_KEY", default="")
# Each request to Komerce waits at most this long (seconds) before checkout falls back to the flat rates.
KOMERCE_TIMEOUT_SECONDS = env.int("KOMERCE_TIMEOUT_SECONDS", default=5)

# BinderByte (parcel tracking): on when the key is set; without it the order page shows the resi
# with a copy button and a link to the courier's own site. shop.shipping.tracking, docs/tracking.md.
BINDERBYTE_API_KEY = env.str("BINDERBYTE_API_KEY", default="")
# Each request to BinderByte waits at most this long (seconds): an order page waits for it.
BINDERBYTE_TIMEOUT_SECONDS = env.int("BINDERBYTE_TIMEOUT_SECONDS", default=5)
# A parcel's status is kept this long (minutes) before an order page asks BinderByte again, so
# a buyer refreshing the page does not spend the owner's quota; "Perbarui" may ask again sooner,
# once the status shown is TRACKING_REFRESH_MINUTES old.
TRACKING_CACHE_MINUTES = env.int("TRACKING_CACHE_MINUTES", default=60)
TRACKING_REFRESH_MINUTES = env.int("TRACKING_REFRESH_MINUTES", default=10)
# The hourly schedule asks after each shipped order at most every TRACKING_CHECK_HOURS, and after
# at most TRACKING_ORDERS_PER_RUN orders per run (each one request of the quota).
TRACKING_CHECK_HOURS = env.int("TRACKING_CHECK_HOURS", default=6)
TRACKING_ORDERS_PER_RUN = env.int("TRACKING_ORDERS_PER_RUN", default=30)
# A shipped order completes by itself this many days after shipping, as on marketplaces, unless
# its parcel was reported lost or returned (shop.orders.services.completion).
AUTO_COMPLETE_DAYS = env.int("AUTO_COMPLETE_DAYS", default=7)

# --- Shop -----------------------------------------------------------------------------------
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)
# Uploaded product spreadsheets and their reports are deleted after this many days (shop.imports.cleanup).
IMPORT_FILES_KEEP_DAYS = env.int("IMPORT_FILES_KEEP_DAYS", default=30)
# Product import limits; files up to PRODUCT_IMPORT_FOREGROUND_ROWS rows are checked and imported in the request.
PRODUCT_IMPORT_MAX_ROWS = env.int("PRODUCT_IMPORT_MAX_ROWS", default=200_000)
PRODUCT_IMPORT_MAX_BYTES = env.int("PRODUCT_IMPORT_MAX_BYTES", default=25 * 1024 * 1024)
PRODUCT_IMPORT_FOREGROUND_ROWS = env.int("PRODUCT_IMPORT_FOREGROUND_ROWS", default=1000)
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=24)
# Visitors get whole cached pages (home/page_cache.py) for at most this long; 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0 if DEBUG or TESTING else 60)
PAYMENT_WINDOW_HOURS = env.int("PAYMENT_WINDOW_HOURS", default=24)
# A proof waiting longer than this, or a paid order not shipped within this, is marked overdue in the desks.
VERIFICATION_OVERDUE_HOURS = env.int("VERIFICATION_OVERDUE_HOURS", default=4)
SHIPPING_OVERDUE_HOURS = env.int("SHIPPING_OVERDUE_HOURS", default=24)
POSTHOG_KEY = env.str("POSTHOG_KEY", default="")
POSTHOG_HOST = env.str("POSTHOG_HOST", default="https://us.i.posthog.com")

# --- Security (on unless DEBUG) -------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not (DEBUG or TESTING))
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not (DEBUG or TESTING))
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview and the embedded PDF proofs in the staff queues are same-origin frames.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Wagtail 8 runs its search-index and reference-index updates as tasks and logs each one.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        # At DEBUG urllib3 logs each request's path, and BinderByte's key travels in the query string.
        "urllib3.connectionpool": {"level": "INFO"},
        "wagtail": {"level": env.str("WAGTAIL_LOG_LEVEL", default="WARNING")},
    },
}
