"""Local development: `make dev`."""

from pathlib import Path

from accounts.devkeys import dev_key_public_pem

from .base import *  # noqa: F403
from .base import BASE_DIR, CLERK_JWKS_URL, CLERK_JWT_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-development-key-do-not-use")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True

# --- Trying it locally: with no Clerk key source, a key pair of our own -------------------
# `manage.py dev_token user_...` signs session tokens with it; production never sets this.
if not (CLERK_JWT_KEY or CLERK_JWKS_URL):
    CLERK_DEV_KEY_FILE = Path(
        env.str("CLERK_DEV_KEY_FILE", default=str(BASE_DIR / ".data" / "dev-clerk-key.pem"))
    )
    CLERK_JWT_KEY = dev_key_public_pem(path=CLERK_DEV_KEY_FILE)
