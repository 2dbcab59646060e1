"""One function per client message type, registered by its model.

A handler returns its direct reply (the dispatcher adds `ref`) or None, and raises
`ProtocolError` to refuse a message. It changes room membership and publishes to rooms only
through `context.rooms`.
"""

from .dispatch import HandlerContext, HandlerRegistry
from .errors import ErrorCode, ProtocolError
from .models import (
    ChatBroadcast,
    ChatBroadcastPayload,
    ChatMessage,
    Joined,
    JoinMessage,
    LeaveMessage,
    Left,
    PingMessage,
    Pong,
    RoomEvent,
)

handlers = HandlerRegistry()


@handlers.on(PingMessage)
async def ping(_message: PingMessage, _context: HandlerContext) -> Pong:
    return Pong()


@handlers.on(JoinMessage)
async def join(message: JoinMessage, context: HandlerContext) -> Joined:
    """Joining a room twice is harmless and answered the same way."""
    await context.rooms.join(context.connection_id, message.payload.room)
    return Joined(payload=RoomEvent(room=message.payload.room))


@handlers.on(LeaveMessage)
async def leave(message: LeaveMessage, context: HandlerContext) -> Left:
    """Leaving is idempotent: leaving a room one is not in still answers `left`."""
    context.rooms.leave(context.connection_id, message.payload.room)
    return Left(payload=RoomEvent(room=message.payload.room))


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
    if not context.rooms.is_member(context.connection_id, room):
        raise ProtocolError(ErrorCode.NOT_IN_ROOM, f"join room {room!r} before chatting in it")
    identity = context.identity
    sender = context.connection_id if identity is None else identity.subject
    broadcast = ChatBroadcast(
        payload=ChatBroadcastPayload(room=room, text=message.payload.text, sender=sender)
    )
    context.rooms.publish(room, broadcast, sender=context.connection_id, ref=message.id)
