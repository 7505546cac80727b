"""Every webhook test delivers to an endpoint configured with the test secret."""

from typing import Any

import pytest

from tests.support.webhooks import WEBHOOK_SECRET


@pytest.fixture(autouse=True)
def webhook_secret(settings: Any) -> str:
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET
