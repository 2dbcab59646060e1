"""The load generator: many subscribers and one publisher in one room, on picows.

picows parses frames in C and hands each one to a plain callback, so a single process can
receive far more messages per second than the servers under test can send; the benchmark
reports this process's CPU use so that claim is checked on every run.

A message's text carries its sequence number and the time it was sent (`~seq~ns~padding`),
so every subscriber measures end-to-end latency from one clock. The publisher keeps at most
`window` messages in flight, a message leaving flight when every fast subscriber has it: the
server is never idle, and never asked to queue more than a burst.
"""

import asyncio
import os
import socket
import struct
import time
from array import array
from collections.abc import Callable, Iterable

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bench import credential

ROOM = "bench"
CONNECT_BATCH = 100
TIMEOUT = 30.0
LATENCY_SAMPLE_EVERY = 10
"""One subscriber in this many measures latency; the others only count."""
CHAT = '{"type":"chat","payload":{"room":"%s","text":"~%d~%d~%s"}}'
JOIN = b'{"type":"join","payload":{"room":"%s"}}'


def join_frame(room: str) -> bytes:
    return JOIN.replace(b"%s", room.encode())


class Delivery:
    """Frees the publisher's window as messages reach every fast subscriber, and keeps the
    latencies that the sampling subscribers measure."""

    def __init__(self, fast_subscribers: int, window: int) -> None:
        self.fast_subscribers = fast_subscribers
        self.window = asyncio.Semaphore(window)
        self.in_flight: dict[int, int] = {}
        self.measuring = False
        self.latencies_ns = array("q")
        self.published = 0

    def arrived(self, sequence: int) -> None:
        """A fast subscriber has message `sequence` (and, TCP being ordered, all before it)."""
        left = self.in_flight.get(sequence)
        if left is None:
            return
        if left > 1:
            self.in_flight[sequence] = left - 1
        else:
            del self.in_flight[sequence]
            self.window.release()

    def sample(self, text: str) -> None:
        if self.measuring:
            first = text.index("~")
            second = text.index("~", first + 1)
            third = text.index("~", second + 1)
            sent = int(text[second + 1 : third])
            self.latencies_ns.append(time.perf_counter_ns() - sent)


class Subscriber(WSListener):
    """One client in the room; the publisher is one too (it receives its own broadcasts).

    After `joined`, every text frame is a chat message of the one publisher, in order, so a
    subscriber only counts them; one in `LATENCY_SAMPLE_EVERY` also reads the timestamp.
    """

    counted = True
    """Whether this client's deliveries count (the publisher's own echo does not)."""

    def __init__(
        self, delivery: Delivery | None, room: str = ROOM, *, sampling: bool = False
    ) -> None:
        self.delivery = delivery
        self.room = room
        self.sampling = sampling
        self.received = 0
        self.joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: WSTransport | None = None
        self.close_code: WSCloseCode | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        transport.send(WSMsgType.TEXT, join_frame(self.room))

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            if not self.joined.done():
                if b'"joined"' in frame.get_payload_as_bytes():
                    self.joined.set_result(None)
                return
            if self.delivery is None or not self.counted:
                return
            self.received += 1
            self.delivery.arrived(self.received)
            if self.sampling:
                self.delivery.sample(frame.get_payload_as_ascii_text())
        elif frame.msg_type == WSMsgType.CLOSE:
            self.close_code = frame.get_close_code()
            transport.send_close(self.close_code)
            transport.disconnect()


class Publisher(Subscriber):
    """Sends chat messages, at most `window` of them in flight, until told to stop."""

    counted = False

    async def publish(self, until: float, padding: str = "") -> None:
        delivery = self.delivery
        if self.transport is None or delivery is None:
            message = "connect the publisher, with a Delivery, first"
            raise RuntimeError(message)
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            try:
                await asyncio.wait_for(delivery.window.acquire(), until - loop.time())
            except TimeoutError:
                return
            delivery.published += 1
            if delivery.fast_subscribers:
                delivery.in_flight[delivery.published] = delivery.fast_subscribers
            else:
                delivery.window.release()
            text = CHAT % (self.room, delivery.published, time.perf_counter_ns(), padding)
            self.transport.send(WSMsgType.TEXT, text.encode())


async def connect_all(url: str, listeners: Iterable[Subscriber]) -> None:
    """Connect every listener, a batch at a time, and wait until each has joined its room."""
    pending = list(listeners)
    for start in range(0, len(pending), CONNECT_BATCH):
        batch = pending[start : start + CONNECT_BATCH]
        await asyncio.gather(
            *(
                ws_connect(_factory(listener), url, extra_headers=credential.HEADERS)
                for listener in batch
            )
        )
    await asyncio.wait_for(asyncio.gather(*(listener.joined for listener in pending)), TIMEOUT)


def disconnect_all(listeners: Iterable[Subscriber]) -> None:
    for listener in listeners:
        if listener.transport is not None:
            listener.transport.disconnect()


def _factory(listener: Subscriber) -> Callable[[], WSListener]:
    return lambda: listener


class StalledSocket:
    """A raw client that joins the room and then never reads: its TCP window closes."""

    RECEIVE_BUFFER = 4096
    HANDSHAKE = (
        "GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: YmVuY2gtc3RhbGxlZC0xNg==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.RECEIVE_BUFFER)
        self.socket.setblocking(False)  # noqa: FBT003 - the socket API's own flag

    async def join(self, host: str, port: int, room: str = ROOM) -> None:
        loop = asyncio.get_running_loop()
        await loop.sock_connect(self.socket, (host, port))
        extra = "".join(f"{name}: {value}\r\n" for name, value in credential.HEADERS.items())
        handshake = self.HANDSHAKE.replace("{host}", f"{host}:{port}").replace("{extra}", extra)
        await loop.sock_sendall(self.socket, handshake.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += await asyncio.wait_for(loop.sock_recv(self.socket, 1), TIMEOUT)
        if not response.startswith(b"HTTP/1.1 101"):
            message = f"handshake refused: {response.splitlines()[0]!r}"
            raise RuntimeError(message)
        await loop.sock_sendall(self.socket, _masked_text_frame(join_frame(room)))

    @property
    def dropped(self) -> bool:
        """Whether the server has ended the TCP connection (read without reading the data)."""
        info = self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)
        return info[0] != 1  # 1 is TCP_ESTABLISHED

    def close(self) -> None:
        self.socket.close()


def _masked_text_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked


def percentile_ms(ordered_ns: list[int], share: float) -> float:
    """The latency below which `share` of the (sorted) samples fall, in milliseconds."""
    if not ordered_ns:
        return float("nan")
    return ordered_ns[min(len(ordered_ns) - 1, int(share * len(ordered_ns)))] / 1e6
