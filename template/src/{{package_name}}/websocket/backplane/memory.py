"""The in-process backplane: one instance, so publishing is delivering.

There is nothing to subscribe to and nothing to lose: the order of `publish` calls is the
order every member sees, and a message is fanned out before `publish` returns. History and
presence are this process's own (`room_logs.py`, `presence.py`).
"""

import asyncio

from ..errors import BackplaneUnavailableError
from ..history import Position, Recent, Retention, position_of
from ..presence import LocalPresence, Member, Presence
from .base import BackplaneListener
from .room_logs import RoomLogs

DEFAULT_MAX_MESSAGES = 100_000


class MemoryBackplane:
    """Delivers each published message straight to this instance's listener."""

    def __init__(
        self,
        retention: Retention | None = None,
        *,
        max_messages: int = DEFAULT_MAX_MESSAGES,
    ) -> None:
        self.retention = retention or Retention()
        self._listener: BackplaneListener | None = None
        self._logs = RoomLogs(self.retention, max_messages)
        self._present = LocalPresence()

    @property
    def available(self) -> bool:
        return self._listener is not None

    async def start(self, listener: BackplaneListener) -> None:
        self._listener = listener
        listener.linked()  # nothing to connect to: the link is this process

    async def stop(self) -> None:
        self._listener = None

    async def subscribe(self, room: str) -> None:
        """Nothing to do: every room of this process is already here."""

    def unsubscribe(self, room: str) -> None:
        """Nothing to do: see `subscribe`."""

    def subscribed(self, room: str) -> bool:
        """Always: `publish` delivers here before it returns."""
        return True

    def publish(
        self, room: str, message: str, *, remember: bool
    ) -> asyncio.Future[Position | None]:
        if self._listener is None:
            raise BackplaneUnavailableError
        position = None
        if remember and self.retention.on:
            message = self._logs.append(room, message)
            position = position_of(message)
        self._listener.deliver(room, message)
        delivered = asyncio.get_running_loop().create_future()
        delivered.set_result(position)
        return delivered

    async def catch_up(self, room: str, since: Position | None) -> Recent:
        """Everything up to the position is delivered already: `publish` delivers at once."""
        return self._logs.read(room, since, 0)

    async def history(self, room: str, limit: int) -> Recent:
        return self._logs.read(room, None, limit)

    async def enter(self, room: str, member: Member) -> None:
        self._present.enter(room, member)

    def depart(self, room: str, connection_id: str) -> None:
        self._present.depart(room, connection_id)

    async def presence(self, room: str, limit: int) -> Presence:
        return self._present.presence(room, limit)
