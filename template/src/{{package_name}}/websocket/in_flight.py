"""Room messages this instance has published that have not come back from the backplane yet.

The backplane delivers every published message back to every instance with members in the
room, this one included. Until a message has come back, its sender has no outcome, so the
manager keeps it here, and that makes four promises possible:

- A sender that left the room meanwhile still gets its echo, which the membership filter
  alone would have skipped: every chat gets exactly one outcome, its echo or an error with
  its `ref`.
- A room stays subscribed while its messages are on their way, even once its last local
  member has left, or they would never come back.
- A drain waits until nothing is in flight before it closes connections.
- What waits is bounded (`PUBLISH_BACKLOG`): past it, a publish is refused at once rather
  than queued behind a slow backplane.

A backplane hands one room's messages back in the order they were published, so each room's
messages wait in a queue, and a delivered message is this instance's own when it equals the
head. Another instance may publish the very same text (one identity chatting the same words
from two places); whichever copy arrives first then counts as this one's, and the sender
gets one identical echo all the same.
"""

import asyncio
from collections import deque
from dataclasses import dataclass


@dataclass(eq=False, slots=True)
class Published:
    """One room message on its way, and whom to tell how it went."""

    room: str
    text: str
    sender: str | None
    """The connection that sent it, if a client did."""
    ref: str | None
    """The `id` of the frame it answers, for the sender's error if it is lost."""


class InFlight:
    """Published messages in publish order per room, with a bound on how many wait."""

    __slots__ = ("_count", "_none_left", "_rooms", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._rooms: dict[str, deque[Published]] = {}
        self._count = 0
        self._none_left = asyncio.Event()
        self._none_left.set()

    def __len__(self) -> int:
        return self._count

    @property
    def full(self) -> bool:
        return self._count >= self.limit

    def add(self, room: str, text: str, sender: str | None, ref: str | None) -> Published:
        published = Published(room, text, sender, ref)
        self._rooms.setdefault(room, deque()).append(published)
        self._count += 1
        self._none_left.clear()
        return published

    def returned(self, room: str, text: str) -> Published | None:
        """The message of this instance's that `text`, just delivered to `room`, is; or None
        when it came from elsewhere."""
        waiting = self._rooms.get(room)
        if not waiting or waiting[0].text != text:
            return None
        published = waiting.popleft()
        self._forget(room, waiting)
        return published

    def discard(self, published: Published) -> bool:
        """Stop waiting for a message known to be lost; False if it was no longer waited for."""
        waiting = self._rooms.get(published.room)
        if waiting is None or published not in waiting:
            return False
        waiting.remove(published)
        self._forget(published.room, waiting)
        return True

    def take_all(self) -> list[Published]:
        """Everything still waited for, which will not come back (the backplane lost its link)."""
        taken = [published for waiting in self._rooms.values() for published in waiting]
        self._rooms.clear()
        self._count = 0
        self._none_left.set()
        return taken

    def waiting_in(self, room: str) -> bool:
        return room in self._rooms

    async def none_left(self) -> None:
        """Return once nothing is in flight."""
        await self._none_left.wait()

    def _forget(self, room: str, waiting: deque[Published]) -> None:
        self._count -= 1
        if not waiting:
            del self._rooms[room]
        if not self._count:
            self._none_left.set()
