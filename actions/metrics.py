"""The action server's metrics: the EHR requests it made, by operation and outcome, with latency.

The gateway (``actions/ehr/observe.py``) tells ``EHRMetrics.observe`` of every request; the
action server serves ``render()`` at ``GET /internal/metrics`` (``actions/server.py``), and the
Rasa server's ``GET /metrics`` includes it (``bot/metrics/``, docs/metrics.md). The registry is
this module's own: no process or garbage-collector series, so that the two servers' texts can
be joined without a name twice.

Label values come only from fixed sets: ``observe.operation_of`` bounds the operation, and an
outcome that is not a known error class's name is counted as "other".
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest

from actions.ehr import errors
from actions.ehr.observe import OTHER, SUCCESS, add_request_observer

# Latency buckets (seconds) for one EHR request, retries included.
EHR_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = frozenset(
    {SUCCESS, OTHER}
    | {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.EHRError)
    }
)


class EHRMetrics:
    """Counters of EHR requests in a registry of their own."""

    def __init__(self) -> None:
        disable_created_metrics()  # no "_created" series: they double the text for nothing here
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "frontdesk_ehr_requests",
            "EHR requests by operation (resource type and interaction) and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "frontdesk_ehr_request_seconds",
            "Time an EHR request took, retries included, by operation.",
            ["operation"],
            buckets=EHR_BUCKETS,
            registry=self.registry,
        )

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        """Count one request (the gateway's observer signature)."""
        self.requests.labels(operation=operation, outcome=outcome if outcome in OUTCOMES else OTHER).inc()
        self.seconds.labels(operation=operation).observe(max(seconds, 0.0))

    def render(self) -> bytes:
        """The Prometheus text exposition of this registry."""
        return generate_latest(self.registry)


_metrics: EHRMetrics | None = None


def ehr_metrics() -> EHRMetrics:
    """The process's one ``EHRMetrics``, observing the gateway from its first use."""
    global _metrics
    if _metrics is None:
        _metrics = EHRMetrics()
        add_request_observer(_metrics.observe)
    return _metrics
