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

A message to a room this instance is not subscribed to (no local member, nothing else in
flight there) never comes back: it waits only until the backplane has taken it, so that the
bound and the drain cover it too.

A backplane hands one room's messages back in the order they were published, so each room's
messages wait in a queue, and a delivered message is this instance's own when it is the
head, as published or as the backplane stamped it (`history.is_published_as`). Another
instance may publish the very same text (one identity chatting the same words from two
places); whichever copy arrives first then counts as this one's, and the sender gets one
identical echo all the same. Should one of this instance's messages never come back
while the link holds (a bug), the next one that does comes back from behind it: it is
matched within the first `MATCH_WINDOW` of the queue, and those it overtook are given up, so
a lost message cannot hold up its room for good.
"""

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass

from .history import is_published_as

MATCH_WINDOW = 8
"""How deep into a room's queue a delivered message is looked for."""


@dataclass(eq=False, slots=True)
class Published:
    """One room message on its way, and whom to tell how it went."""

    room: str
    text: str
    sender: str | None
    """The connection that sent it, if a client did."""
    ref: str | None
    """The `id` of the frame it answers, for the sender's error if it is lost."""
    comes_back: bool
    """Whether the backplane will deliver it back here (this instance is subscribed)."""
    at: float
    """When it was published (`time.monotonic()`): its delivery time is measured from here."""


class InFlight:
    """Published messages in publish order per room, with a bound on how many wait."""

    __slots__ = ("_count", "_none_left", "_not_coming_back", "_rooms", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._rooms: dict[str, deque[Published]] = {}
        self._not_coming_back: set[Published] = set()
        self._count = 0
        self._none_left = asyncio.Event()
        self._none_left.set()

    def __len__(self) -> int:
        return self._count

    @property
    def full(self) -> bool:
        return self._count >= self.limit

    def add(
        self, room: str, text: str, sender: str | None, ref: str | None, *, comes_back: bool
    ) -> Published:
        published = Published(room, text, sender, ref, comes_back, time.monotonic())
        if comes_back:
            self._rooms.setdefault(room, deque()).append(published)
        else:
            self._not_coming_back.add(published)
        self._count += 1
        self._none_left.clear()
        return published

    def returned(self, room: str, text: str) -> tuple[Published | None, list[Published]]:
        """The message of this instance's that `text`, just delivered to `room`, is (or None
        when it came from elsewhere), and the messages of this instance's it overtook, which
        can no longer come back."""
        waiting = self._rooms.get(room)
        if not waiting:
            return None, []
        for depth, published in enumerate(itertools.islice(waiting, MATCH_WINDOW)):
            if is_published_as(published.text, text):
                overtaken = [waiting.popleft() for _ in range(depth)]
                waiting.popleft()
                self._forget(room, waiting, depth + 1)
                return published, overtaken
        return None, []

    def discard(self, published: Published) -> bool:
        """Stop waiting for a message that is lost, or that was not to come back and has been
        taken by the backplane; False if it was no longer waited for."""
        if published in self._not_coming_back:
            self._not_coming_back.remove(published)
            self._count_down()
            return True
        waiting = self._rooms.get(published.room)
        if waiting is None or published not in waiting:
            return False
        waiting.remove(published)
        self._forget(published.room, waiting)
        return True

    def take_all(self) -> list[Published]:
        """Everything still waited for, which will not come back (the backplane lost its link)."""
        taken = [published for waiting in self._rooms.values() for published in waiting]
        taken += self._not_coming_back
        self._rooms.clear()
        self._not_coming_back.clear()
        self._count = 0
        self._none_left.set()
        return taken

    def waiting_in(self, room: str) -> bool:
        return room in self._rooms

    async def none_left(self) -> None:
        """Return once nothing is in flight."""
        await self._none_left.wait()

    def _forget(self, room: str, waiting: deque[Published], count: int = 1) -> None:
        if not waiting:
            del self._rooms[room]
        self._count_down(count)

    def _count_down(self, count: int = 1) -> None:
        self._count -= count
        if not self._count:
            self._none_left.set()
