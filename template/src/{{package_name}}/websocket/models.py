"""Every message of the protocol, in and out, as Pydantic models.

Client messages are strict (no type coercion, no unknown fields): a typo such as `"txt"` is
reported instead of silently ignored. Each client message is one member of the discriminated
union `ClientMessage`, keyed by `type`; adding a message type means adding a model here, a
handler in handlers.py and a test. Server messages follow; `event` is one only the backend
publishes (`publishing/`): no client can send it.
"""

from typing import Annotated, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from .errors import ErrorCode, NoticeCode

RoomName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Epoch = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
"""Names one generation of a room's history: a new epoch means the history before it is gone."""
Offset = Annotated[int, Field(ge=0, le=2**53 - 1)]
"""A room message's place in its room: 1 for the first of an epoch, +1 for each after it. The
bound is the largest integer every JSON parser (JavaScript's included) reads exactly."""
HistoryLimit = Annotated[int, Field(ge=1, le=10_000)]
"""Messages a `history` request may ask for; the service refuses more than `HISTORY_SIZE`."""
EventName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.:-]*$")
]
"""What happened, as the backend names it (`order.updated`, `build:finished`): a short name
that clients can switch on, never free text."""
EventData = dict[str, JsonValue]
"""An event's content: any JSON object (its size is bounded by `MAX_MESSAGE_BYTES`)."""
Subject = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
"""An identity, as the service's authentication names it (an AUTH_TOKENS name, a JWT `sub`)."""


# With `use_attribute_docstrings`, each field's docstring is its description in the JSON
# Schema, and so in the AsyncAPI document (contract/).
class _ClientModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class _ServerModel(BaseModel):
    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)


# ── Payloads ────────────────────────────────────────────────────────────────────────────────


class EmptyPayload(_ClientModel):
    """A payload with no fields (`{}`)."""


class RoomPayload(_ClientModel):
    """Names one room."""

    room: RoomName


class Since(_ClientModel):
    """The last room message a client received: where a recovering `join` resumes."""

    offset: Offset
    epoch: Epoch


class JoinPayload(_ClientModel):
    """A room to join and, to recover what was missed since, the last message received."""

    room: RoomName
    since: Since | None = None


class HistoryPayload(_ClientModel):
    """A room's most recent messages: at most `limit` of them."""

    room: RoomName
    limit: HistoryLimit


class ChatPayload(_ClientModel):
    """A chat line for one room."""

    room: RoomName
    text: ChatText


# ── Client → server ─────────────────────────────────────────────────────────────────────────


class PingMessage(_ClientModel):
    """Asks for a `pong`; lets a client measure round trips and check liveness."""

    type: Literal["ping"]
    payload: EmptyPayload = EmptyPayload()
    id: MessageId | None = None


class JoinMessage(_ClientModel):
    """Adds the connection to a room; answered by `joined`, followed by the messages missed
    since `since` when they could be recovered."""

    type: Literal["join"]
    payload: JoinPayload
    id: MessageId | None = None


class LeaveMessage(_ClientModel):
    """Removes the connection from a room (the connection stays open); answered by `left`."""

    type: Literal["leave"]
    payload: RoomPayload
    id: MessageId | None = None


class ChatMessage(_ClientModel):
    """Sends text to every member of a room the connection has joined, itself included."""

    type: Literal["chat"]
    payload: ChatPayload
    id: MessageId | None = None


class HistoryMessage(_ClientModel):
    """Asks for a room's most recent messages (members only); answered by `history`."""

    type: Literal["history"]
    payload: HistoryPayload
    id: MessageId | None = None


class PresenceMessage(_ClientModel):
    """Asks who is in a room, on every instance (members only); answered by `presence`."""

    type: Literal["presence"]
    payload: RoomPayload
    id: MessageId | None = None


ClientMessage = Annotated[
    PingMessage | JoinMessage | LeaveMessage | ChatMessage | HistoryMessage | PresenceMessage,
    Field(discriminator="type"),
]


# ── Server → client ─────────────────────────────────────────────────────────────────────────


class ServerMessage(_ServerModel):
    """Base of every server message; `ref` echoes the `id` of the frame a reply answers.

    `type` and `payload` are declared here, and narrowed by each subclass, so that every
    message serializes in the order type, payload, ref.
    """

    type: str
    payload: BaseModel
    ref: str | None = None
    remembered: ClassVar[bool] = False
    """Whether a room message of this type is kept in the room's history, with an offset."""


class WelcomePayload(_ServerModel):
    connection_id: str
    """This connection's name: the `sender` of its chats when the service does not
    authenticate, and its entry in `presence`."""
    identity: str | None = None
    """Who the credential proved, when the service authenticates: the `sender` of the
    connection's chats, by which a client recognises its own."""


class Welcome(ServerMessage):
    """Sent once, right after the connection is accepted."""

    type: Literal["welcome"] = "welcome"
    payload: WelcomePayload


class Pong(ServerMessage):
    type: Literal["pong"] = "pong"
    payload: EmptyPayload = EmptyPayload()


