"""validate → dispatch → respond, for one text frame.

Handlers are registered by message model and receive a typed message plus a small context:
the connection's id, its authenticated identity and the manager's room operations. They
never see a socket, so they are tested as plain async functions.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from ..identity import Identity
from ..metrics import NO_METRICS, Metrics
from ..metrics.counters import INVALID
from ..permissions import RoomPermissions
from .codec import decode, error_message, frame_id
from .errors import ErrorCode, ProtocolError
from .history import Position, Recent
from .models import ServerMessage, wire_type
from .presence import Presence

logger = logging.getLogger(__name__)


class Rooms(Protocol):
    """The part of the connection manager a handler may use."""

    async def join(
        self,
        connection_id: str,
        room: str,
        *,
        since: Position | None = None,
        ref: str | None = None,
    ) -> None: ...
    def leave(self, connection_id: str, room: str) -> None: ...
    def is_member(self, connection_id: str, room: str) -> bool: ...
    def rooms_of(self, connection_id: str) -> frozenset[str]: ...
    async def history(self, room: str, limit: int) -> Recent: ...
    async def presence(self, room: str) -> Presence: ...
    def publish(
        self,
        room: str,
        message: ServerMessage,
        *,
        sender: str | None = None,
        ref: str | None = None,
    ) -> asyncio.Future[Position | None]: ...


class CredentialRenewal(Protocol):
    """Renews a connection's credential in band (`auth/renewal.py`)."""

    async def renew(self, credential: str) -> Identity:
        """The identity `credential` proves, now the connection's, its expiry moved to the
        credential's; raises `ProtocolError` and changes nothing if it is refused."""
        ...


@dataclass(slots=True)
class HandlerContext:
    """What a handler knows about the connection whose frame it handles."""

    connection_id: str
    rooms: Rooms
    permissions: RoomPermissions
    """The room policy: who may join which room (`permissions.py`)."""
    identity: Identity | None = None
    """Who the client is, when the service authenticates; None when it does not. A `refresh`
    replaces it with what the new credential proves (same subject, new expiry and rooms)."""
    renewal: CredentialRenewal | None = None
    """How `refresh` renews the credential, where credentials expire; None elsewhere."""
    metrics: Metrics = NO_METRICS
    """Where the frame is counted, by its message type."""


Reply = Awaitable[ServerMessage | None]
Handler = Callable[[Any, HandlerContext], Reply]
HandlerT = TypeVar("HandlerT", bound=Handler)


class HandlerRegistry:
    """Maps each client message model to the one function that handles it."""

    def __init__(self) -> None:
        self._handlers: dict[type[BaseModel], Handler] = {}

    def on(self, message_type: type[BaseModel]) -> Callable[[HandlerT], HandlerT]:
        """Register the decorated function as the handler of `message_type`."""

        def register(handler: HandlerT) -> HandlerT:
            if message_type in self._handlers:
                problem = f"{message_type.__name__} already has a handler"
                raise ValueError(problem)
            self._handlers[message_type] = handler
            return handler

        return register

    @property
    def message_types(self) -> frozenset[type[BaseModel]]:
        """Every message model that has a handler."""
        return frozenset(self._handlers)

    @property
    def wire_types(self) -> frozenset[str]:
        """The `type` of every message that has a handler, as clients write it."""
        return frozenset(wire_type(model) for model in self._handlers)

    async def respond(self, text: str, context: HandlerContext) -> ServerMessage | None:
        """Handle one text frame; return the direct reply, if any, with `ref` set.

        A refused frame yields an `error` reply, and so does a handler that fails with an
        unexpected exception (logged with its traceback); the connection goes on either way.
        """
        try:
            message = decode(text)
        except ProtocolError as error:
            context.metrics.received(INVALID)
            return error_message(error.code, error.message, frame_id(text))
        context.metrics.received(message.type)
        handler = self._handlers.get(type(message))
        if handler is None:  # a model added to the union without a handler
            problem = f"no handler for {message.type!r}"
            return error_message(ErrorCode.UNKNOWN_TYPE, problem, message.id)
        try:
            reply = await handler(message, context)
        except ProtocolError as error:
            return error_message(error.code, error.message, message.id)
        except Exception:
            # A bug in one handler must not cost the client its connection and rooms.
            logger.exception(
                "handler_failed",
                extra={"connection_id": context.connection_id, "message_type": message.type},
            )
            return error_message(ErrorCode.INTERNAL_ERROR, "internal error", message.id)
        if reply is None or message.id is None:
            return reply
        return reply.model_copy(update={"ref": message.id})
