"""Room histories kept in this process's memory, for the in-process backplane.

Each room has a bounded buffer of its latest stamped messages, its offset and its epoch.
Rooms are kept in the order of their last message, so that both bounds cost nothing per
message: a room whose last message is older than the TTL is dropped from the front, and
when more than `max_messages` messages are kept in all, the rooms quietest for longest are
dropped first, as Redis evicts keys under its `maxmemory` policy. A dropped room starts a
new epoch with its next message, and a client holding an old position is told it was not
recovered. A room joined and never spoken in has a log too (its epoch must not change under
a client that holds it), and it counts as one message, so that joins alone cannot grow the
logs past the bound either.
"""

import itertools
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from ..history import Position, Recent, Retention, stamp


def new_epoch() -> str:
    """A name no earlier generation of any room had."""
    return secrets.token_urlsafe(8)


class RoomLog:
    """One room's latest messages and position."""

    __slots__ = ("epoch", "last_message", "messages", "offset")

    def __init__(self, size: int, now: float) -> None:
        self.epoch = new_epoch()
        self.offset = 0
        self.messages: deque[str] = deque(maxlen=size)
        self.last_message = now

    @property
    def position(self) -> Position:
        return Position(self.offset, self.epoch)


class RoomLogs:
    """Every room's `RoomLog`, bounded by age and by the number of messages kept in all."""

    def __init__(
        self,
        retention: Retention,
        max_messages: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._retention = retention
        self._max_messages = max_messages
        self._clock = clock
        self._logs: OrderedDict[str, RoomLog] = OrderedDict()
        self._kept = 0

    def __len__(self) -> int:
        """Rooms with a history."""
        return len(self._logs)

    @property
    def kept(self) -> int:
        """Messages kept in all rooms, a room without any counting as one."""
        return self._kept

    def append(self, room: str, text: str) -> str:
        """Give `text` the room's next offset, keep it, and return it stamped."""
        now = self._clock()
        log = self._log(room, now)
        log.offset += 1
        stamped = stamp(text, log.offset, log.epoch)
        if 0 < len(log.messages) < self._retention.size:  # an empty log counts as one already
            self._kept += 1
        log.messages.append(stamped)
        log.last_message = now
        self._logs.move_to_end(room)
        self._bound()
        return stamped

    def read(self, room: str, after: Position | None, limit: int) -> Recent:
        """The room's position; with `after`, the messages after it (if all are kept),
        otherwise the latest `limit` messages."""
        log = self._log(room, self._clock())
        if after is None:
            return Recent(log.position, _latest(log.messages, limit))
        missed = log.offset - after.offset
        if after.epoch != log.epoch or missed < 0 or missed > len(log.messages):
            return Recent(log.position, complete=False)
        return Recent(log.position, _latest(log.messages, missed))

    def _log(self, room: str, now: float) -> RoomLog:
        self._expire(now)
        log = self._logs.get(room)
        if log is None:
            log = self._logs[room] = RoomLog(self._retention.size, now)
            self._kept += 1
            self._bound()
        return log

    def _bound(self) -> None:
        """Drop the quietest rooms while more than `max_messages` are kept (never the last
        one: the room just written to or read)."""
        while self._kept > self._max_messages and len(self._logs) > 1:
            self._drop(next(iter(self._logs)))

    def _expire(self, now: float) -> None:
        """Drop the rooms whose last message is older than the TTL (oldest first)."""
        oldest = now - self._retention.ttl
        while self._logs:
            room, log = next(iter(self._logs.items()))
            if log.last_message >= oldest:
                return
            self._drop(room)

    def _drop(self, room: str) -> None:
        self._kept -= max(len(self._logs.pop(room).messages), 1)


def _latest(messages: deque[str], count: int) -> tuple[str, ...]:
    return tuple(itertools.islice(messages, max(len(messages) - count, 0), None))
