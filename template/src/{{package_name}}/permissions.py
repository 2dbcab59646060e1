"""Who may join which room: the service's one authorization decision. Edit `may_join` to fit
your rules (a tenant claim, a lookup in your database); nothing else decides.

Joining is the only door: `chat`, `history` and `presence` need membership, so they follow
it. What the backend publishes (`publishing/`) is not limited: it speaks for the service.

The default policy:
- the service does not authenticate (no identity): every room is open;
- the credential grants rooms (a JWT's `rooms` claim, an `AUTH_TOKENS` entry's `rooms`): it
  may join the rooms its patterns match (`room_patterns.py`), and no other;
- the credential grants none: it may join nothing, unless `ROOMS_OPEN=true` opens every room
  to every authenticated client. Closed by default, because a service that authenticates
  usually does so to keep its tenants apart: a token for one customer must not read another
  customer's room because someone forgot to say which rooms it may read.
"""

from dataclasses import dataclass

from .identity import Identity


@dataclass(frozen=True, slots=True)
class RoomPermissions:
    """The room policy, configured from the settings."""

    rooms_open: bool = False
    """Whether a credential that grants no rooms may join every room (`ROOMS_OPEN`)."""

    async def may_join(self, identity: Identity | None, room: str) -> bool:
        """Whether the client proven to be `identity` (None: the service does not
        authenticate) may join `room`, a valid room name. Asynchronous so that a policy may
        ask a database or another service; the default needs neither."""
        if identity is None:
            return True
        if identity.rooms is None:
            return self.rooms_open
        return identity.rooms.allows(room)
