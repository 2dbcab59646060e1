"""Limits that keep one client from taking more than its share of the service.

`Limits` holds the connection and room caps the manager enforces; `TokenBucket` paces the
frames of one connection in its receive loop. Every default is in `config.py`, with why.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """A connection's share of the caps, taken at the handshake and held until it goes."""

    client: str
    """The client's address."""
    identity: str | None = None
    """The authenticated subject, when the service authenticates."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_connections: int = 10_000
    max_connections_per_client: int = 100
    max_rooms_per_connection: int = 100
    max_connections_per_identity: int = 20


class TokenBucket:
    """Allows `rate` frames per second on average and bursts of up to `burst` frames.

    The bucket refills continuously; each frame takes a token. Time is passed in, so that one
    clock read serves the whole receive loop and tests need no sleeping.
    """

    __slots__ = ("_burst", "_rate", "_tokens", "_updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> bool:
        """Take a token if there is one; False means the frame is over the rate."""
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
