import os
import subprocess
import sys

from accounts.checks import check_clerk_jwt_key
from tests.clerk import mint_token
from tests.conftest import BASE_DIR

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "postgres://app:secret@db.internal:5432/companion",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "CLERK_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}


def _python(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLERK_"))}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_clerk_key_source():
    result = _python("import django; django.setup()", **PRODUCTION_ENV)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CLERK_JWT_KEY" in result.stderr
    assert "CLERK_JWKS_URL" in result.stderr


def test_production_starts_with_either_key_source(clerk_signing_key):
    for source in (
        {"CLERK_JWKS_URL": "https://clerk.example.com/.well-known/jwks.json"},
        {"CLERK_JWT_KEY": clerk_signing_key.public_pem},
    ):
        result = _python("import django; django.setup()", **PRODUCTION_ENV, **source)
        assert "CLERK_JWT_KEY" not in result.stderr, result.stderr


def test_a_pem_key_with_literal_backslash_n_verifies_tokens(clerk_signing_key):
    code = (
        "import sys, django; django.setup(); from accounts.clerk import verify_session_token;"
        "print(verify_session_token(sys.argv[1])['sub'])"
    )
    one_line_pem = clerk_signing_key.public_pem.replace("\n", "\\n")
    assert "\n" not in one_line_pem

    result = _python(
        code,
        mint_token(clerk_signing_key, sub="user_2fromEnv"),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CLERK_JWT_KEY=one_line_pem,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "user_2fromEnv"


def test_a_key_that_is_not_an_rsa_public_key_fails_the_system_check(settings, clerk_signing_key):
    settings.CLERK_JWT_KEY = clerk_signing_key.public_pem
    assert check_clerk_jwt_key(None) == []
    settings.CLERK_JWT_KEY = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"
    assert [message.id for message in check_clerk_jwt_key(None)] == ["accounts.E001"]
