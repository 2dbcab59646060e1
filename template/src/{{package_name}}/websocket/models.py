"""Every message of the protocol, in and out, as Pydantic models.

Client messages are strict (no type coercion, no unknown fields): a typo such as `"txt"` is
reported instead of silently ignored. Each client message is one member of the discriminated
union `ClientMessage`, keyed by `type`; adding a message type means adding a model here, a
handler in handlers.py and a test.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .errors import ErrorCode, NoticeCode

RoomName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class _ClientModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ServerModel(BaseModel):
    model_config = ConfigDict(frozen=True)


# ── Payloads ────────────────────────────────────────────────────────────────────────────────


class EmptyPayload(_ClientModel):
    """A payload with no fields (`{}`)."""


class RoomPayload(_ClientModel):
    """Names one room."""

    room: RoomName


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
    """Adds the connection to a room; answered by `joined`."""

    type: Literal["join"]
    payload: RoomPayload
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


ClientMessage = Annotated[
    PingMessage | JoinMessage | LeaveMessage | ChatMessage, Field(discriminator="type")
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


class WelcomePayload(_ServerModel):
    connection_id: str


class Welcome(ServerMessage):
    """Sent once, right after the connection is accepted."""

    type: Literal["welcome"] = "welcome"
    payload: WelcomePayload


class Pong(ServerMessage):
    type: Literal["pong"] = "pong"
    payload: EmptyPayload = EmptyPayload()


class RoomEvent(_ServerModel):
    room: str


class Joined(ServerMessage):
    type: Literal["joined"] = "joined"
    payload: RoomEvent


class Left(ServerMessage):
    type: Literal["left"] = "left"
    payload: RoomEvent


class ChatBroadcastPayload(_ServerModel):
    room: str
    text: str
    sender: str


class ChatBroadcast(ServerMessage):
    """A chat line as every member of the room receives it."""

    type: Literal["chat"] = "chat"
    payload: ChatBroadcastPayload


RoomMessage = ChatBroadcast
"""Every message that travels through a room (`publish`, the backplane, `deliver`). A new
kind of room message joins here, as a union discriminated by `type`."""


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
