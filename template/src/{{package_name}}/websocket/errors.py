"""Error codes sent in `error` messages, and the close codes the service uses.

An error message answers one bad frame and the connection lives on; a close code ends the
connection. Every code here is documented in docs/protocol.md.
"""

from enum import Enum, IntEnum, StrEnum


class ErrorCode(StrEnum):
    """The `payload.code` of an `error` message."""

    INVALID_JSON = "invalid_json"
    """The text frame is not valid JSON (including JSON nested too deeply or numbers too large)."""
    INVALID_MESSAGE = "invalid_message"
    """Valid JSON that breaks the message contract; the message names the failing field."""
    UNKNOWN_TYPE = "unknown_type"
    """`type` names no message the service knows."""
    NOT_IN_ROOM = "not_in_room"
    """A `chat` to a room the connection has not joined."""
    UNSUPPORTED_FRAME = "unsupported_frame"
    """A binary frame: the protocol is JSON in text frames only."""
    INTERNAL_ERROR = "internal_error"
    """A handler failed unexpectedly (a bug); the server logged it, the connection goes on."""
    RATE_LIMITED = "rate_limited"
    """The connection sent frames faster than `RATE_LIMIT` per second (beyond a burst of
    `RATE_BURST`); the frame was dropped unread. A client that keeps going is closed with 1008."""
    TOO_MANY_ROOMS = "too_many_rooms"
    """A `join` beyond `MAX_ROOMS_PER_CONNECTION` rooms; leave one first."""
    BACKPLANE_UNAVAILABLE = "backplane_unavailable"
    """A `chat` could not be passed to the other instances (Redis is unreachable); it was not
    delivered to anyone, and may be sent again once the service is ready."""


class NoticeCode(StrEnum):
    """The `payload.code` of a `notice`: news from the server, not an answer to a frame."""

    BACKPLANE_GAP = "backplane_gap"
    """The service lost its connection to the backplane and got it back: messages sent to the
    room in between may have been missed (delivery is at-most-once across an outage)."""


class CloseCode(IntEnum):
    """RFC 6455 close codes, each used for one reason only."""

    NORMAL = 1000
    """The conversation is over (a client asked to close)."""
    GOING_AWAY = 1001
    """The server is shutting down (reason `SHUTTING_DOWN`), or the connection sent nothing
    for `IDLE_TIMEOUT` seconds (reason `IDLE`)."""
    POLICY_VIOLATION = 1008
    """The client kept sending over its rate after `RATE_BURST` refusals in a row (reason
    `RATE_LIMIT_EXCEEDED`): it ignores `rate_limited` errors, so the connection ends."""
    MESSAGE_TOO_BIG = 1009
    """A message exceeded `MAX_MESSAGE_BYTES`. Answering with an error instead would mean
    reading and buffering the whole oversized message, which is the cost the limit exists to
    refuse, so the connection ends."""
    SERVICE_RESTART = 1012
    """Sent by uvicorn itself, only to a connection still open when the graceful shutdown's
    time is up; the service's own shutdown closes with 1001 first."""
    TRY_AGAIN_LATER = 1013
    """The client read too slowly: its send queue filled up (reason `SLOW_CONSUMER`)."""


SHUTTING_DOWN = "server shutting down"
"""Close reason with 1001 when the service stops."""
IDLE = "idle timeout"
"""Close reason with 1001 when a connection stayed silent for `IDLE_TIMEOUT` seconds."""
SLOW_CONSUMER = "slow consumer"
"""Close reason with 1013 when a connection's send queue is full."""
RATE_LIMIT_EXCEEDED = "rate limit exceeded"
"""Close reason with 1008 for a client that keeps sending over its rate."""


class Refusal(Enum):
    """Why a WebSocket handshake is answered with an HTTP status instead of a connection."""

    SHUTTING_DOWN = (503, SHUTTING_DOWN)
    """The service is draining (SIGTERM)."""
    ORIGIN_NOT_ALLOWED = (403, "origin not allowed")
    """A browser page from an origin that `ALLOWED_ORIGINS` does not allow."""
    SERVER_FULL = (503, "server full")
    """This instance already holds `MAX_CONNECTIONS` connections."""
    TOO_MANY_CONNECTIONS = (429, "too many connections from this client")
    """The client's address already holds `MAX_CONNECTIONS_PER_CLIENT` connections."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


class ProtocolError(Exception):
    """A frame the service refuses; the receive loop turns it into an `error` message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BackplaneUnavailableError(ProtocolError):
    """A room message could not be published; the sender gets `backplane_unavailable`."""

    def __init__(self) -> None:
        super().__init__(
            ErrorCode.BACKPLANE_UNAVAILABLE,
            "the message could not be sent to the room: try again once the service is ready",
        )
