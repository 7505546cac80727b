"""Reading this process's Prometheus metrics."""

from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    """A sample of this process's metrics, 0 when it has not been recorded yet."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
