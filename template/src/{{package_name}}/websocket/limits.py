"""Limits that keep one client from taking more than its share of the service.

`Limits` holds the connection and room caps the manager enforces; `RateLimit` paces the
frames of one connection in its receive loop. Every default is in `config.py`, with why.
"""

import math
from dataclasses import dataclass
from enum import Enum

FORGIVEN_AFTER = 1.0
"""Seconds without a refusal after which a connection's earlier refusals stop counting."""


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
    publish_backlog: int = 10_000
    presence_max_members: int = 100
    send_queue_bytes: int = 4 * 2**20


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


class Pace(Enum):
    """What `RateLimit.check` says of one frame."""

    ALLOWED = "allowed"
    REFUSED = "refused"
    """Over the rate: the frame is dropped and answered `rate_limited`."""
    EXCEEDED = "exceeded"
    """Over the rate, and the client ignored too many refusals: it is closed with 1008."""


class RateLimit:
    """A connection's token bucket, and the refusals that tell a client slowing down from one
    that ignores them.

    A client is closed after `burst` refusals with no quiet second among them. Counting the
    refusals in a row instead lets a flood go on for ever whenever a token refills every few
    frames, which is what happens to every flood once the server takes longer than `1/rate`
    seconds to get through `burst` frames: a busy server would never close its worst client.
    """

    __slots__ = ("_bucket", "_last_refusal", "_refusals", "_tolerated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._bucket = TokenBucket(rate, burst, now)
        self._tolerated = burst
        self._refusals = 0
        self._last_refusal = -math.inf

    def check(self, now: float) -> Pace:
        """Take a token for a frame received at `now`, or count a refusal."""
        if self._bucket.take(now):
            return Pace.ALLOWED
        if now - self._last_refusal >= FORGIVEN_AFTER:
            self._refusals = 0
        self._last_refusal = now
        self._refusals += 1
        return Pace.EXCEEDED if self._refusals >= self._tolerated else Pace.REFUSED
