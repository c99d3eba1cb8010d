"""Settings read from environment variables, with safe defaults for one machine.

AFTERSALES_DATA_DIR  where the SQLite file, the generated secret key and uploads live (./var)
DATABASE_URL         e.g. postgres://user@127.0.0.1:5432/aftersales; SQLite when unset
SECRET_KEY           generated once and kept in the data directory when unset
DEBUG                "1" / "true" to turn on (off by default)
ALLOWED_HOSTS        comma-separated (default: localhost, 127.0.0.1, [::1])
TIME_ZONE            default Asia/Shanghai (CAL-2)
CACHE_URL            shared cache of several app servers: "db" or redis://… (see below)
TASKS_URL            background tasks on RQ/Redis (redis://…); database table when unset
"""

import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("AFTERSALES_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written once with owner-only permissions; later starts reuse it.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "aftersales.core",
    "aftersales.audit",
    "aftersales.accounts",
    "aftersales.customers",
    "aftersales.products",
    "aftersales.service",
    "aftersales.fieldwork",
    "aftersales.notifications",
    "aftersales.leads",
    "aftersales.parts",
    "aftersales.charges",
    "aftersales.followup",
    "aftersales.complaints",
    "aftersales.exchanges",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Benchmarks only (bench/run.py, issue 7): "1" sends each response's SQL query count in an
# X-Query-Count header. Off by default; never turn it on in production.
AFTERSALES_QUERY_COUNT_HEADER = env_flag("AFTERSALES_QUERY_COUNT_HEADER")
if AFTERSALES_QUERY_COUNT_HEADER:
    # First: counts the queries of every other middleware (session, user) too.
    MIDDLEWARE.insert(0, "aftersales.core.middleware.QueryCountMiddleware")

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

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
                "django.template.context_processors.i18n",
                "aftersales.core.context_processors.navigation",
                "aftersales.notifications.context_processors.unread",
            ],
        },
    }
]

# --- database -------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "aftersales.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the
                # write lock at BEGIN so concurrent writers queue instead of deadlocking.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's ModelBackend with the sign-in lockout (SEC-4).
    "aftersales.accounts.backends.LockoutModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A session ends this many seconds after sign-in (or the session's last change), and when
# the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag instead
# SEC-4 lockout: this many failed sign-ins for one user name within the window lock that
# name (known or not) for the lockout time; 0 turns the lockout off. Counted in the database,
# so all app servers share the count. An administrator can lift a lock in the admin site.
AFTERSALES_LOGIN_MAX_FAILURES = int(os.environ.get("AFTERSALES_LOGIN_MAX_FAILURES", "5"))
AFTERSALES_LOGIN_FAILURE_WINDOW_MINUTES = int(
    os.environ.get("AFTERSALES_LOGIN_FAILURE_WINDOW_MINUTES", "15")
)
AFTERSALES_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("AFTERSALES_LOGIN_LOCKOUT_MINUTES", "15"))
# The same for one client address (an IPv6 /64), across all names: slows a spray of guesses
# over many names. High enough for an office behind one NAT address; 0 turns it off.
AFTERSALES_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("AFTERSALES_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")
)
# SEC-4 API tokens: days a new token works; requests to POST /api/auth/token/ per client
# address (counted like the public rate limits below).
AFTERSALES_API_TOKEN_DAYS = int(os.environ.get("AFTERSALES_API_TOKEN_DAYS", "90"))
AFTERSALES_API_TOKEN_RATE = os.environ.get("AFTERSALES_API_TOKEN_RATE", "20/h")

# --- i18n / time (CAL-2) ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- files ------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"  # outside the web root; served by views that check reach
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- cache (rate limits of the public pages) ------------------------------------
# CACHE_URL: empty → this process's memory (one server); "db" → a table in the database
# (shared by every process; `aftersales createcachetable` makes it, `serve` runs it);
# "redis://host:6379/0" → Redis (needs the `redis` package).
_cache_url = os.environ.get("CACHE_URL", "").strip()
if _cache_url == "db":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "aftersales_cache",
        }
    }
