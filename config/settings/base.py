"""Settings shared by every environment. Everything configurable is read from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

from core.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# A .env file is honoured in local use only; tests and production never read one.
if env.str("DJANGO_SETTINGS_MODULE", default="config.settings.local").endswith(".local"):
    env.read_env(BASE_DIR / ".env")

# --- Core -----------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# API paths have no trailing slash, and no path may ever answer with a redirect.
APPEND_SLASH = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- Apps -----------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
]
LOCAL_APPS = [
    "accounts",
    "memories",
    "conversations",
    "missions",
    "webhooks",
    "health",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# Sessions, Django's user and messages serve the admin: API requests skip them
# (core/middleware.py). CSRF stays for every path (it costs little where views are exempt).
API_PATH_PREFIX = "/api/"
MIDDLEWARE = [
    # First: the request id and the HTTP metrics cover everything after it.
    "core.observability.http.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.BrowserAuthenticationMiddleware",
    "core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.api.middleware.ChunkedBodyMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

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

# --- Users ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for AXES_COOLOFF_MINUTES. Keyed on both, so that nobody
# can lock an administrator out from elsewhere; attempts are listed in the admin.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Database -------------------------------------------------------------------
# `make dev` and the test session export DATABASE_URL after starting the embedded server.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
# Under ASGI every request runs on a thread of its own, so a persistent connection is never
# reused and each request connects anew; Django's advice there is a pool (DATABASE_POOL=true).
if env.bool("DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 2,
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": 10,
    }

# --- Redis, cache, Channels -----------------------------------------------------
REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
CHANNEL_LAYERS = {
    "default": {
        # Pub/sub: live events are fire-and-forget, fan out to every web process, and leave no
        # per-consumer blocking reads (the list-based layer hangs shutdown on cancelled reads).
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": "channels"},
    }
}

# --- Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = True

# --- REST framework and OpenAPI -------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.JSONFirstNegotiation",
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ClerkAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttles.AnonThrottle",
        "core.api.throttles.UserThrottle",
    ],
    # Proxies in front of us that append to X-Forwarded-For (0: the peer's address is the
    # client's, and a client cannot pick its own throttle bucket with a forged header).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# --- Throttles (core.api.throttles): "<count>/<s|min|hour|day>"; empty switches a scope off.
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="120/min")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="600/min")
API_THROTTLE_WEBHOOKS = env.str("API_THROTTLE_WEBHOOKS", default="3000/min")
# Seconds the throttles and the live events stop calling a Redis that failed (core.breaker).
CIRCUIT_BREAKER_SECONDS = env.float("CIRCUIT_BREAKER_SECONDS", default=5.0)
# Seconds a 503 asks the client to wait before trying again.
API_RETRY_AFTER_SECONDS = env.int("API_RETRY_AFTER_SECONDS", default=30)

SPECTACULAR_SETTINGS = {
    "TITLE": "Companion API",
    "DESCRIPTION": "Long-term memory for an AI companion.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MemoryTierEnum": "memories.models.Memory.Tier",
        "MissionStatusEnum": "missions.models.Mission.Status",
        "MissionStepStatusEnum": "missions.models.MissionStep.Status",
        "MessageStatusEnum": "conversations.models.Message.Status",
        "IngestionJobStatusEnum": "memories.models.IngestionJob.Status",
    },
}

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Replies have a queue of their own, read first: a worker takes a waiting reply before any memory
# work, so a burst of ingestion or the nightly consolidation never holds up the chat. A worker
# reads both unless told otherwise (`-Q replies` runs one for replies alone).
CELERY_TASK_QUEUES = (Queue("replies"), Queue("celery"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Mission runs go there too: a mission never waits behind an ingestion backlog.
CELERY_TASK_ROUTES = {
    "conversations.tasks.reply_run": {"queue": "replies"},
    "missions.tasks.mission_run": {"queue": "replies"},
}
# A task must finish well inside the visibility timeout, or Redis would redeliver it mid-run;
# "priority" reads the queues in the order above, where Redis' default takes turns.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "queue_order_strategy": "priority"}
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Memory pipelines (memories.tasks) ------------------------------------------
# The sweep sends again jobs whose publish failed (after a short grace), and jobs queued or
# running with no progress for INGESTION_REQUEUE_AFTER_SECONDS (a lost message, a dead worker):
# that must exceed CELERY_TASK_TIME_LIMIT plus the longest retry backoff (120 s).
INGESTION_SWEEP_SECONDS = env.float("INGESTION_SWEEP_SECONDS", default=30.0)
INGESTION_UNSENT_GRACE_SECONDS = env.int("INGESTION_UNSENT_GRACE_SECONDS", default=10)
INGESTION_REQUEUE_AFTER_SECONDS = env.int("INGESTION_REQUEUE_AFTER_SECONDS", default=900)
INGESTION_MAX_ATTEMPTS = env.int("INGESTION_MAX_ATTEMPTS", default=8)
INGESTION_SWEEP_BATCH = 500
# Nightly consolidation: five cron fields (minute hour day-of-month month day-of-week), UTC.
CONSOLIDATION_CRONTAB = env.str("CONSOLIDATION_CRONTAB", default="30 3 * * *")

# --- Conversations (conversations.tasks) ----------------------------------------
CHAT_SYSTEM_PROMPT = env.str(
    "CHAT_SYSTEM_PROMPT",
    default="You are Companion, a warm and attentive friend. Answer briefly and naturally, and "
    "use what you remember about the user when it helps; never invent memories.",
)
# Budgets in characters (no tokenizer to download): the history sent with each reply, and the
# memory block (core memories first, then the most relevant to the new message).
CHAT_HISTORY_CHARACTERS = env.int("CHAT_HISTORY_CHARACTERS", default=12000)
CHAT_MEMORY_CHARACTERS = env.int("CHAT_MEMORY_CHARACTERS", default=2000)
CHAT_RECALL_TOP_K = env.int("CHAT_RECALL_TOP_K", default=8)
CHAT_MODEL = env.str("CHAT_MODEL", default="") or env.str("LLM_MODEL", default="gpt-4o-mini")
# A streaming reply writes its progress (and sees a cancel) at most this often, and sends the
# pieces that arrive within CHAT_DELTA_SECONDS of its last delta together in the next one
# (0: one delta per piece of the model's answer).
CHAT_PROGRESS_SECONDS = env.float("CHAT_PROGRESS_SECONDS", default=0.25)
CHAT_DELTA_SECONDS = env.float("CHAT_DELTA_SECONDS", default=0.03)
# The sweep: replies never handed to the broker after the grace, handed over long ago and still
# pending, or streaming with no sign of life for CHAT_STALE_SECONDS (longer than the model's
# timeout) are sent again, and failed after CHAT_MAX_ATTEMPTS runs.
CHAT_SWEEP_SECONDS = env.float("CHAT_SWEEP_SECONDS", default=15.0)
CHAT_UNSENT_GRACE_SECONDS = env.int("CHAT_UNSENT_GRACE_SECONDS", default=5)
CHAT_REQUEUE_AFTER_SECONDS = env.int("CHAT_REQUEUE_AFTER_SECONDS", default=300)
CHAT_STALE_SECONDS = env.int("CHAT_STALE_SECONDS", default=120)
CHAT_MAX_ATTEMPTS = env.int("CHAT_MAX_ATTEMPTS", default=3)
CHAT_SWEEP_BATCH = 500

# --- Missions (missions.tasks) ----------------------------------------------------
# At most MISSIONS_MAX_ACTIVE unfinished missions per user, MISSIONS_MAX_STEPS steps per plan;
# a check-in is due MISSIONS_CHECK_IN_SECONDS after its step (a day), and the wake-up looks
# for due check-ins every MISSIONS_WAKE_SECONDS.
MISSIONS_MAX_ACTIVE = env.int("MISSIONS_MAX_ACTIVE", default=10)
MISSIONS_MAX_STEPS = env.int("MISSIONS_MAX_STEPS", default=12)
MISSIONS_CHECK_IN_SECONDS = env.float("MISSIONS_CHECK_IN_SECONDS", default=86400.0)
MISSIONS_WAKE_SECONDS = env.float("MISSIONS_WAKE_SECONDS", default=30.0)
MISSIONS_MODEL = env.str("MISSIONS_MODEL", default="") or env.str(
    "LLM_MODEL", default="gpt-4o-mini"
)
# Tool-calling rounds an openai step may take before it fails; the memory block a tool returns.
MISSIONS_TOOL_ROUNDS = env.int("MISSIONS_TOOL_ROUNDS", default=8)
MISSIONS_MEMORY_CHARACTERS = env.int("MISSIONS_MEMORY_CHARACTERS", default=2000)
# The sweep, as for replies: runs never handed to the broker after the grace, handed over long
# ago and never started, or with no sign of life for MISSIONS_STALE_SECONDS (longer than a
# model call) are sent again, and failed after MISSIONS_MAX_ATTEMPTS runs.
MISSIONS_SWEEP_SECONDS = env.float("MISSIONS_SWEEP_SECONDS", default=15.0)
MISSIONS_UNSENT_GRACE_SECONDS = env.int("MISSIONS_UNSENT_GRACE_SECONDS", default=5)
MISSIONS_REQUEUE_AFTER_SECONDS = env.int("MISSIONS_REQUEUE_AFTER_SECONDS", default=300)
MISSIONS_STALE_SECONDS = env.int("MISSIONS_STALE_SECONDS", default=120)
MISSIONS_MAX_ATTEMPTS = env.int("MISSIONS_MAX_ATTEMPTS", default=3)
MISSIONS_SWEEP_BATCH = 500

CELERY_BEAT_SCHEDULE: dict = {
    "missions-sweep": {"task": "missions.tasks.missions_sweep", "schedule": MISSIONS_SWEEP_SECONDS},
    "missions-wake": {"task": "missions.tasks.missions_wake", "schedule": MISSIONS_WAKE_SECONDS},
    "conversations-replies-sweep": {
        "task": "conversations.tasks.replies_sweep",
        "schedule": CHAT_SWEEP_SECONDS,
    },
    "ingestion-jobs-sweep": {
        "task": "memories.tasks.ingestion_jobs_sweep",
        "schedule": INGESTION_SWEEP_SECONDS,
    },
    "memories-consolidate-all": {
        "task": "memories.tasks.consolidate_all",
        "schedule": crontab(
            **dict(
                zip(
                    ("minute", "hour", "day_of_month", "month_of_year", "day_of_week"),
                    CONSOLIDATION_CRONTAB.split(),
                    strict=True,
                )
            )
        ),
    },
}

# --- Logging and metrics (config/observability) -----------------------------
# `json`: one JSON object per line (production's default); `plain`: readable lines. Every line
# carries the request id; during a request also its user id and route. DJANGO_ACCESS_LOG adds a
# line per request (logger `companion.access`, INFO), off by default: the ingress logs requests
# already, and it would be the largest cost of a cheap request.
DJANGO_LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="plain")
DJANGO_LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=DJANGO_LOG_FORMAT, level=DJANGO_LOG_LEVEL)
DJANGO_ACCESS_LOG = env.bool("DJANGO_ACCESS_LOG", default=False)
# Prometheus metrics at /metrics for this Bearer token; unset, the endpoint is off and the HTTP
# metrics are not recorded. Several processes add up through PROMETHEUS_MULTIPROC_DIR.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Management commands not on a terminal print a progress line at most this often.
COMMAND_PROGRESS_SECONDS = env.float("COMMAND_PROGRESS_SECONDS", default=10.0)

# --- Errors (Sentry switches on when a DSN is given) ----------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    # Imported only when switched on: the SDK and its integrations are not free to import.
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# --- Clerk ----------------------------------------------------------------------
# Session tokens are verified with the PEM key when given (no network), else with the JWKS.
CLERK_JWT_KEY = env.str("CLERK_JWT_KEY", default="").replace("\\n", "\n")
CLERK_JWKS_URL = env.str("CLERK_JWKS_URL", default="")
CLERK_SECRET_KEY = env.str("CLERK_SECRET_KEY", default="")
CLERK_ISSUER = env.str("CLERK_ISSUER", default="")
CLERK_AUTHORIZED_PARTIES = env.list("CLERK_AUTHORIZED_PARTIES", default=[])
CLERK_API_URL = env.str("CLERK_API_URL", default="https://api.clerk.com")
CLERK_WEBHOOK_SECRET = env.str("CLERK_WEBHOOK_SECRET", default="")
# Only local settings set it: the key `manage.py dev_token` signs with (accounts.devkeys).
CLERK_DEV_KEY_FILE: Path | None = None

# --- Models (embeddings and the pipelines' LLM) ---------------------------------
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
EMBEDDING_PROVIDER = env.str("EMBEDDING_PROVIDER", default="local")
EMBEDDING_TIMEOUT_SECONDS = env.float("EMBEDDING_TIMEOUT_SECONDS", default=20.0)
EMBEDDING_MAX_RETRIES = env.int("EMBEDDING_MAX_RETRIES", default=2)
LLM_PROVIDER = env.str("LLM_PROVIDER", default="local")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT_SECONDS = env.float("LLM_TIMEOUT_SECONDS", default=60.0)
