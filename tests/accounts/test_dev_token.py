"""`manage.py dev_token`: a session token for trying the API locally, which production refuses."""

import subprocess
import sys
from io import StringIO

import jwt
import pytest
from django.core.management import CommandError, call_command

from accounts.devkeys import dev_key_public_pem
from tests.support.deploy import PRODUCTION_ENV, manage
from tests.support.processes import BASE_DIR, subprocess_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_key(settings, tmp_path):
    """What local settings do when no Clerk key source is set."""
    settings.CLERK_DEV_KEY_FILE = tmp_path / "dev-clerk-key.pem"
    settings.CLERK_JWT_KEY = dev_key_public_pem(path=settings.CLERK_DEV_KEY_FILE)
    settings.CLERK_JWKS_URL = settings.CLERK_ISSUER = ""
    settings.CLERK_AUTHORIZED_PARTIES = []
    return settings.CLERK_DEV_KEY_FILE


def _dev_token(*args):
    out = StringIO()
    call_command("dev_token", *args, stdout=out)
    return out.getvalue().strip()


def test_a_dev_token_signs_in_locally_and_creates_the_user(api_client, dev_key):
    token = _dev_token("user_demo")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get("/api/v1/users/me")
    assert response.status_code == 200
    assert response.json()["clerk_user_id"] == "user_demo"


def test_minutes_set_the_lifetime(dev_key):
    claims = jwt.decode(
        _dev_token("user_demo", "--minutes", "5"), options={"verify_signature": False}
    )
    assert claims["exp"] - claims["iat"] == 300


def test_the_key_pair_is_made_once_and_readable_by_its_owner_only(dev_key):
    assert dev_key.stat().st_mode & 0o777 == 0o600
    assert dev_key_public_pem(path=dev_key) == dev_key_public_pem(path=dev_key)


@pytest.mark.parametrize("args", [("alice",), ("user_demo", "--minutes", "0")])
def test_bad_arguments_are_refused(dev_key, args):
    with pytest.raises(CommandError):
        _dev_token(*args)


def test_without_a_dev_key_there_is_no_dev_token(settings):
    settings.CLERK_DEV_KEY_FILE = None
    with pytest.raises(CommandError, match="No development key"):
        _dev_token("user_demo")


@pytest.mark.slow
def test_local_settings_make_the_key_pair_when_no_clerk_key_is_set(tmp_path):
    key_file = tmp_path / "dev.pem"
    env = {k: v for k, v in subprocess_env().items() if not k.startswith("CLERK_")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "CLERK_DEV_KEY_FILE": str(key_file)}
    result = subprocess.run([sys.executable, "manage.py", "dev_token", "user_demo"], cwd=BASE_DIR,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    public = dev_key_public_pem(path=key_file)
    assert jwt.decode(result.stdout.strip(), public, algorithms=["RS256"])["sub"] == "user_demo"


@pytest.mark.slow
def test_production_settings_refuse_a_dev_token_even_with_the_dev_key_configured(dev_key):
    token = _dev_token("user_demo")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CLERK_JWKS_URL"}
    env["CLERK_JWT_KEY"] = dev_key_public_pem(path=dev_key)
    env["CLERK_DEV_KEY_FILE"] = str(dev_key)  # production settings never read it
    check = "from accounts.clerk import verify_session_token as v; v(os.environ['TOKEN'])"
    result = manage("shell", "-c", f"import os; {check}", TOKEN=token, **env)
    assert result.returncode != 0
    assert "Development tokens are not accepted here." in result.stderr
    refused = manage("dev_token", "user_demo", **env)
    assert refused.returncode != 0
    assert "No development key" in refused.stderr
