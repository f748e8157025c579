"""Settings shared by every environment, read from environment variables.

The embedded defaults (SQLite, a SQLite-file Celery broker, console email) let
`make run` work on a bare machine; `production.py` refuses to start without the
real values.
"""

from pathlib import Path
from typing import Any, Literal

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Confidential free text (session and group records, journal entries, feedback
# and wellbeing comments, peer-support notes) is encrypted at rest with these
# Fernet keys: the first encrypts, every one decrypts, so keys can rotate
# (README, "Encryption keys"). production.py demands them; local.py and bench.py
# derive a development key from SECRET_KEY when unset; test.py fixes one.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])


def development_field_encryption_key(secret_key: str) -> str:
    """A stable Fernet key derived from SECRET_KEY (HKDF-SHA256), for development only.

    Derived rather than written to a file so that the web process, the worker
    and beat agree on it with nothing to create, share or race for. Changing
    SECRET_KEY changes it, and what was encrypted before no longer reads.
    """
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"clinical-supervision field encryption, development only",
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw).decode("ascii")


INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    # Always installed (stable migrations); Microsoft sign-in is live only when
    # the ENTRA_* variables configure it below.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.microsoft",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "csp",
    "disclosure",
    "kernel",
    # Operators' checks: beat's heartbeat, the encryption-key sentinel, counters.
    "operations",
    "accounts",
    "audit",
    "supervision",
    "peergroups",
    "feedback",
    "notifications",
    "reports",
    # SCIM 2.0 provisioning from Microsoft Entra ID: each organisation's own, off by default.
    "provisioning",
]

MIDDLEWARE = [
    # First, so every log line of the request (and every response) has its id.
    "supervision_site.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "supervision_site.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, also accepting sessions signed in before accounts.backends.
    "accounts.middleware.AuthenticationMiddleware",
    # Every view is for signed-in people unless marked @login_not_required.
    "supervision_site.middleware.LoginRequiredMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "supervision.middleware.OrganisationTimezoneMiddleware",
    "supervision_site.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "supervision_site.urls"
WSGI_APPLICATION = "supervision_site.wsgi.application"

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
                "supervision.context_processors.shell",
            ],
        },
    },
]

# Widgets render through the site's templates, so templates/django/forms/ can
# replace Django's own: a select renders its options inline instead of two
# template includes per option (the report's filters have over a hundred), and
# kernel.renderers writes that same markup in Python, faster still.
FORM_RENDERER = "kernel.renderers.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take turns from the start of each transaction (no lock upgrade
    # that fails at once), and readers never wait for the web or the worker.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))


