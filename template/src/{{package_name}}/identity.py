"""Who is at the other end of a connection, as the handshake's credentials proved it.

Handlers receive the `Identity` of the connection whose frame they handle, or None when the
service runs without authentication (the template's `auth=none`).
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from .room_patterns import RoomPatterns


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str
    """The client's stable name: its name in AUTH_TOKENS, or its JWT's `sub` claim. Chat
    messages carry it as `sender`, and connections are capped per subject."""

    expires_at: float | None = None
    """When the credentials stop being honoured (Unix time, leeway included): the connection
    is then closed with 4401. None for credentials that do not expire."""

    claims: Mapping[str, object] = field(default_factory=dict)
    """Every claim of the client's JWT, for handlers that decide by role or tenant; empty
    for static tokens."""

    rooms: RoomPatterns | None = None
    """The rooms the credential grants (a JWT's `rooms` claim, an `AUTH_TOKENS` entry's
    `rooms`); None when it names none, and `permissions.py` decides what that means."""

    def seconds_left(self) -> float | None:
        """Seconds until `expires_at` (never fewer than 0), None for credentials that do not
        expire. Clients schedule renewals by it: it does not depend on their clock."""
        if self.expires_at is None:
            return None
        return max(self.expires_at - time.time(), 0.0)
