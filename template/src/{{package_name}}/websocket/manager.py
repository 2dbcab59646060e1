"""The connection manager: the only place that holds connections and rooms.

The router adds a connection after accepting it and removes it in `finally`, whatever ended
the connection; removal takes the connection out of every room and drops rooms left empty.
Handlers reach rooms through the `Rooms` protocol and never see a socket.

How a message reaches the sockets, in the words used throughout the service:

1. `publish(room, message)`: a room message is encoded once and handed to the backplane
   (`backplane/`), never straight to the members. It is now *in flight* (`in_flight.py`).
2. The backplane carries it to every instance with members in the room, this one included,
   in one order shared by all, and *delivers* it back: `deliver(room, text)`.
3. `deliver` *fans it out*: the same `Outgoing` (serialized and framed once, `wire.py`) is
   *sent* to each local member, and to its sender if the sender has left the room since.
4. `Connection.send` (`connection.py`) writes it at once when the socket can take it, and
   otherwise *queues* it for the connection's writer task; it never waits.
5. A connection whose queue is full is a slow consumer: it is *evicted* (closed with 1013,
   its queue thrown away) and leaves its rooms at once, so the rest of the room goes on.

`send(connection_id, message)` is step 4 for one connection (replies, the welcome);
`fan_out(room, message)` is step 3 for this instance alone (notices about the backplane).
The manager subscribes the backplane to a room when the room's first local member joins,
and unsubscribes it once the last one has left and none of its messages is in flight.
An identity's inbox (`inboxes.py`) is a route like a room, whose members are that
identity's connections: `open_inbox` adds one, removal takes it out, and a message
published to the inbox takes the same steps to them.
"""

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from ..metrics import NO_METRICS, Metrics
from .backplane import Backplane
from .codec import encode, error_message
from .connection import Connection, QueueBound
from .errors import (
    IDLE,
    SLOW_CONSUMER,
    BackplaneBusyError,
    BackplaneUnavailableError,
    CloseCode,
    DeliveryUnconfirmedError,
    ErrorCode,
    NoticeCode,
    ProtocolError,
    Refusal,
)
from .history import Position, Recent, catch_up
from .in_flight import InFlight, Published
from .inboxes import inbox_of
from .limits import Limits, Place
from .models import (
    Joined,
    JoinedPayload,
    Notice,
    NoticePayload,
    PresenceChange,
    PresenceJoined,
    PresenceLeft,
    ServerMessage,
)
from .presence import Member, Presence
from .wire import ClientSocket, Outgoing, ServerTransport, WriteBatcher, wire_for

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = Limits()
FORCE_WINDOW = 0.5
"""Seconds at the end of a drain kept for dropping the connections that would not close."""
IN_FLIGHT_SHARE = 0.25
"""The largest part of a drain's grace period spent waiting for messages in flight."""