def keep_connections(databases: dict) -> None:
    """Production's database connections, and so the benchmarks' (bench.py): each
    worker keeps its connection between requests (DATABASE_CONN_MAX_AGE seconds,
    60 unless set) instead of opening one per request, which costs the web process
    and PostgreSQL milliseconds each time; and checks it before reusing it, so a
    restarted database costs no failed request."""
    databases["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    databases["default"]["CONN_HEALTH_CHECKS"] = True


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, each loading the signed-in person with their staff profile
# in one query built once per process (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
# Django's checks, with their messages in the NHS.UK design system's words.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.passwords.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "supervision:home"

# --- Internationalisation and time -------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en-gb")
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = env.bool("USE_TZ", default=True)
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: files go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Used by the file backend (settings.local's default): one file per email sent.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "sent-emails"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Clinical supervision <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache (allauth's rate limits need a cache shared by every process) ------
REDIS_URL = env("REDIS_URL", default="")
# --- When Redis is down (issue 17) ---------------------------------------------
# A dead Redis must cost milliseconds, not a hung request: short socket timeouts
# for the cache, and after a failure each process uses its own memory for
# RETRY_AFTER seconds before trying Redis again.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0, "RETRY_AFTER": 5}
# Sessions live in the database (not the cache): losing Redis signs nobody out.
# Django's database store, reading with SQL built once per process (a third of
# the cost of the read every signed-in request makes).
SESSION_ENGINE = "accounts.session_store"
if REDIS_URL:
    CACHES = {
        "default": {
            # A lost Redis degrades to per-process memory instead of answering 500:
            # supervision_site/cache.py says what that means for rate limits.
            "BACKEND": "supervision_site.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "supervision",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# --- Celery -------------------------------------------------------------------
# With no Redis the embedded default is still a real broker between processes:
# kombu's SQLAlchemy transport on a SQLite file beside the database.
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    default=REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}",
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# A task is acknowledged only after it ran, so a worker that dies mid-task
# leaves it on the queue for another worker; tasks are written to be safe twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = False
# When Redis is down (issue 17): a web request publishing a task after its
# commit (kernel.queueing) must fail in milliseconds, not hang: short connect
# and reply timeouts on the broker's sockets (a hung Redis costs 2 s). The
# worker's long BRPOP is not subject to socket_timeout (kombu watches it with
# its own health check).
REDIS_BROKER_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# --- allauth ------------------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Invitation-only: programme admins add people. An organisation that wants
# self-service registration can switch it on.
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=False)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Clinical supervision")
# Programme admins, wellbeing leads and staff users must set up an authenticator
# app (accounts.middleware.RequireMFAMiddleware) and may not turn it off.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
# allauth's forms with the NHS.UK error wording every form here has (accounts/forms.py).
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
    "change_email": "accounts.forms.ChangeEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "user_token": "accounts.forms.UserTokenForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
    "request_login_code": "accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "accounts.forms.ConfirmLoginCodeForm",
}
MFA_FORMS = {
    "authenticate": "accounts.forms.AuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
    "deactivate_totp": "accounts.forms.DeactivateTOTPForm",
    "generate_recovery_codes": "accounts.forms.GenerateRecoveryCodesForm",
}
# --- Sign-in limits on shared hospital networks (accounts.ratelimits) ---------
# Staff sign in from a handful of shared addresses, so limits fall on the
# account and on the (address, account) pair; per-address limits are a high
# ceiling on sprays only, and none at all for TRUSTED_EGRESS_NETWORKS (CIDRs of
# a trust's NAT). Each is "<count>/<window>" (window: 30s, 5m, 1h...), counted
# in the shared cache above (never a dummy one) as a moving window that lifts
# by itself: nobody can lock a person out for longer by guessing.
SIGNIN_FAILURES_PER_ACCOUNT = env.str("SIGNIN_FAILURES_PER_ACCOUNT", default="5/5m")
SIGNIN_RATE_PER_ADDRESS_AND_ACCOUNT = env.str("SIGNIN_RATE_PER_ADDRESS_AND_ACCOUNT", default="10/m")
SIGNIN_RATE_PER_ADDRESS = env.str("SIGNIN_RATE_PER_ADDRESS", default="300/m")
SIGNIN_FAILURES_PER_ADDRESS = env.str("SIGNIN_FAILURES_PER_ADDRESS", default="100/m")
TRUSTED_EGRESS_NETWORKS = env.list("TRUSTED_EGRESS_NETWORKS", default=[])


def _checked_signin_limits() -> dict[str, str]:
    import ipaddress
    import re

    from django.core.exceptions import ImproperlyConfigured

    limits = {
        "SIGNIN_FAILURES_PER_ACCOUNT": SIGNIN_FAILURES_PER_ACCOUNT,
        "SIGNIN_RATE_PER_ADDRESS_AND_ACCOUNT": SIGNIN_RATE_PER_ADDRESS_AND_ACCOUNT,
        "SIGNIN_RATE_PER_ADDRESS": SIGNIN_RATE_PER_ADDRESS,
        "SIGNIN_FAILURES_PER_ADDRESS": SIGNIN_FAILURES_PER_ADDRESS,
    }
    for name, value in limits.items():
        if not re.fullmatch(r"[1-9][0-9]*/[0-9]*[smhd]", value):
            raise ImproperlyConfigured(f"{name} must look like 10/m or 5/5m, not {value!r}.")
    for cidr in TRUSTED_EGRESS_NETWORKS:
        try:
            ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_EGRESS_NETWORKS holds {cidr!r}, "
                "which is not a network such as 192.0.2.0/24."
            ) from None
    return limits