class LeftPayload(_ServerModel):
    room: str


class JoinedPayload(_ServerModel):
    room: str
    offset: int | None = None
    """The offset of the room's latest message (0 before its first): the messages that follow
    `joined` come after it. Absent when the service keeps no history (`HISTORY_SIZE=0`)."""
    epoch: str | None = None
    """The room's history generation; absent when the service keeps no history."""
    recovered: bool = False
    """Whether every message after the `since` of the `join` follows, in order: False without
    `since`, and when the messages were not all kept (the client must resynchronise)."""


class Joined(ServerMessage):
    type: Literal["joined"] = "joined"
    payload: JoinedPayload


class Left(ServerMessage):
    type: Literal["left"] = "left"
    payload: LeftPayload


class ChatBroadcastPayload(_ServerModel):
    room: str
    text: str
    sender: str
    offset: int | None = None
    """Set by the backplane as it keeps the message in the room's history (see history.py);
    absent when the service keeps no history."""
    epoch: str | None = None
    """Set with `offset`: the history generation the offset counts in."""


class ChatBroadcast(ServerMessage):
    """A chat line as every member of the room receives it."""

    type: Literal["chat"] = "chat"
    payload: ChatBroadcastPayload
    remembered: ClassVar[bool] = True


class RoomEventPayload(_ServerModel):
    model_config = ConfigDict(allow_inf_nan=False)

    room: str
    event: str
    data: EventData
    offset: int | None = None
    """Set by the backplane, as for a chat."""
    epoch: str | None = None


class RoomEvent(ServerMessage):
    """Something the backend published to a room (`Publisher.to_room`, the HTTP API, or
    another process): every member receives it, in the room's one order with its chats, and
    it is kept in the room's history like them."""

    type: Literal["event"] = "event"
    payload: RoomEventPayload
    remembered: ClassVar[bool] = True


class UserEventPayload(_ServerModel):
    model_config = ConfigDict(allow_inf_nan=False)

    user: str
    """The identity every one of whose connections receives the event."""
    event: str
    data: EventData


class UserEvent(ServerMessage):
    """Something the backend published to one identity (`Publisher.to_user`): every
    connection of that identity, on every instance, receives it; it belongs to no room, so
    it carries no offset and is kept in no history."""

    type: Literal["event"] = "event"
    payload: UserEventPayload


class PresenceChange(_ServerModel):
    room: str
    connection_id: str
    identity: str | None = None
    """The member's authenticated identity, when the service authenticates."""


class PresenceJoined(ServerMessage):
    """A connection joined the room (only with `PRESENCE_EVENTS`); never kept in history."""

    type: Literal["presence_joined"] = "presence_joined"
    payload: PresenceChange


class PresenceLeft(ServerMessage):
    """A connection left the room, or closed (only with `PRESENCE_EVENTS`)."""

    type: Literal["presence_left"] = "presence_left"
    payload: PresenceChange


RoomMessage = Annotated[
    ChatBroadcast | RoomEvent | PresenceJoined | PresenceLeft, Field(discriminator="type")
]
"""Every message that travels through a room (`publish`, the backplane, `deliver`). A new
kind of room message joins this union. Those that are `remembered` (chats and events) are
kept in history and carry offsets."""
KeptMessage = Annotated[ChatBroadcast | RoomEvent, Field(discriminator="type")]
"""A message of a room's history."""


class HistoryReplyPayload(_ServerModel):
    room: str
    epoch: str
    offset: int
    """The offset of the room's latest message (the last of `messages`, when there are any)."""
    messages: list[KeptMessage]
    """Oldest first, each exactly as it was delivered."""


class HistoryReply(ServerMessage):
    """The answer to `history`."""

    type: Literal["history"] = "history"
    payload: HistoryReplyPayload


class PresenceMember(_ServerModel):
    connection_id: str
    identity: str | None = None


class PresenceReplyPayload(_ServerModel):
    room: str
    count: int
    """How many connections are in the room, on every instance."""
    members: list[PresenceMember]
    """Who they are, at most `PRESENCE_MAX_MEMBERS` of them."""


class PresenceReply(ServerMessage):
    """The answer to `presence`."""

    type: Literal["presence"] = "presence"
    payload: PresenceReplyPayload


class ErrorPayload(_ServerModel):
    code: ErrorCode
    message: str


class Error(ServerMessage):
    """The answer to a frame the service refused; the connection stays open."""

    type: Literal["error"] = "error"
    payload: ErrorPayload


class NoticePayload(_ServerModel):
    code: NoticeCode
    room: str
    message: str


class Notice(ServerMessage):
    """News about a room that no frame asked for, such as a `backplane_gap`."""

    type: Literal["notice"] = "notice"
    payload: NoticePayload


def wire_type(model: type[BaseModel]) -> str:
    """The `type` a message model is written with on the wire (its `Literal`)."""
    (written,) = get_args(model.model_fields["type"].annotation)
    return str(written)
