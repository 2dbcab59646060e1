"""Events the backend publishes, checked and built in one place whoever publishes them.

The in-process `Publisher`, the HTTP API and the emitter of other processes all build their
messages here, so a room receives one wire format however an event came in. What arrives is
checked as strictly as a client's frame: the room is a room name, the event an event name,
the data a JSON object (no NaN, no bytes, no tuples, no lone surrogates, nested at most
`MAX_DATA_DEPTH` levels), and the message as clients receive it fits `MAX_MESSAGE_BYTES`:
whatever is published is what every instance's delivery check, and every client, reads back.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticSerializationError

from ..websocket.codec import encode
from ..websocket.models import (
    EventData,
    EventName,
    RoomEvent,
    RoomEventPayload,
    RoomName,
    ServerMessage,
    Subject,
    UserEvent,
    UserEventPayload,
)

MAX_DATA_DEPTH = 64
"""How deep an event's data may nest. Far beyond what real data needs, and well within what
the JSON parser that checks every delivered message reads (about 200 levels, the whole
message included): an event it refused would be given an offset and then reach nobody."""


class InvalidEventError(ValueError):
    """An event that cannot be published; the message names the field and what is wrong."""


class EventTooLargeError(InvalidEventError):
    """An event larger, as clients would receive it, than `MAX_MESSAGE_BYTES`."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a published event was given."""

    offset: int | None = None
    """Its place in the room, as every member sees it; None for an event to a user, or when
    the service keeps no history (`HISTORY_SIZE=0`)."""
    epoch: str | None = None
    """The room's history generation the offset counts in."""


class _Checked(BaseModel):
    """What every event has, checked strictly."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    event: EventName
    data: EventData

    @classmethod
    def of(cls, data: object, **names: str) -> Self:
        if not isinstance(data, Mapping):
            problem = "data: must be a JSON object (a mapping of strings to JSON values)"
            raise InvalidEventError(problem)
        try:
            fields = cls.model_validate({**names, "data": dict(data)})
        except ValidationError as error:
            detail = error.errors(include_url=False, include_input=False)[0]
            field = ".".join(str(part) for part in detail["loc"])
            problem = f"{field}: {detail['msg']}"
            raise InvalidEventError(problem) from None
        unreadable = _unreadable(fields.data, "data", 1)
        if unreadable is not None:
            raise InvalidEventError(unreadable)
        return fields


class _ToRoom(_Checked):
    room: RoomName


class _ToUser(_Checked):
    user: Subject


def room_event(room: str, event: str, data: Mapping[str, Any], *, limit: int) -> RoomEvent:
    """The message that carries `event` to `room`; `InvalidEventError` if it cannot be sent
    (`limit` is `MAX_MESSAGE_BYTES`)."""
    fields = _ToRoom.of(data, room=room, event=event)
    message = RoomEvent(
        payload=RoomEventPayload(room=fields.room, event=fields.event, data=fields.data)
    )
    _check_size(message, limit)
    return message


def user_event(identity: str, event: str, data: Mapping[str, Any], *, limit: int) -> UserEvent:
    """The message that carries `event` to every connection of `identity`;
    `InvalidEventError` if it cannot be sent (`limit` is `MAX_MESSAGE_BYTES`)."""
    fields = _ToUser.of(data, user=identity, event=event)
    message = UserEvent(
        payload=UserEventPayload(user=fields.user, event=fields.event, data=fields.data)
    )
    _check_size(message, limit)
    return message


def _unreadable(value: object, where: str, depth: int) -> str | None:
    """What in `value` (at `where`, `depth` levels deep) a JSON reader could not read back
    as it was sent, or None."""
    if isinstance(value, str):
        return None if _is_text(value) else f"{where}: a lone surrogate is not text"
    if not isinstance(value, dict | list):
        return None
    if depth > MAX_DATA_DEPTH:
        return f"{where}: nested more than {MAX_DATA_DEPTH} levels deep"
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str) and not _is_text(key):
            return f"{where}: a key with a lone surrogate is not text"
        problem = _unreadable(item, f"{where}.{key}", depth + 1)
        if problem is not None:
            return problem
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _check_size(message: ServerMessage, limit: int) -> None:
    try:
        size = len(encode(message).encode())
    except PydanticSerializationError as error:  # what `_unreadable` let through: a bug
        problem = f"data: cannot be written as JSON ({error})"
        raise InvalidEventError(problem) from None
    if size > limit:
        problem = (
            f"data: the event would be {size} bytes as clients receive it, more than "
            f"MAX_MESSAGE_BYTES ({limit})"
        )
        raise EventTooLargeError(problem)
