"""What the service counts, and `GET /metrics`, where Prometheus reads it.

`counters.py` holds the one seam, `Metrics`: the service reports events to it (a handshake
answered, a frame received, a fan-out done, a connection closed...) and never touches a
Prometheus object itself. `route.py` serves the counts in Prometheus' text format, behind
an optional bearer token.
"""

from .counters import NO_METRICS, Metrics, PrometheusMetrics

__all__ = ["NO_METRICS", "Metrics", "PrometheusMetrics"]
