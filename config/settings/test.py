"""The test suite: the throwaway embedded servers unless DATABASE_URL / REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-test-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
# Connections opened in worker threads (async tests, Channels) must not outlive their use; the
# benchmarks' servers keep theirs, as in production (a pool, DATABASE_POOL, keeps them anyway).
if not DATABASES["default"]["OPTIONS"].get("pool"):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Throttles stay on, with limits no test reaches by accident; a test lowers one to check it.
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="100000/min")
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="100000/min")
API_THROTTLE_WEBHOOKS = env.str("API_THROTTLE_WEBHOOKS", default="100000/min")
# Admin lockout is off unless a test switches it on.
AXES_ENABLED = False