elif _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
        }
    }

# --- background tasks -------------------------------------------------------
# TASKS_URL: empty → queued tasks are rows of a database table, run by `aftersales db_worker`
# (one machine); "redis://host:6379/1" → RQ on Redis, run by `aftersales rqworker
# --with-scheduler` on any number of machines (docs/deployment.md). Use a Redis database of
# its own, not the one of CACHE_URL. Periodic jobs do not go through it: `aftersales sweep`
# runs them with either backend.
TASKS_URL = os.environ.get("TASKS_URL", "").strip()
if TASKS_URL.startswith(("redis://", "rediss://", "unix://")):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # A job may run this many seconds before the worker stops it.
    RQ_QUEUES = {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 1800}}
    # The worker runs Django tasks, not plain RQ jobs: `rqworker` needs no --job-class.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
elif TASKS_URL:
    raise ImproperlyConfigured("TASKS_URL must be empty or a redis://, rediss:// or unix:// URL")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- API ----------------------------------------------------------------------
# Empty choice of list filters: "All", not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftersales.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "aftersales.api.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "aftersales API",
    "DESCRIPTION": "After-sales service management (售后服务管理系统)",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "ServiceKindEnum": "aftersales.service.models.ServiceKind",
        "PlanModeEnum": "aftersales.service.models.PlanMode",
        "OrderStatusEnum": "aftersales.service.models.Status",
        "WebRequestStatusEnum": "aftersales.service.models.WebRequestStatus",
        "LeadStatusEnum": "aftersales.leads.models.LeadStatus",
        "ReferralKindEnum": "aftersales.service.models.ReferralKind",
        "ReplyChannelEnum": "aftersales.service.models.ReplyChannel",
        "StockMoveKindEnum": "aftersales.parts.models.MoveKind",
        "StockCountStatusEnum": "aftersales.parts.models.CountStatus",
        "LabourBasisEnum": "aftersales.parts.models.LabourBasis",
        "PartLineStatusEnum": "aftersales.parts.models.LineStatus",
        "ChargeRuleEnum": "aftersales.parts.models.ChargeRule",
        "PaymentEnum": "aftersales.parts.models.Payment",
        "SlipKindEnum": "aftersales.parts.models.SlipKind",
    },
}

# --- spare parts (PRT-1, PRT-3) --------------------------------------------------
# PRT-1 b: a part priced under this (CNY) without recovery value is a small part whose old
# part stays with the customer.
AFTERSALES_SMALL_PART_LIMIT = os.environ.get("AFTERSALES_SMALL_PART_LIMIT", "50.00")
# PRT-1 d, PRT-3: days the technician has to bring a warranty part's old part back.
AFTERSALES_OLD_PART_DAYS = int(os.environ.get("AFTERSALES_OLD_PART_DAYS", "15"))
# PRT-5: the local time after which the day's consumed-parts report goes to purchasing.
AFTERSALES_CONSUMED_REPORT_AT = os.environ.get("AFTERSALES_CONSUMED_REPORT_AT", "17:30")
# FEE-5: hours finance has to tell the technician that a customer's payment arrived.
AFTERSALES_PAYMENT_NOTICE_HOURS = int(os.environ.get("AFTERSALES_PAYMENT_NOTICE_HOURS", "12"))
# FEE-2: days a quotation stays valid for the customer's acceptance.
AFTERSALES_QUOTATION_DAYS = int(os.environ.get("AFTERSALES_QUOTATION_DAYS", "30"))

# --- return visits and surveys (FUP-1, FUP-2, FUP-5, FUP-6, SVC-6) ------------------
# FUP-1: the return visit is due this many hours after completion (wall clock, CAL-1).
AFTERSALES_RETURN_VISIT_HOURS = float(os.environ.get("AFTERSALES_RETURN_VISIT_HOURS", "24"))
# FUP-5: an unanswered call is tried again after these hours; after this many calls the
# visit closes as unreachable (and the order may close).
AFTERSALES_RETURN_VISIT_RETRY_HOURS = float(
    os.environ.get("AFTERSALES_RETURN_VISIT_RETRY_HOURS", "4")
)
AFTERSALES_RETURN_VISIT_MAX_CALLS = int(os.environ.get("AFTERSALES_RETURN_VISIT_MAX_CALLS", "3"))
# FUP-5: working days the owner of a follow-up case has to resolve it.
AFTERSALES_FOLLOWUP_CASE_DAYS = int(os.environ.get("AFTERSALES_FOLLOWUP_CASE_DAYS", "3"))
# FUP-2: the survey link goes out the day after completion at this local time, and
# stays valid this many days.
AFTERSALES_SURVEY_SEND_AT = os.environ.get("AFTERSALES_SURVEY_SEND_AT", "10:00")
AFTERSALES_SURVEY_VALID_DAYS = int(os.environ.get("AFTERSALES_SURVEY_VALID_DAYS", "30"))
# FUP-6: a new customer gets a satisfaction survey this many days after registration
# (0: never sent automatically).
AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS = int(
    os.environ.get("AFTERSALES_NEW_CUSTOMER_SURVEY_DAYS", "30")
)
# Rate limit of the public survey page per client address.
AFTERSALES_SURVEY_RATE = os.environ.get("AFTERSALES_SURVEY_RATE", "30/h")
# SVC-6: the satisfaction target (% of answered surveys rated satisfied or better).
AFTERSALES_SATISFACTION_TARGET = int(os.environ.get("AFTERSALES_SATISFACTION_TARGET", "90"))

# --- 三包 (EXC-5): days counted as civil law counts them (the day of sale not counted) --
AFTERSALES_SANBAO_RETURN_DAYS = int(os.environ.get("AFTERSALES_SANBAO_RETURN_DAYS", "7"))
AFTERSALES_SANBAO_EXCHANGE_DAYS = int(os.environ.get("AFTERSALES_SANBAO_EXCHANGE_DAYS", "15"))
# Repairs of the same fault after which the next failure entitles exchange or return.
AFTERSALES_SANBAO_FAILED_REPAIRS = int(os.environ.get("AFTERSALES_SANBAO_FAILED_REPAIRS", "2"))

# --- public web repair form (REQ-1, REQ-4) ----------------------------------------
# Rate limits per client address ("5/h" = 5 per hour), counted in the default cache:
# Django's local-memory cache unless CACHES is set, i.e. per server process. Several
# app servers need a shared cache (Redis, or a DatabaseCache after `createcachetable`).
AFTERSALES_PUBLIC_RATE = os.environ.get("AFTERSALES_PUBLIC_RATE", "5/h")
AFTERSALES_STATUS_RATE = os.environ.get("AFTERSALES_STATUS_RATE", "20/h")
# A person needs a few seconds to fill the form; a robot does not.
AFTERSALES_PUBLIC_MIN_FILL_SECONDS = int(os.environ.get("AFTERSALES_PUBLIC_MIN_FILL_SECONDS", 3))
# Only behind a proxy of our own that sets X-Forwarded-For; else REMOTE_ADDR is the client.
AFTERSALES_TRUST_X_FORWARDED_FOR = env_flag("AFTERSALES_TRUST_X_FORWARDED_FOR")
# The address printed in QR labels (e.g. https://service.example.com); empty: this request's.
AFTERSALES_PUBLIC_BASE_URL = os.environ.get("AFTERSALES_PUBLIC_BASE_URL", "").rstrip("/")
# Shown on the public pages when set.
AFTERSALES_SERVICE_HOTLINE = os.environ.get("AFTERSALES_SERVICE_HOTLINE", "")
# REQ-4: web requests are collected twice per working day, so none waits unseen longer
# than half a working day; older ones are flagged in the intake queue. Counted in WORKING
# hours of the default business calendar (nights, weekends and holidays do not count).
AFTERSALES_WEB_REQUEST_MAX_AGE_HOURS = float(
    os.environ.get("AFTERSALES_WEB_REQUEST_MAX_AGE_HOURS", 4)
)
# The work queue marks open orders whose next time limit falls within these hours.
AFTERSALES_DUE_SOON_HOURS = float(os.environ.get("AFTERSALES_DUE_SOON_HOURS", 4))
# The home page's dashboard figures are cached per reach and dropped on every order write;
# overdue / due soon change with the clock alone, so an entry lives at most these seconds.
AFTERSALES_DASHBOARD_TTL = int(os.environ.get("AFTERSALES_DASHBOARD_TTL", 60))
# Issue 7: the deadline engine keeps each business calendar (and intake the active SLA
# policies) in the process, dropped when a calendar (policy) write commits (through the shared
# cache with several processes); without a shared cache (CACHE_URL) another process's change
# is seen after at most these seconds. 0: off.
AFTERSALES_CALENDAR_CACHE_TTL = float(os.environ.get("AFTERSALES_CALENDAR_CACHE_TTL", 60))
# The work queue's filter lists (units, technicians, regions) kept per process and reach, the
# same way: dropped when people, roles, units or regions change; at most these seconds old
# in another process without a shared cache. 0: off.
AFTERSALES_FILTER_CHOICES_TTL = float(os.environ.get("AFTERSALES_FILTER_CHOICES_TTL", 60))
# REQ-2: the largest photo or PDF attached to a service order, in MB.
AFTERSALES_ATTACHMENT_MAX_MB = float(os.environ.get("AFTERSALES_ATTACHMENT_MAX_MB", 10))

