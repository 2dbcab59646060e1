"""One accepted client: its rooms, its bounded send queue and the task that drains it.

Nothing outside this class writes to the client. `send` never waits: the message is written
when the wire can take it without waiting (see `wire.py`), and otherwise appended to the
queue. A writer task exists only while the queue does not drain: it waits until the client
makes room, writes everything queued in one write, and ends when the queue is empty, so an
idle or keeping-up connection costs no task. The writer is the only coroutine a slow reader
can hold up.

A connection ends in one of three ways, each named for what it does:

- `close`: write what is queued, then the close frame (shutdown, idle, rate limit, expiry);
- `evict`: throw the queue away and write the close frame (a slow consumer, whose full queue
  shows it is beyond saving);
- `reset`: throw the queue away and reset the TCP connection now (a drain's last resort).

A client that has stopped reading has a full TCP window and will never receive a close
frame, so `close` and `evict` also arm a timer that resets the TCP connection (see
`server.py`) once the close timeout has passed. Once the receive loop has ended, the manager
calls `release`, which lets a closing writer finish and stops any other.
"""

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

from starlette.websockets import WebSocketDisconnect

from ..tasks import start_background
from .limits import Place
from .wire import Outgoing, Wire

logger = logging.getLogger(__name__)

CLIENT_GONE = (OSError, WebSocketDisconnect)
"""What a write to a client that has just gone raises (uvicorn's `ClientDisconnected` is an
`OSError`); its receive loop sees the disconnect and ends the connection. Anything else a
write raises is a client gone only if the wire says the connection is no longer open (uvicorn
refuses sends after it closed a connection itself, with a `RuntimeError`); otherwise it is a
bug, logged at ERROR."""


@dataclass(frozen=True, slots=True)
class QueueBound:
    """How much may wait for one client: `messages` of them, and `size` bytes in all."""

    messages: int
    size: int


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


class Connection:
    """A client's rooms, queue and writer task; the manager owns every instance."""

    __slots__ = (
        "_bound",
        "_close_timeout",
        "_queue",
        "_queued_bytes",
        "_wire",
        "_writer",
        "_writers_started",
        "close_code",
        "closing",
        "id",
        "last_received",
        "place",
        "rooms",
    )

    def __init__(
        self,
        connection_id: str,
        wire: Wire,
        *,
        bound: QueueBound,
        close_timeout: float,
        place: Place | None = None,
    ) -> None:
        self.id = connection_id
        self.place = place
        """Its share of the connection caps, if it took one (see `ConnectionManager.admit`)."""
        self.rooms: set[str] = set()
        self.closing = False
        self.close_code: int | None = None
        """How the connection ended: the code the server closed it with, or else the client's."""
        self.last_received = asyncio.get_running_loop().time()
        self._wire = wire
        self._queue: deque[Outgoing | _Close] = deque()
        self._bound = bound
        self._queued_bytes = 0
        self._close_timeout = close_timeout
        self._writer: asyncio.Task[None] | None = None
        self._writers_started = 0
        """Numbers each writer, so that one replaced by `evict` knows it is no longer current
        (without asking the event loop, which may already be closed when it ends)."""
        """Runs only while something is queued: an idle or fast connection has no task."""

    @property
    def identity(self) -> str | None:
        """Who the client is, when the service authenticates: its place's identity."""
        return self.place.identity if self.place is not None else None

    @property
    def queued(self) -> int:
        """How many messages wait to be written."""
        return len(self._queue)

    def can_take(self, count: int, size: int) -> bool:
        """Whether `count` more messages, of `size` bytes in all, fit in the queue now (as if
        none of them could be written at once)."""
        bound = self._bound
        fits = len(self._queue) + count <= bound.messages
        return fits and self._queued_bytes + size <= bound.size

    @property
    def writer_running(self) -> bool:
        return self._writer is not None and not self._writer.done()

    def send(self, message: Outgoing) -> bool:
        """Write or queue `message` without waiting; False when the queue is full: it holds
        its bound's messages, or would hold more than its bound's bytes with this one."""
        if self.closing:
            return True  # closing already: the message is moot, and nobody is to blame
        if not self._queue and self._wire.write_now(message):
            return True
        size = message.size
        bound = self._bound
        if len(self._queue) >= bound.messages or self._queued_bytes + size > bound.size:
            return False
        self._queued_bytes += size
        self._enqueue(message)
        return True

    def close(self, code: int, reason: str) -> None:
        """Close after writing everything already queued; the TCP connection is reset if
        the close has not completed within the close timeout."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        self._wire.reset_after(self._close_timeout)
        self._enqueue(_Close(code, reason))

    def evict(self, code: int, reason: str) -> None:
        """Close at once, discarding the queue: the client cannot keep up.

        The writer is most likely blocked on the full socket, so it is replaced by one that
        only sends the close frame; the reset timer ends it if the client never takes it.
        """
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        self._wire.reset_after(self._close_timeout)
        self._stop_writer()
        self._enqueue(_Close(code, reason))

    def reset(self) -> None:
        """Give up on the connection: discard the queue, stop the writer, reset the TCP link."""
        self.closing = True
        self._stop_writer()
        self._wire.reset_after(0)

    async def release(self) -> None:
        """Release the writer once the receive loop has ended.

        A closing connection's writer is left to complete its close, which the reset timer
        bounds; otherwise the client is gone and whatever is still queued is discarded.
        """
        if not self.closing:
            self._stop_writer()
        writer = self._writer
        if writer is None:
            return
        try:
            await asyncio.wait((writer,), timeout=self._close_timeout)
        finally:
            writer.cancel()  # a no-op unless the wait timed out or was cancelled

    def _enqueue(self, item: "Outgoing | _Close") -> None:
        self._queue.append(item)
        if self._writer is None:
            self._writers_started += 1
            writing = self._write(self._writers_started)
            self._writer = start_background(writing, f"writer {self.id}")

    def _stop_writer(self) -> None:
        self._queue.clear()
        self._queued_bytes = 0
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    async def _write(self, number: int) -> None:
        queue = self._queue
        try:
            while queue:
                # Wait before taking the batch: while messages are queued, `send` queues behind
                # them instead of writing, so nothing overtakes them. A close waits in its own
                # send, which the reset timer ends if the client never makes room for it.
                if not isinstance(queue[0], _Close):
                    await self._wire.wait_ready()
                batch: list[Outgoing] = []
                close: _Close | None = None
                while queue and close is None:
                    item = queue.popleft()
                    if isinstance(item, _Close):
                        close = item
                    else:
                        self._queued_bytes -= item.size
                        batch.append(item)
                if batch:
                    await self._wire.write(batch)
                if close is not None:  # the last thing ever queued
                    await self._send_close(close)
        except Exception as error:  # noqa: BLE001 - sorted by `_write_failed`, never swallowed
            self._write_failed("write_failed", error)
        finally:
            if number == self._writers_started:  # not replaced meanwhile
                self._writer = None

    async def _send_close(self, close: _Close) -> None:
        try:
            await self._wire.close(close.code, close.reason)
        except Exception as error:  # noqa: BLE001 - sorted by `_write_failed`, never swallowed
            self._write_failed("close_failed", error)

    def _write_failed(self, event: str, error: Exception) -> None:
        """Log a failed write: at DEBUG when the client has gone; at ERROR when it is a bug,
        and then reset the connection, since what was being written is lost and the client
        must not go on as if it had missed nothing."""
        extra = {"connection_id": self.id}
        if isinstance(error, CLIENT_GONE) or not self._wire.open():
            logger.debug(event, extra=extra)
            return
        logger.error(event, extra=extra, exc_info=error)
        self.reset()
