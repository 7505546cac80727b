import pytest

from accounts.checks import check_clerk_jwt_key
from tests.support.clerk import mint_token
from tests.support.deploy import PRODUCTION_ENV, manage

WITHOUT_KEY_SOURCE = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith("CLERK_JW")}


@pytest.mark.slow
def test_production_refuses_to_start_without_a_clerk_key_source():
    result = manage("check", **WITHOUT_KEY_SOURCE)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CLERK_JWT_KEY" in result.stderr
    assert "CLERK_JWKS_URL" in result.stderr


@pytest.mark.slow
def test_production_starts_with_a_pem_key_instead_of_a_jwks_url(clerk_signing_key):
    result = manage("check", **WITHOUT_KEY_SOURCE, CLERK_JWT_KEY=clerk_signing_key.public_pem)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_a_pem_key_with_literal_backslash_n_verifies_tokens(clerk_signing_key):
    one_line_pem = clerk_signing_key.public_pem.replace("\n", "\\n")
    token = mint_token(clerk_signing_key, sub="user_2fromEnv")
    code = f"from accounts.clerk import verify_session_token as v; print(v('{token}')['sub'])"
    assert "\n" not in one_line_pem

    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
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
