"""One function per client message type, registered by its model.

A handler returns its direct reply (the dispatcher adds `ref`) or None, and raises
`ProtocolError` to refuse a message. It changes room membership and publishes to rooms only
through `context.rooms`.
"""

from .codec import kept_messages
from .dispatch import HandlerContext, HandlerRegistry
from .errors import ErrorCode, ProtocolError
from .history import Position
from .models import (
    ChatBroadcast,
    ChatBroadcastPayload,
    ChatMessage,
    HistoryMessage,
    HistoryReply,
    HistoryReplyPayload,
    JoinMessage,
    LeaveMessage,
    Left,
    LeftPayload,
    PingMessage,
    Pong,
    PresenceMember,
    PresenceMessage,
    PresenceReply,
    PresenceReplyPayload,
)

handlers = HandlerRegistry()


@handlers.on(PingMessage)
async def ping(_message: PingMessage, _context: HandlerContext) -> Pong:
    return Pong()


@handlers.on(JoinMessage)
async def join(message: JoinMessage, context: HandlerContext) -> None:
    """The manager queues `joined` itself, between the messages recovered after `since` and
    the room's live ones (see `ConnectionManager.join`). Joining a room twice is harmless."""
    payload = message.payload
    since = None if payload.since is None else Position(payload.since.offset, payload.since.epoch)
    await context.rooms.join(context.connection_id, payload.room, since=since, ref=message.id)


@handlers.on(LeaveMessage)
async def leave(message: LeaveMessage, context: HandlerContext) -> Left:
    """Leaving is idempotent: leaving a room one is not in still answers `left`."""
    context.rooms.leave(context.connection_id, message.payload.room)
    return Left(payload=LeftPayload(room=message.payload.room))


@handlers.on(ChatMessage)
async def chat(message: ChatMessage, context: HandlerContext) -> None:
    """The published chat reaches the sender too; that echo is the sender's confirmation,
    even if it has left the room by the time the chat comes back.

    The `sender` is the client's authenticated identity when the service authenticates, and
    its connection id otherwise.

    Publishing raises `BackplaneUnavailableError` while the backplane is down, and
    `BackplaneBusyError` while too many messages are on their way: the sender gets the error
    and nobody gets the message. A message lost on its way later gets the sender an error
    after the fact, with the same `ref` (see `ConnectionManager.publish`).
    """
    room = message.payload.room
    _require_member(context, room, "chatting in it")
    identity = context.identity
    sender = context.connection_id if identity is None else identity.subject
    broadcast = ChatBroadcast(
        payload=ChatBroadcastPayload(room=room, text=message.payload.text, sender=sender)
    )
    context.rooms.publish(room, broadcast, sender=context.connection_id, ref=message.id)


@handlers.on(HistoryMessage)
async def history(message: HistoryMessage, context: HandlerContext) -> HistoryReply:
    """Members only, as every room's content is theirs alone."""
    room = message.payload.room
    _require_member(context, room, "asking for its history")
    recent = await context.rooms.history(room, message.payload.limit)
    position = recent.position
    payload = HistoryReplyPayload(
        room=room,
        epoch=position.epoch,
        offset=position.offset,
        messages=kept_messages(recent.messages, room),
    )
    return HistoryReply(payload=payload)


@handlers.on(PresenceMessage)
async def presence(message: PresenceMessage, context: HandlerContext) -> PresenceReply:
    """Members only; the count covers every instance, the list at most
    `PRESENCE_MAX_MEMBERS` of them."""
    room = message.payload.room
    _require_member(context, room, "asking who is in it")
    present = await context.rooms.presence(room)
    members = [
        PresenceMember(connection_id=member.connection_id, identity=member.identity)
        for member in present.members
    ]
    return PresenceReply(
        payload=PresenceReplyPayload(room=room, count=present.count, members=members)
    )


def _require_member(context: HandlerContext, room: str, doing: str) -> None:
    if not context.rooms.is_member(context.connection_id, room):
        raise ProtocolError(ErrorCode.NOT_IN_ROOM, f"join room {room!r} before {doing}")
