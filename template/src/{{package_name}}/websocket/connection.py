"""One accepted client: its rooms, its bounded send queue and the one task that writes to it.

Nothing outside this class writes to the socket. `send` only appends to the queue, so neither
a broadcast nor the receive loop ever waits on a client; the writer task drains the queue,
everything queued at once, and is the only coroutine that can be held up by a slow reader.
When the queue is full the connection is beyond saving: `abandon` throws the queue away and
closes it. A client that has stopped reading has a full TCP window and will never receive
that close frame, so every close also arms a timer that drops the TCP connection itself
(see `server.py`) once the close timeout has passed.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.websockets import WebSocketDisconnect

logger = logging.getLogger(__name__)

CLIENT_GONE = (OSError, RuntimeError, WebSocketDisconnect)
"""What a write to a client that has just gone raises (uvicorn's `ClientDisconnected` is an
`OSError`); its receive loop sees the disconnect and ends the connection."""

DropAfter = Callable[[float], None]
"""Asks the server to drop the TCP connection after a delay unless it has closed by then."""


class ClientSocket(Protocol):
    """What a connection needs of its socket; Starlette's `WebSocket` is one."""

    async def send_text(self, data: str) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


def never_drop(_delay: float) -> None:
    """The stand-in when the server cannot drop connections (an ASGI server other than ours)."""


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


class Connection:
    """A client's rooms, queue and writer task; the manager owns every instance."""

    __slots__ = (
        "_close_timeout",
        "_drop_after",
        "_queue",
        "_queue_size",
        "_socket",
        "_wakeup",
        "_writer",
        "closing",
        "id",
        "last_received",
        "rooms",
    )

    def __init__(
        self,
        connection_id: str,
        socket: ClientSocket,
        *,
        queue_size: int,
        close_timeout: float,
        drop_after: DropAfter = never_drop,
    ) -> None:
        self.id = connection_id
        self.rooms: set[str] = set()
        self.closing = False
        self.last_received = asyncio.get_running_loop().time()
        self._socket = socket
        self._queue: deque[str | _Close] = deque()
        self._queue_size = queue_size
        self._close_timeout = close_timeout
        self._drop_after = drop_after
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write(), name=f"writer {connection_id}")

    @property
    def queued(self) -> int:
        """How many messages wait to be written."""
        return len(self._queue)

    @property
    def writer_running(self) -> bool:
        return not self._writer.done()

    def send(self, text: str) -> bool:
        """Queue `text` for the client without waiting; False when the queue is full."""
        if self.closing:
            return True  # closing already: the message is moot, and nobody is to blame
        if len(self._queue) >= self._queue_size:
            return False
        self._queue.append(text)
        self._wakeup.set()
        return True

    def close(self, code: int, reason: str) -> None:
        """Close after writing everything already queued; the TCP connection is dropped if
        the close has not completed within the close timeout."""
        if self.closing:
            return
        self.closing = True
        self._drop_after(self._close_timeout)
        self._queue.append(_Close(code, reason))
        self._wakeup.set()

    def abandon(self, code: int, reason: str) -> None:
        """Close at once, discarding the queue: the client cannot keep up.

        The writer is most likely blocked on the full socket, so it is replaced by one that
        only sends the close frame.
        """
        if self.closing:
            return
        self.closing = True
        self._drop_after(self._close_timeout)
        self._queue.clear()
        self._writer.cancel()
        self._writer = asyncio.create_task(self._send_close(_Close(code, reason)))

    def drop(self) -> None:
        """Give up on the connection: discard the queue, stop the writer, reset the TCP link."""
        self.closing = True
        self._queue.clear()
        self._writer.cancel()
        self._drop_after(0)

    async def finish(self) -> None:
        """Release the writer once the receive loop has ended.

        A closing connection's writer is left to complete its close, which the drop timer
        bounds; otherwise the client is gone and whatever is still queued is discarded.
        """
        if not self.closing:
            self._queue.clear()
            self._writer.cancel()
        try:
            await asyncio.wait((self._writer,), timeout=self._close_timeout)
        finally:
            self._writer.cancel()  # a no-op unless the wait timed out or was cancelled

    async def _write(self) -> None:
        queue = self._queue
        wakeup = self._wakeup
        send_text = self._socket.send_text
        try:
            while True:
                while queue:
                    item = queue.popleft()
                    if isinstance(item, _Close):
                        await self._send_close(item)
                        return
                    await send_text(item)
                wakeup.clear()
                await wakeup.wait()
        except CLIENT_GONE:
            logger.debug("write to closing connection %s failed", self.id)

    async def _send_close(self, close: _Close) -> None:
        try:
            await self._socket.close(close.code, close.reason)
        except CLIENT_GONE:
            logger.debug("close of connection %s that was already gone", self.id)
