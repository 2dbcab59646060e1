"""Text frames to client messages and server messages to text frames.

Parsing runs Pydantic's JSON validation directly on the raw text (no `json.loads` first): one
pass in Rust that also bounds nesting depth and number size, so hostile JSON becomes an error
reply rather than a crash. Nothing here touches a socket.
"""

import logging
from collections.abc import Iterable
from typing import Final

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from .errors import ErrorCode, ProtocolError
from .inboxes import owner_of
from .models import (
    ChatBroadcast,
    ClientMessage,
    Error,
    ErrorPayload,
    KeptMessage,
    MessageId,
    RoomEvent,
    RoomMessage,
    ServerMessage,
    UserEvent,
)

_client_messages: Final = TypeAdapter[ClientMessage](ClientMessage)
_room_messages: Final = TypeAdapter[RoomMessage](RoomMessage)

logger = logging.getLogger(__name__)


class _FrameId(BaseModel):
    """Only the `id` of a frame, read when the full message was refused, to set `ref`."""

    model_config = ConfigDict(extra="ignore")
    id: MessageId | None = None


def decode(text: str) -> ClientMessage:
    """Parse one text frame, or raise `ProtocolError` saying what is wrong with it."""
    try:
        return _client_messages.validate_json(text)
    except ValidationError as error:
        raise _protocol_error(error.errors(include_url=False, include_input=False)[0]) from None


def frame_id(text: str) -> str | None:
    """The valid `id` of a refused frame, if it has one."""
    try:
        return _FrameId.model_validate_json(text).id
    except ValidationError:
        return None


def encode(message: ServerMessage) -> str:
    """Serialize a server message; `ref` is left out unless it is set."""
    return message.model_dump_json(exclude_none=True)


def routed_message(text: str, route: str) -> RoomMessage | UserEvent | None:
    """`text` as a message for `route` (a room, or an identity's inbox: `inboxes.py`), if it
    is one exactly as `encode` writes it (stamped or not); None otherwise.

    What a backplane delivers comes from outside the process (anyone who can reach Redis can
    publish to a room's channel), so it is checked before any client sees it: it must parse
    as a message of its route's kind for this very room or identity, carry no `ref` (which
    would pass for the answer to a client's own frame) and serialize back to the very same
    text, so that no unknown field, other spelling or stray value reaches a client. One check
    per message, not per recipient. (Who may publish at all is Redis's to decide: its ACLs
    and network.)
    """
    owner = owner_of(route)
    if owner is None:
        return room_message(text, route)
    try:
        message = UserEvent.model_validate_json(text)
    except ValidationError:
        return None
    return message if message.payload.user == owner and _exactly(message, text) else None


def room_message(text: str, room: str) -> RoomMessage | None:
    """`text` as a message for `room`, if it is one exactly as `encode` writes it (see
    `routed_message`); None otherwise."""
    try:
        message = _room_messages.validate_json(text)
    except ValidationError:
        return None
    return message if message.payload.room == room and _exactly(message, text) else None


def _exactly(message: ServerMessage, text: str) -> bool:
    return message.ref is None and encode(message) == text


def kept_message(text: str, room: str) -> KeptMessage | None:
    """`text` as a message of `room`'s history: a remembered room message (a chat or an
    event) exactly as encoded, and stamped with an offset; None otherwise."""
    message = room_message(text, room)
    if isinstance(message, ChatBroadcast | RoomEvent) and message.payload.offset is not None:
        return message
    return None


def kept_messages(texts: Iterable[str], room: str) -> list[KeptMessage]:
    """The messages of `room`'s history, as models.

    They come from the backplane, so they are checked as delivered messages are: one that is
    not a stamped message of this room, exactly as encoded, is left out and logged.
    """
    kept = []
    for text in texts:
        message = kept_message(text, room)
        if message is None:
            logger.warning("history_message_rejected", extra={"room": room, "bytes": len(text)})
        else:
            kept.append(message)
    return kept


def error_message(code: ErrorCode, message: str, ref: str | None = None) -> Error:
    """Build the `error` reply for a refused frame."""
    return Error(payload=ErrorPayload(code=code, message=message), ref=ref)


def _protocol_error(detail: ErrorDetails) -> ProtocolError:
    kind = detail["type"]
    if kind == "json_invalid":
        reason = detail.get("ctx", {}).get("error", "malformed JSON")
        return ProtocolError(ErrorCode.INVALID_JSON, f"invalid JSON: {reason}")
    if kind == "dict_type":
        return ProtocolError(ErrorCode.INVALID_MESSAGE, "a frame must be a JSON object")
    if kind == "union_tag_not_found":
        return ProtocolError(ErrorCode.INVALID_MESSAGE, "type: field required")
    if kind == "union_tag_invalid":
        expected = detail.get("ctx", {}).get("expected_tags", "")
        return ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type; expected {expected}")
    # The first element of loc is the union tag (the message type); the rest is the field.
    field = ".".join(str(part) for part in detail["loc"][1:]) or "message"
    return ProtocolError(ErrorCode.INVALID_MESSAGE, f"{field}: {detail['msg']}")
