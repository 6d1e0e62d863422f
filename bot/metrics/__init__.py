"""De-identified metrics of the Rasa server at ``GET /metrics`` (docs/metrics.md).

``MetricsBroker`` (endpoints.yml ``event_broker``) counts tracker events and conversation ends;
``MetricsInput`` (credentials.yml) serves them, with the action server's EHR metrics appended.
"""

from bot.metrics.broker import MetricsBroker
from bot.metrics.channel import MetricsInput

__all__ = ["MetricsBroker", "MetricsInput"]
