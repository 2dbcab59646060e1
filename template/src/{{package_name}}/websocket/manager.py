"""The connection manager: the only place that holds connections and rooms.

The router adds a connection after accepting it and removes it in `finally`, whatever ended
the connection; removal takes the connection out of every room and drops rooms left empty.
Handlers reach rooms through the `Rooms` protocol and never see a socket.

A room message goes through the backplane (`backplane/`): `publish` hands it over, and the
backplane delivers it back, to this manager and to the manager of every other instance with
members in the room, in one order; `deliver` then fans it out here. The manager subscribes
the backplane to a room when the room's first local member joins, and unsubscribes it when
the last one leaves.

Delivery never waits on a client. A message is serialized and framed once, and the same
`Outgoing` object is written or queued for every recipient (see `connection.py` and
`wire.py`); a recipient whose queue is full is a slow consumer: it is closed with 1013 and
leaves its rooms at once, so the rest of the room goes on unharmed.
"""

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Collection, Iterable

from .backplane import Backplane
from .codec import encode, error_message
from .connection import Connection
from .errors import (
    IDLE,
    SLOW_CONSUMER,
    BackplaneUnavailableError,
    CloseCode,
    ErrorCode,
    NoticeCode,
    ProtocolError,
    Refusal,
)
from .limits import Limits, Place
from .models import Notice, NoticePayload, ServerMessage
from .wire import ClientSocket, Outgoing, ServerTransport, WriteBatcher, wire_for

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = Limits()
FORCE_WINDOW = 0.5
"""Seconds at the end of a drain kept for dropping the connections that would not close."""
SETTLE_SHARE = 0.25
"""The largest part of a drain's grace period spent waiting for the backplane to settle."""


class ConnectionManager:
    """Tracks connections and rooms, and delivers messages to them."""

    def __init__(
        self,
        backplane: Backplane,
        *,
        send_queue_size: int,
        close_timeout: float,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.backplane = backplane
        self.draining = False
        """Whether a drain has begun: handshakes are refused and frames are no longer handled."""
        self._limits = limits
        self._admitted = 0
        self._per_client: Counter[str] = Counter()
        self._per_identity: Counter[str] = Counter()
        self._send_queue_size = send_queue_size
        self._close_timeout = close_timeout
        self._connections: dict[str, Connection] = {}
        self._rooms: dict[str, dict[str, Connection]] = {}
        self._none_left = asyncio.Event()
        self._none_left.set()
        self._batcher = WriteBatcher()

    # ── Lifecycle ───────────────────────────────────────────────────────────────────────────

    def admit(self, client: str, identity: str | None = None) -> Place | Refusal:
        """Take a place for a handshake from `client` (its address) and, when the service
        authenticates, `identity` (its subject); or say why there is none.

        The place is taken before the handshake is accepted, so a flood of simultaneous
        handshakes cannot overshoot the caps; `add(..., place)` hands it to the connection,
        which gives it back on removal, and `release` gives back the place of a handshake that
        never became a connection.
        """
        limits = self._limits
        if self._admitted >= limits.max_connections:
            return Refusal.SERVER_FULL
        if self._per_client[client] >= limits.max_connections_per_client:
            return Refusal.TOO_MANY_CONNECTIONS
        if identity is not None:
            if self._per_identity[identity] >= limits.max_connections_per_identity:
                return Refusal.TOO_MANY_FOR_IDENTITY
            self._per_identity[identity] += 1
        self._admitted += 1
        self._per_client[client] += 1
        return Place(client, identity)

    def release(self, place: Place) -> None:
        """Give back a place taken by `admit`."""
        self._admitted -= 1
        _count_down(self._per_client, place.client)
        if place.identity is not None:
            _count_down(self._per_identity, place.identity)

    def add(
        self,
        socket: ClientSocket,
        transport: ServerTransport | None = None,
        place: Place | None = None,
    ) -> Connection:
        """Track an accepted socket under a new, unguessable connection id.

        `transport` is what the service's own server lends for direct writes, when it runs;
        `place` is the one `admit` took for the handshake, given back when the connection goes.
        """
        connection = Connection(
            secrets.token_urlsafe(12),
            wire_for(socket, transport, self._batcher),
            queue_size=self._send_queue_size,
            close_timeout=self._close_timeout,
            place=place,
        )
        self._connections[connection.id] = connection
        self._none_left.clear()
        logger.info(
            "connection_opened",
            extra={
                "connection_id": connection.id,
                "client": place.client if place else None,
                "identity": place.identity if place else None,
            },
        )
        return connection

    async def remove(self, connection: Connection) -> None:
        """Forget a connection whose receive loop has ended, and release its writer."""
        self._leave_all(connection)
        if self._connections.pop(connection.id, None) is None:
            return
        if connection.place is not None:
            self.release(connection.place)
        if not self._connections:
            self._none_left.set()
        logger.info(
            "connection_closed",
            extra={"connection_id": connection.id, "code": connection.close_code},
        )
        await connection.finish()

    def close_all(self, code: int, reason: str) -> None:
        """Ask every connection to close once what is queued for it has been written."""
        for connection in self._connections.values():
            connection.close(code, reason)

    async def drain(self, code: int, reason: str, grace: float) -> bool:
        """Close every connection and wait, at most `grace` seconds, until none is left.

        First the service stops handling frames (the receive loops answer `shutting_down`),
        and the backplane settles: the room messages already published come back and are
        queued, so that every frame a client sent gets its outcome before the close frame.
        Connections that have not closed when little of the grace period is left (stalled
        clients, stuck handlers) are dropped, so that their tasks end on their own before the
        server has to cancel them. Returns whether every connection was gone in time.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        self.draining = True
        if grace > 0:
            try:
                await asyncio.wait_for(self.backplane.settle(), grace * SETTLE_SHARE)
            except TimeoutError:
                extra = {"connections": self.connection_count}
                logger.warning("backplane_not_settled", extra=extra)
        self.close_all(code, reason)
        if await self._none_left_within(deadline - loop.time() - min(FORCE_WINDOW, grace / 2)):
            return True
        logger.warning("drain_dropping", extra={"connections": len(self._connections)})
        for connection in self._connections.values():
            connection.drop()
        return await self._none_left_within(deadline - loop.time())

    async def _none_left_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._none_left.wait(), max(seconds, 0))
        except TimeoutError:
            return False
        return True

    async def close_idle(self, idle_timeout: float) -> None:
        """Close, with 1001, every connection that has sent nothing for `idle_timeout` seconds.

        Runs until cancelled. One sweep over all connections a few times per timeout costs
        less than a timer rescheduled on every received message.
        """
        loop = asyncio.get_running_loop()
        period = idle_timeout / 4
        while True:
            await asyncio.sleep(period)
            deadline = loop.time() - idle_timeout
            for connection in tuple(self._connections.values()):
                if connection.last_received < deadline and not connection.closing:
                    logger.info(
                        "connection_idle",
                        extra={"connection_id": connection.id, "code": CloseCode.GOING_AWAY},
                    )
                    connection.close(CloseCode.GOING_AWAY, IDLE)

    # ── Rooms ───────────────────────────────────────────────────────────────────────────────

    async def join(self, connection_id: str, room: str) -> None:
        """Add a connection to a room; returns once the room's messages will reach it.

        Raises `ProtocolError` (`too_many_rooms`) beyond `max_rooms_per_connection` rooms.
        """
        connection = self._connections[connection_id]
        if connection.closing:
            return  # on its way out: joining now would only have to be undone
        limit = self._limits.max_rooms_per_connection
        if room not in connection.rooms and len(connection.rooms) >= limit:
            problem = f"a connection may be in at most {limit} rooms: leave one first"
            raise ProtocolError(ErrorCode.TOO_MANY_ROOMS, problem)
        connection.rooms.add(room)
        self._rooms.setdefault(room, {})[connection_id] = connection
        await self.backplane.subscribe(room)

    def leave(self, connection_id: str, room: str) -> None:
        """Take a connection out of a room; the backplane forgets a room left empty."""
        connection = self._connections.get(connection_id)
        if connection is not None:
            connection.rooms.discard(room)
        members = self._rooms.get(room)
        if members is None:
            return
        members.pop(connection_id, None)
        if not members:
            del self._rooms[room]
            self.backplane.unsubscribe(room)

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

    @property
    def writer_count(self) -> int:
        """Connections whose writer task is still running (for leak checks)."""
        return sum(connection.writer_running for connection in self._connections.values())

    # ── Delivery ────────────────────────────────────────────────────────────────────────────

    def send(self, connection_id: str, message: ServerMessage) -> None:
        """Queue one message for one connection, if it is still there (replies, the welcome)."""
        connection = self._connections.get(connection_id)
        if connection is not None:
            self._deliver((connection,), Outgoing(encode(message)))

    def publish(
        self,
        room: str,
        message: ServerMessage,
        *,
        sender: str | None = None,
        ref: str | None = None,
    ) -> None:
        """Send `message` to every member of `room`, on every instance, through the backplane.

        Raises `BackplaneUnavailableError` when the backplane is down. Otherwise it does not
        wait: if the message is lost on its way after all, the `sender` connection gets a
        `backplane_unavailable` error carrying `ref`.
        """
        sent = self.backplane.publish(room, encode(message))
        sent.add_done_callback(lambda outcome: self._report_lost(outcome, sender, ref))

    def _report_lost(
        self, outcome: asyncio.Future[None], sender: str | None, ref: str | None
    ) -> None:
        if outcome.cancelled() or outcome.exception() is not None:  # retrieved either way
            lost = BackplaneUnavailableError()
            if sender is not None:
                self.send(sender, error_message(lost.code, lost.message, ref))

    def deliver(self, room: str, message: str) -> None:
        """Fan out a message the backplane delivered to this instance's members of `room`."""
        self._fan_out(room, Outgoing(message))

    def resumed(self, rooms: Collection[str]) -> None:
        """Tell the members of `rooms` that messages sent during a backplane outage are lost."""
        for room in rooms:
            notice = NoticePayload(
                code=NoticeCode.BACKPLANE_GAP,
                room=room,
                message="the service lost contact with the other instances for a while: "
                "messages sent to this room meanwhile may have been missed",
            )
            self.broadcast(room, Notice(payload=notice))

    def broadcast(self, room: str, message: ServerMessage) -> int:
        """Queue `message` for this instance's members of `room`; return how many it reached.

        Local only: room messages go through `publish`, so that every instance sees them.
        """
        return self._fan_out(room, Outgoing(encode(message)))

    def _fan_out(self, room: str, message: Outgoing) -> int:
        """Queue one encoded message for every local member of `room`.

        The message is serialized, and framed, once: every member gets the same object, so a
        fan-out costs one write or append per member, and waits on nobody.
        """
        members = self._rooms.get(room)
        if not members:
            return 0
        recipients = tuple(members.values())
        self._deliver(recipients, message)
        return len(recipients)

    def _deliver(self, connections: Iterable[Connection], message: Outgoing) -> None:
        for connection in connections:
            if not connection.send(message):
                self._drop_slow_consumer(connection)

    def _drop_slow_consumer(self, connection: Connection) -> None:
        logger.warning(
            "slow_consumer",
            extra={
                "connection_id": connection.id,
                "code": CloseCode.TRY_AGAIN_LATER,
                "queued": connection.queued,
            },
        )
        self._leave_all(connection)
        connection.abandon(CloseCode.TRY_AGAIN_LATER, SLOW_CONSUMER)

    def _leave_all(self, connection: Connection) -> None:
        for room in tuple(connection.rooms):
            self.leave(connection.id, room)


def _count_down(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if not counter[key]:
        del counter[key]
