"""The in-process backplane: one instance, so publishing is delivering.

There is nothing to subscribe to and nothing to lose: the order of `publish` calls is the
order every member sees, and a message is fanned out before `publish` returns.
"""

import asyncio

from ..errors import BackplaneUnavailableError
from .base import BackplaneListener


class MemoryBackplane:
    """Delivers each published message straight to this instance's listener."""

    def __init__(self) -> None:
        self._listener: BackplaneListener | None = None

    @property
    def available(self) -> bool:
        return self._listener is not None

    async def start(self, listener: BackplaneListener) -> None:
        self._listener = listener

    async def stop(self) -> None:
        self._listener = None

    async def subscribe(self, room: str) -> None:
        """Nothing to do: every room of this process is already here."""

    def unsubscribe(self, room: str) -> None:
        """Nothing to do: see `subscribe`."""

    def subscribed(self, room: str) -> bool:
        """Always: `publish` delivers here before it returns."""
        return True

    def publish(self, room: str, message: str) -> asyncio.Future[None]:
        if self._listener is None:
            raise BackplaneUnavailableError
        self._listener.deliver(room, message)
        delivered = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered
