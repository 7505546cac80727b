import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from core.observability.logs import RequestContextFilter, json_formatter


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict]]]:
    """What the console handler would write in production (the request-context filter and the
    JSON formatter), at DEBUG on the root logger; the fixture gives the lines parsed."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def access_log(settings) -> None:
    settings.DJANGO_ACCESS_LOG = True


@pytest.fixture
def metrics_on(settings) -> str:
    settings.METRICS_TOKEN = "metrics-test-token"
    return settings.METRICS_TOKEN