# --- sales leads (SVC-9) ---------------------------------------------------------------
# The reporter's information fee (信息费) as a share of the sales commission: 0.05 = 5 %.
AFTERSALES_LEAD_INFO_FEE_RATE = Decimal(os.environ.get("AFTERSALES_LEAD_INFO_FEE_RATE", "0.05"))

# --- SLA warnings, escalation and notifications (SVC-7) ------------------------------
# A running clock warns its owner and their lead when this share of its time has passed
# (1 turns warnings off).
AFTERSALES_SLA_WARN_FRACTION = float(os.environ.get("AFTERSALES_SLA_WARN_FRACTION", 0.8))
# After a breach each level of the ladder (branch manager → HQ after-sales dept → company
# manager) has this many wall-clock hours before the next one is told.
AFTERSALES_SLA_ESCALATION_STEP_HOURS = float(
    os.environ.get("AFTERSALES_SLA_ESCALATION_STEP_HOURS", 4)
)
# SMS: a class with send(phone, text); the default only writes the message to the log.
AFTERSALES_SMS_BACKEND = os.environ.get(
    "AFTERSALES_SMS_BACKEND", "aftersales.notifications.sms.LogBackend"
)
# The notification topics that also go out by SMS (comma-separated).
AFTERSALES_SMS_TOPICS = [
    t.strip()
    for t in os.environ.get("AFTERSALES_SMS_TOPICS", "sla.escalated").split(",")
    if t.strip()
]
# WeChat: a class with send(recipient_id, text); the default only writes the message to the log.
AFTERSALES_WECHAT_BACKEND = os.environ.get(
    "AFTERSALES_WECHAT_BACKEND", "aftersales.notifications.wechat.LogBackend"
)
# The notification topics that also go out by WeChat to people with a WeChat ID (comma-separated).
AFTERSALES_WECHAT_TOPICS = [
    t.strip()
    for t in os.environ.get("AFTERSALES_WECHAT_TOPICS", "sla.escalated,order.assigned").split(",")
    if t.strip()
]
# What the customer is told by SMS on their order's progress (comma-separated events of
# dispatch, plan (an appointment), complete; empty: nothing).
AFTERSALES_CUSTOMER_SMS_EVENTS = [
    e.strip()
    for e in os.environ.get("AFTERSALES_CUSTOMER_SMS_EVENTS", "dispatch,plan,complete").split(",")
    if e.strip()
]
# E-mail goes through Django's mail settings; these are the usual ones from the environment.
# By default mail is written to the console: set EMAIL_BACKEND to Django's SMTP backend
# (django.core.mail.backends.smtp.EmailBackend) and EMAIL_HOST to send it.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

# --- security headers -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_flag("HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
