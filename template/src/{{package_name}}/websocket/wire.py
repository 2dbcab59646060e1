"""How a connection's messages reach the network: one encoded message, two ways to write it.

A message is encoded once (`Outgoing`) and the same object is handed to every recipient. Its
WebSocket frame is built once too, on first use: a server's frames are not masked, so without
compression the bytes on the wire are the same for every recipient.

`TransportWire` writes those bytes straight to the connection's transport, which the
service's own uvicorn protocol lends it (see `server.py`). While the transport takes data
without pushing back, a frame is held until the end of the event-loop turn and written then,
with every other frame the turn produced for that connection, in one call: no task switch and
no per-recipient framing. Once the transport pauses (the client is not keeping up), messages
wait in the connection's queue and its writer joins them into one write when it resumes.
`AsgiWire` is the portable fallback: plain ASGI sends through Starlette's `WebSocket`, for the
test client, other ASGI servers and compressed connections (permessage-deflate frames depend
on everything compressed before them, so they cannot be shared). Under the service's own
server a compressed connection still has the lent transport, for the one thing ASGI cannot
do: reset a connection whose client stopped reading.
"""

import asyncio
import logging
from typing import Protocol

from websockets.frames import Frame, Opcode

logger = logging.getLogger(__name__)

TRANSPORT_EXTENSION = "service.transport"
"""Key, in an ASGI scope's `extensions`, of `{"transport": ServerTransport}`: what the
service's own server (`server.py`) lends each connection. Defined here, with the protocol it
names, so that the application imports nothing of the server's."""


class Outgoing:
    """One encoded message, shared by every connection it is sent to."""

    __slots__ = ("_frame", "_size", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._frame: bytes | None = None
        self._size: int | None = None

    @property
    def size(self) -> int:
        """The text's length in UTF-8 bytes (counted on first use, for queued messages)."""
        if self._size is None:
            self._size = len(self.text) if self.text.isascii() else len(self.text.encode())
        return self._size

    @property
    def frame(self) -> bytes:
        """The complete, unmasked, uncompressed text frame (built on first use)."""
        if self._frame is None:
            self._frame = Frame(Opcode.TEXT, self.text.encode()).serialize(mask=False)
        return self._frame


class ClientSocket(Protocol):
    """What the ASGI path needs of a socket; Starlette's `WebSocket` is one."""

    async def send_text(self, data: str) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class ServerTransport(Protocol):
    """What the service's uvicorn protocol lends a connection (see `server.py`)."""

    @property
    def raw_frames(self) -> bool:
        """Whether whole frames may be written as they are (no compression negotiated)."""

    def open(self) -> bool:
        """Whether the connection is open and nothing has closed it yet."""

    def ready(self) -> bool:
        """Whether the connection is open and a write now would not push back."""

    async def wait_ready(self) -> None:
        """Wait until the transport takes writes again; raise `OSError` if it is gone."""

    def write(self, data: bytes) -> None: ...
    def reset_after(self, delay: float) -> None:
        """Reset the TCP connection after `delay` seconds unless it has ended by then."""


class Wire(Protocol):
    """A connection's way to the network."""

    def write_now(self, message: Outgoing) -> bool:
        """Write `message` at once if that cannot wait on the client; False otherwise."""

    async def wait_ready(self) -> None:
        """Wait until a write would not push back; raise `OSError` if the client is gone."""

    async def write(self, messages: list[Outgoing]) -> None:
        """Write `messages` in order, waiting for the client as long as it takes."""

    async def close(self, code: int, reason: str) -> None: ...
    def reset_after(self, delay: float) -> None:
        """Reset the TCP connection after `delay` seconds unless it has ended by then."""

    def open(self) -> bool:
        """Whether, as far as the server can tell, the connection is still open."""


class AsgiWire:
    """Writes through the ASGI interface, one send per message; resets through the lent
    transport when there is one."""

    __slots__ = ("_socket", "_transport")

    def __init__(self, socket: ClientSocket, transport: ServerTransport | None = None) -> None:
        self._socket = socket
        self._transport = transport

    def write_now(self, message: Outgoing) -> bool:
        return False

    async def wait_ready(self) -> None:
        """Each ASGI send waits for itself."""

    async def write(self, messages: list[Outgoing]) -> None:
        for message in messages:
            await self._socket.send_text(message.text)

    async def close(self, code: int, reason: str) -> None:
        await self._socket.close(code, reason)

    def reset_after(self, delay: float) -> None:
        """Without a lent transport there is no way to reset: the server's timeouts must do."""
        if self._transport is not None:
            self._transport.reset_after(delay)

    def open(self) -> bool:
        return self._transport is None or self._transport.open()


class TransportWire(AsgiWire):
    """Writes prepared frames straight to the transport; closes through ASGI.

    Frames written during one turn of the event loop are held back and written to the
    transport together at the end of the turn (`WriteBatcher`): under load, when several
    fan-outs reach a member in one turn, it costs one system call on each side instead of
    one per message.
    """

    __slots__ = ("_batcher", "_lent", "_pending")

    def __init__(
        self, socket: ClientSocket, transport: ServerTransport, batcher: "WriteBatcher"
    ) -> None:
        super().__init__(socket, transport)
        self._lent = transport
        self._batcher = batcher
        self._pending: list[bytes] = []

    def write_now(self, message: Outgoing) -> bool:
        if not self._lent.ready():
            return False
        if not self._pending:
            self._batcher.hold(self)
        self._pending.append(message.frame)
        return True

    def flush(self) -> None:
        """Write what this turn held back, unless the connection has closed meanwhile.

        A write that fails is a bug (a transport takes data or has closed): the frames are
        lost, so the connection is reset rather than left to go on with a gap.
        """
        pending, self._pending = self._pending, []
        if not self._lent.open():
            return
        try:
            self._lent.write(pending[0] if len(pending) == 1 else b"".join(pending))
        except Exception:
            logger.exception("flush_failed")
            self._lent.reset_after(0)

    async def wait_ready(self) -> None:
        await self._lent.wait_ready()

    async def write(self, messages: list[Outgoing]) -> None:
        """One write for the whole batch; it does not wait, so nothing can overtake it."""
        self._lent.write(b"".join([message.frame for message in messages]))


class WriteBatcher:
    """Flushes every `TransportWire` that held frames back, once, at the end of the turn."""

    __slots__ = ("_held", "_scheduled")

    def __init__(self) -> None:
        self._held: list[TransportWire] = []
        self._scheduled = False

    def hold(self, wire: TransportWire) -> None:
        self._held.append(wire)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        held, self._held = self._held, []
        self._scheduled = False
        for wire in held:
            wire.flush()


def wire_for(
    socket: ClientSocket, transport: ServerTransport | None, batcher: WriteBatcher
) -> Wire:
    """The fastest wire the server offers for this connection.

    Whichever it is, a lent transport stays the way to reset the connection: a compressed
    connection whose client stops reading must be cut off like any other.
    """
    if transport is not None and transport.raw_frames:
        return TransportWire(socket, transport, batcher)
    return AsgiWire(socket, transport)
