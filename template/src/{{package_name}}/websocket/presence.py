"""Who is in a room: the members a backplane reports, and this instance's share of them.

Presence is kept by the backplane, so that `presence` answers for every instance: in memory
it is this process's members; with Redis each room has one set of members, written by every
instance, and entries of an instance that stopped refreshing them are dropped by whoever
reads next (see `backplane/redis_scripts.py`).
"""

import itertools
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Member:
    """One connection in a room."""

    connection_id: str
    identity: str | None = None
    """The connection's authenticated subject, when the service authenticates."""


@dataclass(frozen=True, slots=True)
class Presence:
    """A room's members on every instance: the exact count, and some of them."""

    count: int
    members: tuple[Member, ...]


class LocalPresence:
    """This instance's members of each room, in the order they joined."""

    __slots__ = ("_rooms",)

    def __init__(self) -> None:
        self._rooms: dict[str, dict[str, Member]] = {}

    def enter(self, room: str, member: Member) -> None:
        self._rooms.setdefault(room, {})[member.connection_id] = member

    def depart(self, room: str, connection_id: str) -> bool:
        """Forget a member; False if it was not there."""
        members = self._rooms.get(room)
        if members is None or members.pop(connection_id, None) is None:
            return False
        if not members:
            del self._rooms[room]
        return True

    def of(self, room: str) -> tuple[Member, ...]:
        return tuple(self._rooms.get(room, {}).values())

    def presence(self, room: str, limit: int) -> Presence:
        members = self._rooms.get(room, {})
        return Presence(len(members), tuple(itertools.islice(members.values(), limit)))

    @property
    def rooms(self) -> tuple[str, ...]:
        return tuple(self._rooms)
