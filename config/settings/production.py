"""Production: every secret is required, and `check --deploy` is clean."""

from django.core.exceptions import ImproperlyConfigured

from core.observability.logs import logging_config

from .base import *  # noqa: F403
from .base import CLERK_JWKS_URL, CLERK_JWT_KEY, DJANGO_LOG_LEVEL, env

DEBUG = False
# One JSON object per log line, for the log collector.
DJANGO_LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=DJANGO_LOG_FORMAT, level=DJANGO_LOG_LEVEL)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# --- HTTPS (TLS ends at the load balancer) --------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# API clients and webhook senders treat a redirect as a failure: the API is never redirected.
SECURE_REDIRECT_EXEMPT = [r"^api/"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# --- Clerk: without a key source no session token could ever be verified ----------
if not (CLERK_JWT_KEY or CLERK_JWKS_URL):
    raise ImproperlyConfigured(
        "Set CLERK_JWT_KEY (the instance's PEM public key) or CLERK_JWKS_URL: "
        "without one, every session token is rejected."
    )
