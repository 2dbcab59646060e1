"""Clients for tests over real sockets: well-behaved ones and one that stops reading, and a
free port for a server of the test's own."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

TIMEOUT = 10.0
"""Seconds any single step of a socket test may take before the test fails."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def member(url: str, room: str | None = None) -> AsyncIterator[tuple[ClientConnection, str]]:
    """A connected client, joined to `room` if one is given; yields it with its id."""
    async with connect(url, open_timeout=TIMEOUT) as websocket:
        welcome = await receive(websocket)
        assert welcome["type"] == "welcome"
        if room is not None:
            await websocket.send(json.dumps({"type": "join", "payload": {"room": room}}))
            assert (await receive(websocket))["type"] == "joined"
        yield websocket, welcome["payload"]["connection_id"]


async def receive(websocket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(websocket.recv(), TIMEOUT))
    return message


def chat(room: str, text: str) -> str:
    return json.dumps({"type": "chat", "payload": {"room": room, "text": text}})


class StalledClient:
    """Completes the handshake, joins a room, then never reads again.

    Its receive buffer is tiny, so its TCP window closes after a few kilobytes and the
    server's writes to it block, exactly as with a real client that hung or was suspended.
    """

    RECEIVE_BUFFER = 4096

    def __init__(self, url: str) -> None:
        self._protocol = ClientProtocol(parse_uri(url))
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.RECEIVE_BUFFER)
        self._socket.setblocking(False)  # noqa: FBT003 - the socket API's own flag

    async def join(self, room: str) -> None:
        loop = asyncio.get_running_loop()
        uri = self._protocol.uri
        await asyncio.wait_for(loop.sock_connect(self._socket, (uri.host, uri.port)), TIMEOUT)
        self._protocol.send_request(self._protocol.connect())
        await self._flush()
        while self._protocol.handshake_exc is None and not self._protocol.events_received():
            data = await asyncio.wait_for(loop.sock_recv(self._socket, 65536), TIMEOUT)
            self._protocol.receive_data(data)
        self._protocol.send_text(json.dumps({"type": "join", "payload": {"room": room}}).encode())
        await self._flush()

    async def dropped_by_server(self) -> bool:
        """Read what is left; True if the server reset the connection rather than closing it."""
        loop = asyncio.get_running_loop()
        try:
            while await asyncio.wait_for(loop.sock_recv(self._socket, 1 << 20), TIMEOUT):
                pass
        except ConnectionResetError:
            return True
        return False

    def close(self) -> None:
        self._socket.close()

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        for data in self._protocol.data_to_send():
            await loop.sock_sendall(self._socket, data)