class ConnectionManager:
    """Tracks connections and rooms, and delivers messages to them."""

    def __init__(  # noqa: PLR0913 - keyword-only: one per setting, named at every call
        self,
        backplane: Backplane,
        *,
        send_queue_size: int,
        close_timeout: float,
        limits: Limits = DEFAULT_LIMITS,
        presence_events: bool = False,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.backplane = backplane
        self.metrics = metrics
        """What the service counts (`metrics/`): the router and the handlers report to it too."""
        self.draining = False
        """Whether a drain has begun: handshakes are refused and frames are no longer handled."""
        self._limits = limits
        self._admitted = 0
        self._per_client: Counter[str] = Counter()
        self._per_identity: Counter[str] = Counter()
        self._send_queue = QueueBound(send_queue_size, limits.send_queue_bytes)
        self._close_timeout = close_timeout
        self._connections: dict[str, Connection] = {}
        self._rooms: dict[str, dict[str, Connection]] = {}
        self._joining: dict[str, dict[str, _Joiner]] = {}
        """Per room, the connections joining it, with the messages held back meanwhile."""
        self._inboxes: dict[str, dict[str, Connection]] = {}
        """Per inbox route, the connections of its identity on this instance."""
        self._opening: Counter[str] = Counter()
        """Per inbox route, the connections waiting for its subscription."""
        self._remembers = backplane.retention.on
        self._presence_events = presence_events
        self._none_left = asyncio.Event()
        self._none_left.set()
        self._batcher = WriteBatcher()
        self._in_flight = InFlight(limits.publish_backlog)

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
            bound=self._send_queue,
            close_timeout=self._close_timeout,
            place=place,
        )
        self._connections[connection.id] = connection
        self._none_left.clear()
        self.metrics.connection_opened()
        logger.info(
            "connection_opened",
            extra={
                "connection_id": connection.id,
                "client": place.client if place else None,
                "identity": place.identity if place else None,
            },
        )
        return connection

    async def open_inbox(self, connection: Connection) -> None:
        """Make the connection reachable through its identity's inbox, on every instance.

        Returns once a message published to the inbox afterwards is certain to reach it (or
        at once while the backplane is unreachable), and the router sends the `welcome`
        right then: a client gets every user event sent after its welcome, and none before
        it. (The connection joins the inbox only once it is subscribed, so nothing that
        arrives meanwhile can overtake the welcome.)
        """
        if connection.identity is None:
            return
        route = inbox_of(connection.identity)
        self._opening[route] += 1
        opened = False
        try:
            await self.backplane.subscribe(route)
            if not connection.closing and connection.id in self._connections:  # still here
                self._inboxes.setdefault(route, {})[connection.id] = connection
                opened = True
        finally:
            _count_down(self._opening, route)
            if not opened:  # gone meanwhile, or cancelled: nobody may be left to listen
                self._unsubscribe_if_unused(route)

    def _close_inbox(self, connection: Connection) -> None:
        if connection.identity is None:
            return
        route = inbox_of(connection.identity)
        members = self._inboxes.get(route)
        if members is None or members.pop(connection.id, None) is None:
            return
        if not members:
            del self._inboxes[route]
            self._unsubscribe_if_unused(route)

    async def remove(self, connection: Connection) -> None:
        """Forget a connection whose receive loop has ended, and release its writer."""
        self._leave_all(connection)
        self._close_inbox(connection)
        if self._connections.pop(connection.id, None) is None:
            return
        if connection.place is not None:
            self.release(connection.place)
        if not self._connections:
            self._none_left.set()
        self.metrics.connection_closed(connection.close_code)
        logger.info(
            "connection_closed",
            extra={"connection_id": connection.id, "code": connection.close_code},
        )
        await connection.release()

    def close_all(self, code: int, reason: str) -> None:
        """Ask every connection to close once what is queued for it has been written."""
        for connection in self._connections.values():
            connection.close(code, reason)

    async def drain(self, code: int, reason: str, grace: float) -> bool:
        """Close every connection and wait, at most `grace` seconds, until none is left.

        First the service stops handling frames (the receive loops answer `shutting_down`),
        and waits for the room messages in flight to come back and be queued, so that every
        frame a client sent gets its outcome before the close frame. Connections that have
        not closed when little of the grace period is left (stalled clients, stuck handlers)
        are reset, so that their tasks end on their own before the server has to cancel
        them. Returns whether every connection was gone in time.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        self.draining = True
        if grace > 0:
            try:
                await asyncio.wait_for(self._in_flight.none_left(), grace * IN_FLIGHT_SHARE)
            except TimeoutError:
                extra = {"in_flight": len(self._in_flight)}
                logger.warning("drain_in_flight_timeout", extra=extra)
        self.close_all(code, reason)
        if await self._none_left_within(deadline - loop.time() - min(FORCE_WINDOW, grace / 2)):
            return True
        logger.warning("drain_resetting", extra={"connections": len(self._connections)})
        for connection in self._connections.values():
            connection.reset()
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
        while True:
            await asyncio.sleep(idle_timeout / 4)
            self.close_silent_since(loop.time() - idle_timeout)

    def close_silent_since(self, moment: float) -> None:
        """Close, with 1001, every connection that has received nothing since `moment` (on
        the event loop's clock)."""
        for connection in tuple(self._connections.values()):
            if connection.last_received < moment and not connection.closing:
                logger.info(
                    "connection_idle",
                    extra={"connection_id": connection.id, "code": CloseCode.GOING_AWAY},
                )
                connection.close(CloseCode.GOING_AWAY, IDLE)

    # ── Rooms ───────────────────────────────────────────────────────────────────────────────

    async def join(
        self,
        connection_id: str,
        room: str,
        *,
        since: Position | None = None,
        ref: str | None = None,
    ) -> None:
        """Add a connection to a room and queue its `joined` reply (with `ref`), then what it
        missed after `since` when all of it could be recovered, then the room's live messages.

        The manager queues `joined` itself, rather than a handler returning it, because the
        reply must sit between the room's history and its live messages in the connection's
        queue, and only the manager holds both (history.py tells how nothing is lost or
        repeated meanwhile). Joining a room again answers `joined` with the room's position,
        not recovered: the connection has been receiving the room all along.

        Raises `ProtocolError`: `too_many_rooms` beyond `max_rooms_per_connection` rooms, and
        `backplane_unavailable` when the room's history or presence cannot be reached.
        """
        connection = self._connections[connection_id]
        if connection.closing:
            return  # on its way out: joining now would only have to be undone
        if room in connection.rooms:
            recent = await self.backplane.catch_up(room, None) if self._remembers else None
            self.send(connection_id, _joined(room, recent, ref))
            return
        limit = self._limits.max_rooms_per_connection
        if len(connection.rooms) >= limit:
            problem = f"a connection may be in at most {limit} rooms: leave one first"
            raise ProtocolError(ErrorCode.TOO_MANY_ROOMS, problem)
        connection.rooms.add(room)
        joiner = _Joiner()
        self._joining.setdefault(room, {})[connection_id] = joiner
        member = Member(connection_id, connection.identity)
        try:
            await self.backplane.subscribe(room)
            recent = await self._enter(room, member, since)
        except BaseException:
            if self._abandon_join(room, connection_id):
                connection.rooms.discard(room)
                self.backplane.depart(room, connection_id)
                self._unsubscribe_if_unused(room)
            raise
        if self._stop_joining(room, connection_id) is None:
            # It left every room meanwhile (evicted, or closed), perhaps before its presence
            # was entered: take it out again, now that nothing is on its way.
            self.backplane.depart(room, connection_id)
            return
        self._rooms.setdefault(room, {})[connection_id] = connection
        earlier, missed = _catching_up(recent, joiner)
        joined = Outgoing(encode(_joined(room, recent, ref)))
        replay = (*earlier, joined, *missed)
        if recent is not None and recent.messages and not _fits(connection, replay):
            # More than its queue holds at once (a room of large events): it is told it was
            # not recovered, and resynchronises, rather than be cut off as a slow consumer.
            recent = replace(recent, messages=(), complete=False)
            earlier, missed = _catching_up(recent, joiner)
            replay = (*earlier, Outgoing(encode(_joined(room, recent, ref))), *missed)
        self._send_to((connection,), *replay)
        if self._presence_events and room in connection.rooms:  # not evicted by that send
            self._announce(room, PresenceJoined(payload=_change(room, member)))

    async def _enter(self, room: str, member: Member, since: Position | None) -> Recent | None:
        """Count the member in the room's presence and, with history on, read where the room
        is and what came after `since`: both in one round trip to the broker."""
        if not self._remembers:
            await self.backplane.enter(room, member)
            return None
        recent, _ = await asyncio.gather(
            self.backplane.catch_up(room, since), self.backplane.enter(room, member)
        )
        if since is None or not recent.complete:
            return replace(recent, messages=(), complete=False)  # nothing is replayed
        return recent

    def _stop_joining(self, room: str, connection_id: str) -> "_Joiner | None":
        """End a join in progress and return what it held; None if the connection left the
        room meanwhile."""
        joining = self._joining.get(room)
        joiner = None if joining is None else joining.pop(connection_id, None)
        if joining is not None and not joining:
            del self._joining[room]
        return joiner

    def _abandon_join(self, room: str, connection_id: str) -> bool:
        """End a join that will not complete; False if there was none. The connection still
        gets its own messages that came back meanwhile: they are its chats' outcomes."""
        joiner = self._stop_joining(room, connection_id)
        if joiner is None:
            return False
        connection = self._connections.get(connection_id)
        if connection is not None and joiner.echoes:
            self._send_to((connection,), *joiner.echoes)
        return True

    def leave(self, connection_id: str, room: str) -> None:
        """Take a connection out of a room; the backplane forgets a room left empty."""
        connection = self._connections.get(connection_id)
        if connection is not None:
            connection.rooms.discard(room)
        if self._abandon_join(room, connection_id):
            self.backplane.depart(room, connection_id)
            self._unsubscribe_if_unused(room)
            return
        members = self._rooms.get(room)
        if members is None or members.pop(connection_id, None) is None:
            return
        self.backplane.depart(room, connection_id)
        if not members:
            del self._rooms[room]
            self._unsubscribe_if_unused(room)
        # Last: delivering the event may evict other members (their queues full), and their
        # own leaving must find the room as this one left it.
        if self._presence_events:
            identity = connection.identity if connection is not None else None
            member = Member(connection_id, identity)
            self._announce(room, PresenceLeft(payload=_change(room, member)))

    def _announce(self, room: str, event: ServerMessage) -> None:
        """Publish a presence event; one that cannot be sent now is dropped, with a log line."""
        try:
            self.publish(room, event)
        except ProtocolError as error:
            logger.info("presence_event_dropped", extra={"room": room, "code": error.code})

    def _unsubscribe_if_unused(self, room: str) -> None:
        """Unsubscribe a room (or an inbox) with no local member, nobody joining it and no
        message of ours in flight."""
        if (
            room not in self._rooms
            and room not in self._joining
            and room not in self._inboxes
            and room not in self._opening
            and not self._in_flight.waiting_in(room)
        ):
            self.backplane.unsubscribe(room)

    async def history(self, room: str, limit: int) -> Recent:
        """The room's `limit` latest messages, as many of them as half of a send queue's
        bytes holds (a room of large events): a reply larger than that would cost a client
        that asks while busy its connection.

        Raises `ProtocolError`: `history_disabled` when the service keeps no history, and
        `invalid_message` for more than it keeps.
        """
        size = self.backplane.retention.size
        if not size:
            problem = "this service keeps no history (HISTORY_SIZE is 0)"
            raise ProtocolError(ErrorCode.HISTORY_DISABLED, problem)
        if limit > size:
            problem = f"payload.limit: the service keeps at most {size} messages per room"
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, problem)
        recent = await self.backplane.history(room, limit)
        return _latest_within(recent, self._send_queue.size // 2)

    async def presence(self, room: str) -> Presence:
        """The room's members on every instance, at most `presence_max_members` of them."""
        return await self.backplane.presence(room, self._limits.presence_max_members)

    def is_member(self, connection_id: str, room: str) -> bool:
        return connection_id in self._rooms.get(room, ())

    def rooms_of(self, connection_id: str) -> frozenset[str]:
        """The rooms the connection is in (empty for a connection that is gone)."""
        connection = self._connections.get(connection_id)
        return frozenset(connection.rooms) if connection is not None else frozenset()

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
            self._send_to((connection,), Outgoing(encode(message)))

    def publish(
        self,
        room: str,
        message: ServerMessage,
        *,
        sender: str | None = None,
        ref: str | None = None,
    ) -> asyncio.Future[Position | None]:
        """Send `message` to every member of `room` (or every connection of an inbox's
        identity), on every instance, through the backplane.

        Raises `BackplaneUnavailableError` when the backplane is down, and
        `BackplaneBusyError` when `publish_backlog` messages are already in flight. Otherwise
        it does not wait, and the `sender` connection gets exactly one outcome: the message
        itself when it comes back (even if the sender has left the room meanwhile), or an
        error carrying `ref` if it is lost on its way. Publishers without a connection
        (`publishing/`) await the returned future instead: the backplane has the message
        once it completes, with the position the message was stamped with, if any.
        """
        if self._in_flight.full:
            raise BackplaneBusyError
        text = encode(message)
        comes_back = self.backplane.subscribed(room)
        published = self._in_flight.add(room, text, sender, ref, comes_back=comes_back)
        try:
            sent = self.backplane.publish(room, text, remember=message.remembered)
        except BaseException:
            self._in_flight.discard(published)
            raise
        sent.add_done_callback(partial(self._check_sent, published))
        return sent

    def _check_sent(self, published: Published, sent: asyncio.Future[Position | None]) -> None:
        """Once the backplane has the message, or has lost it: a lost one is reported to its
        sender, and one that will not come back here has nothing left to wait for."""
        failure = BackplaneUnavailableError() if sent.cancelled() else sent.exception()
        if failure is not None:
            if self._in_flight.discard(published):
                lost = failure if isinstance(failure, ProtocolError) else DeliveryUnconfirmedError()
                self._report_lost(published, lost)
        elif not published.comes_back:
            self._in_flight.discard(published)

    def _report_lost(self, published: Published, lost: ProtocolError) -> None:
        if published.sender is not None:
            self.send(published.sender, error_message(lost.code, lost.message, published.ref))
        self._unsubscribe_if_unused(published.room)

    def deliver(self, room: str, message: str) -> None:
        """Fan out a message the backplane delivered to this instance's members of `room`,
        and to its sender, if it is this instance's own and the sender has left the room."""
        published, overtaken = self._in_flight.returned(room, message)
        for lost in overtaken:  # published before this one, and not come back before it
            self._report_lost(lost, DeliveryUnconfirmedError())
        outgoing = Outgoing(message)
        members = self._rooms.get(room) or self._inboxes.get(room)
        if members:
            self.metrics.delivered(self._send_to(tuple(members.values()), outgoing))
        if published is not None:
            self.metrics.delivery_time(time.monotonic() - published.at)
        sender = published.sender if published is not None else None
        joining = self._joining.get(room)
        if joining:
            for joiner in joining.values():
                joiner.held_back.append(outgoing)
            rejoining = joining.get(sender) if sender is not None else None
            if rejoining is not None:  # its chat's outcome, which its join delivers
                rejoining.echoes.append(outgoing)
                return
        if published is None:
            return
        if sender is not None and (not members or sender not in members):
            connection = self._connections.get(sender)
            if connection is not None:
                self.metrics.delivered(self._send_to((connection,), outgoing))
        if not members:
            self._unsubscribe_if_unused(room)

    def linked(self) -> None:
        """The backplane's link to the other instances is up (again)."""
        self.metrics.backplane_link(up=True)

    def interrupted(self) -> None:
        """The backplane lost its link: the messages in flight will not come back, and each
        sender is told that its message may have reached only some members."""
        self.metrics.backplane_link(up=False)
        for published in self._in_flight.take_all():
            self._report_lost(published, DeliveryUnconfirmedError())

    def resumed(self, rooms: Collection[str]) -> None:
        """Tell the members of `rooms` that messages sent during a backplane outage are lost."""
        for room in rooms:
            notice = NoticePayload(
                code=NoticeCode.BACKPLANE_GAP,
                room=room,
                message="the service lost contact with the other instances for a while: "
                "messages sent to this room meanwhile may have been missed",
            )
            self.fan_out(room, Notice(payload=notice))

    def fan_out(self, room: str, message: ServerMessage) -> int:
        """Queue `message` for this instance's members of `room`; return how many it reached.

        Local only: room messages go through `publish`, so that every instance sees them.
        """
        members = self._rooms.get(room)
        if not members:
            return 0
        recipients = tuple(members.values())
        self.metrics.delivered(self._send_to(recipients, Outgoing(encode(message))))
        return len(recipients)

    @property
    def in_flight(self) -> int:
        """Room messages published here that have not come back yet."""
        return len(self._in_flight)

    def _send_to(self, connections: Iterable[Connection], *messages: Outgoing) -> int:
        """Send encoded messages, in order, to each connection; evict those that cannot keep
        up. Returns how many messages were written or queued, all connections together.

        Every connection gets the very same objects, so a fan-out costs one write or append
        per member, and waits on nobody.
        """
        sent = 0
        for connection in connections:
            if connection.closing:  # what it would be sent is moot: it is not counted
                continue
            for message in messages:
                if not connection.send(message):
                    self._evict_slow_consumer(connection)
                    break
                sent += 1
        return sent

    def _evict_slow_consumer(self, connection: Connection) -> None:
        self.metrics.send_queue_overflow()
        logger.warning(
            "slow_consumer",
            extra={
                "connection_id": connection.id,
                "code": CloseCode.TRY_AGAIN_LATER,
                "queued": connection.queued,
            },
        )
        self._leave_all(connection)
        self._close_inbox(connection)
        connection.evict(CloseCode.TRY_AGAIN_LATER, SLOW_CONSUMER)

    def _leave_all(self, connection: Connection) -> None:
        for room in tuple(connection.rooms):
            self.leave(connection.id, room)


@dataclass(slots=True)
class _Joiner:
    """A connection joining a room: the room's messages held back until its `joined` is
    queued, and among them its own, published before it left: their chats' outcomes, which
    it must get even where the history it is caught up from leaves them out."""

    held_back: list[Outgoing] = field(default_factory=list)
    echoes: list[Outgoing] = field(default_factory=list)


def _catching_up(recent: Recent | None, joiner: _Joiner) -> tuple[list[Outgoing], list[Outgoing]]:
    """What a joiner receives before its `joined` (its own messages that `catch_up` leaves
    out as older than the position read: they are still their chats' outcomes), and after
    it (`history.catch_up`)."""
    if recent is None:
        return [], list(joiner.held_back)
    texts = [outgoing.text for outgoing in joiner.held_back]
    shared = {outgoing.text: outgoing for outgoing in joiner.held_back}  # framed once
    missed = [shared.get(text) or Outgoing(text) for text in catch_up(recent, texts)]
    replayed = {outgoing.text for outgoing in missed}
    return [echo for echo in joiner.echoes if echo.text not in replayed], missed


def _fits(connection: Connection, messages: Sequence[Outgoing]) -> bool:
    return connection.can_take(len(messages), sum(message.size for message in messages))


def _latest_within(recent: Recent, budget: int) -> Recent:
    """`recent` without its oldest messages, as long as they take more than `budget` bytes."""
    kept: list[str] = []
    total = 0
    for text in reversed(recent.messages):
        total += len(text.encode())
        if total > budget:
            return replace(recent, messages=tuple(reversed(kept)))
        kept.append(text)
    return recent


def _joined(room: str, recent: Recent | None, ref: str | None) -> Joined:
    if recent is None:
        return Joined(payload=JoinedPayload(room=room), ref=ref)
    position = recent.position
    payload = JoinedPayload(
        room=room, offset=position.offset, epoch=position.epoch, recovered=recent.complete
    )
    return Joined(payload=payload, ref=ref)


def _change(room: str, member: Member) -> PresenceChange:
    return PresenceChange(room=room, connection_id=member.connection_id, identity=member.identity)


def _count_down(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if not counter[key]:
        del counter[key]