_checked_signin_limits()
# Wrong passwords and wrong two-factor codes count against the account
# (login_failed); the other entries are ours. allauth's own 30 sign-ins a
# minute per address ("login") is replaced by SIGNIN_RATE_PER_ADDRESS, which
# spares trusted egress networks. allauth's other defaults stay (README,
# "Sign-in limits").
ACCOUNT_RATE_LIMITS: dict[str, str] | Literal[False] = {
    "login": "",
    "login_failed": f"{SIGNIN_FAILURES_PER_ACCOUNT}/key",
    "signin_address_account": f"{SIGNIN_RATE_PER_ADDRESS_AND_ACCOUNT}/key",
    "signin_address": f"{SIGNIN_RATE_PER_ADDRESS}/key",
    "signin_failed_address": f"{SIGNIN_FAILURES_PER_ADDRESS}/key",
}
# Behind a load balancer every request comes from its address: allauth counts
# clients by X-Forwarded-For too (the adapter uses audit.context.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Sessions -----------------------------------------------------------------
# A session ends after SESSION_IDLE_MINUTES without a request and, however
# busy, SESSION_MAX_HOURS after signing in (accounts.middleware). The cookie
# and the session row never outlive the absolute limit either.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1.")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 60 * 60
# People see their signed-in sessions and sign the others out (allauth's
# usersessions). Their last use is recorded by SessionLifetimeMiddleware once a
# minute, not by allauth's middleware on every request.
USERSESSIONS_TRACK_ACTIVITY = False

# How long an invitation link stays valid.
INVITATION_TIMEOUT_DAYS = env.int("INVITATION_TIMEOUT_DAYS", default=14)

# Days after a person is deactivated before their name, email address and
# private free text are removed (accounts.tasks.anonymise_leavers); facts such
# as sessions and attendance are kept so reports still add up.
LEAVER_RETENTION_DAYS = env.int("LEAVER_RETENTION_DAYS", default=365)

# --- Single sign-on with Microsoft Entra ID (optional, off by default) --------
# On only when all three ENTRA_* variables are set. Nobody signs up this way:
# accounts.adapter.SocialAccountAdapter lets in only invited, active staff whose
# verified email matches, and connects the Microsoft account to them.
ENTRA_CLIENT_ID = env("ENTRA_CLIENT_ID", default="")
ENTRA_CLIENT_SECRET = env("ENTRA_CLIENT_SECRET", default="")
ENTRA_TENANT_ID = env("ENTRA_TENANT_ID", default="")
ENTRA_EMAIL_DOMAINS = env.list("ENTRA_EMAIL_DOMAINS", default=[])
# SCIM 2.0 provisioning (/scim/v2/, the provisioning app): available to every
# organisation, each of which stays off until its programme admin switches it on
# and makes a token. False: the endpoints answer 404 for everyone.
SCIM_ENABLED = env.bool("SCIM_ENABLED", default=True)
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {
    "signup": "accounts.forms.SocialSignupForm",
    "disconnect": "accounts.forms.DisconnectForm",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter matches by email itself
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a GET asks to confirm: no sign-in by a link
SOCIALACCOUNT_PROVIDERS: dict = {}
if ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET and ENTRA_TENANT_ID:
    from django.core.exceptions import ImproperlyConfigured

    # Only a directory of our own vouches for its addresses: a multi-tenant
    # endpoint would let anyone's tenant claim any email address.
    if ENTRA_TENANT_ID.lower() in {"common", "organizations", "consumers"}:
        raise ImproperlyConfigured("ENTRA_TENANT_ID must name one tenant (its ID or domain).")
    SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "client_id": ENTRA_CLIENT_ID,
                    "secret": ENTRA_CLIENT_SECRET,
                    "settings": {
                        "tenant": ENTRA_TENANT_ID,
                        # Addresses in the tenant are set by its administrators,
                        # so they count as verified (only these domains, if set).
                        "verified_email": ENTRA_EMAIL_DOMAINS or True,
                    },
                }
            ],
        }
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"
CRISPY_FAIL_SILENTLY = False

