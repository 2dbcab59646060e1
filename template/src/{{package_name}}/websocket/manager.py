"""The connection manager: the only place that holds sockets and rooms.

The router adds a connection after accepting it and removes it in `finally`, whatever ended
the connection; removal takes the connection out of every room and drops rooms left empty.
Handlers reach rooms through the `Rooms` protocol and never see a socket.
"""

import logging
import secrets
from collections.abc import Iterable
from typing import Protocol

from starlette.websockets import WebSocketDisconnect

from .codec import encode
from .models import ServerMessage

logger = logging.getLogger(__name__)


class ClientSocket(Protocol):
    """What the manager needs of a socket; Starlette's `WebSocket` is one."""

    async def send_text(self, data: str) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Connection:
    """One accepted client: its id, its socket and the rooms it is in."""

    __slots__ = ("id", "rooms", "socket")

    def __init__(self, connection_id: str, socket: ClientSocket) -> None:
        self.id = connection_id
        self.socket = socket
        self.rooms: set[str] = set()


class ConnectionManager:
    """Tracks connections and rooms, and delivers messages to them."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self._rooms: dict[str, dict[str, Connection]] = {}

    # ── Lifecycle ───────────────────────────────────────────────────────────────────────────

    def add(self, socket: ClientSocket) -> Connection:
        """Track an accepted socket under a new, unguessable connection id."""
        connection = Connection(secrets.token_urlsafe(12), socket)
        self._connections[connection.id] = connection
        logger.info("connection %s opened", connection.id)
        return connection

    def remove(self, connection_id: str) -> None:
        """Forget a connection and take it out of every room; safe to call twice."""
        connection = self._connections.pop(connection_id, None)
        if connection is None:
            return
        for room in tuple(connection.rooms):
            self.leave(connection_id, room)
        logger.info("connection %s closed", connection_id)

    async def close_all(self, code: int, reason: str) -> None:
        """Close every connection (at shutdown); the routers' `finally` blocks remove them."""
        for connection in tuple(self._connections.values()):
            await _quietly_close(connection.socket, code, reason)

    # ── Rooms ───────────────────────────────────────────────────────────────────────────────

    def join(self, connection_id: str, room: str) -> None:
        connection = self._connections[connection_id]
        connection.rooms.add(room)
        self._rooms.setdefault(room, {})[connection_id] = connection

    def leave(self, connection_id: str, room: str) -> None:
        connection = self._connections.get(connection_id)
        if connection is not None:
            connection.rooms.discard(room)
        members = self._rooms.get(room)
        if members is None:
            return
        members.pop(connection_id, None)
        if not members:
            del self._rooms[room]

    def is_member(self, connection_id: str, room: str) -> bool:
        return connection_id in self._rooms.get(room, ())

    def members(self, room: str) -> frozenset[str]:
        """The ids of the connections in `room` (empty for a room that does not exist)."""
        return frozenset(self._rooms.get(room, ()))

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def room_count(self) -> int:
        return len(self._rooms)

    # ── Delivery ────────────────────────────────────────────────────────────────────────────

    async def send(self, connection_id: str, message: ServerMessage) -> None:
        """Send one message to one connection, if it is still there (replies and the welcome)."""
        connection = self._connections.get(connection_id)
        if connection is not None:
            await _deliver((connection,), encode(message))

    async def broadcast(self, room: str, message: ServerMessage) -> int:
        """Send `message` to every member of `room`; return how many it was sent to.

        The message is serialized once and the same text goes to every member, so the cost
        of a broadcast is one serialization plus one write per member.
        """
        members = tuple(self._rooms.get(room, {}).values())
        if members:
            await _deliver(members, encode(message))
        return len(members)


async def _deliver(connections: Iterable[Connection], text: str) -> None:
    """Write `text` to each connection; one failed write never stops the others.

    A write fails when its client has just gone; that connection's own receive loop sees the
    disconnect and removes it, so here the failure is only logged.
    """
    for connection in connections:
        try:
            await connection.socket.send_text(text)
        except (OSError, RuntimeError, WebSocketDisconnect):
            logger.debug("write to closing connection %s failed", connection.id)


async def _quietly_close(socket: ClientSocket, code: int, reason: str) -> None:
    try:
        await socket.close(code, reason)
    except (OSError, RuntimeError, WebSocketDisconnect):
        logger.debug("close of a connection already closed")
