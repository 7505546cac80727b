from collections.abc import Iterator

import pytest

from tests.support.clerk import JwksServer, SigningKey


@pytest.fixture
def jwks(settings, clerk_signing_key: SigningKey) -> Iterator[JwksServer]:
    """JWKS mode: the verifier fetches the test key from a local server, with a secret key."""
    server = JwksServer()
    server.publish(clerk_signing_key)
    settings.CLERK_JWT_KEY = ""
    settings.CLERK_JWKS_URL = server.url
    settings.CLERK_SECRET_KEY = "sk_test_companion"
    settings.CLERK_ISSUER = ""
    settings.CLERK_AUTHORIZED_PARTIES = []
    yield server
    server.stop()