# --- Microsoft Teams meetings through Microsoft Graph (optional, off by default) -
# On only when all three MS_GRAPH_* credentials are set AND an organisation
# switches "create Teams meetings" on (kernel.graph, kernel.services.teams). The base and login URLs
# are settings so the tests point them at a local fake Graph server.
MS_GRAPH_TENANT_ID = env("MS_GRAPH_TENANT_ID", default="")
MS_GRAPH_CLIENT_ID = env("MS_GRAPH_CLIENT_ID", default="")
MS_GRAPH_CLIENT_SECRET = env("MS_GRAPH_CLIENT_SECRET", default="")
MS_GRAPH_BASE_URL = env("MS_GRAPH_BASE_URL", default="https://graph.microsoft.com/v1.0")
MS_GRAPH_LOGIN_URL = env("MS_GRAPH_LOGIN_URL", default="https://login.microsoftonline.com")
MS_GRAPH_TIMEOUT_SECONDS = env.float("MS_GRAPH_TIMEOUT_SECONDS", default=10.0)

# --- Security -----------------------------------------------------------------
# Lax, not Strict: a link from an email (a session to confirm) must arrive
# signed in. Unsafe methods from other sites carry no cookie either way.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it; forms carry the token
# Messages ("Booked with ...", "Signed in as ...") name people: kept in the
# session on the server, not in a readable cookie beside it.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Same-origin: full referrer inside the site (Django's CSRF check wants it over
# HTTPS), nothing at all to other sites, so a meeting link or the NHS font
# server never learns which record, session or token page it was opened from.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# How many reverse proxies in front of the app append to X-Forwarded-For; the
# audit log takes the client's address from there only when this is above 0.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY: dict[str, dict[str, Any]] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # A nonce only for the report's print header (@page margin boxes).
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        # The NHS.UK frontend's Frutiger web fonts are served by the NHS.
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if SOCIALACCOUNT_PROVIDERS:
    # The Microsoft sign-in form posts here and is redirected to Entra ID;
    # browsers apply form-action to that redirect too.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append("https://login.microsoftonline.com")

# --- Logs, error reports, readiness and metrics (operators) -------------------
# Every log line carries the request's id (X-Request-ID) or the Celery task's
# (supervision_site/logs.py). LOG_FORMAT: "text" for a person at a console,
# "json" (production's default) for a log collector: one JSON object a line.
from supervision_site.logs import logging_config  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
# Celery leaves logging to the settings above (supervision_site/celery.py).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors go to Sentry (or a compatible tracker) only when SENTRY_DSN is set;
# nothing personal or confidential is sent (supervision_site/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# Readiness (/readyz) fails when beat's heartbeat (a task every minute) is older
# than this, or when a notification has been due and unsent for longer than this.
READINESS_MAX_BEAT_AGE_SECONDS = env.int("READINESS_MAX_BEAT_AGE_SECONDS", default=300)
READINESS_MAX_UNSENT_AGE_SECONDS = env.int("READINESS_MAX_UNSENT_AGE_SECONDS", default=600)
# /metrics (Prometheus text format) answers a request with "Authorization:
# Bearer <METRICS_TOKEN>", or a signed-in superuser; anyone else gets a 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Notifications ------------------------------------------------------------
# A row claimed for a worker that never sent it (the worker died, the broker
# lost its task) is claimed again after this long: short, so that a broker loss
# delays a reminder by a minute at most (the lease plus the beat's 30 seconds).
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=30)
# Seconds the mail server has to answer each step of a send (SMTP), so that a
# hung server fails the attempt (retried later) rather than holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# How long a built engagement report is kept in the cache (0: build it every time).
REPORT_CACHE_SECONDS = env.int("REPORT_CACHE_SECONDS", default=300)
# Distinct people a batch of session feedback needs before whoever ran the
# sessions sees its totals (disclosure.feedback_minimum): 3 at least.
FEEDBACK_MINIMUM_RESPONDENTS = env.int("FEEDBACK_MINIMUM_RESPONDENTS", default=3)

# Last, once every setting it reads is known.
if SENTRY_DSN:
    from supervision_site.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT or None,
        release=SENTRY_RELEASE or None,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
