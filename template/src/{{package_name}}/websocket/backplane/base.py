"""The seam between the connection manager and the way room messages travel.

A room message is published to the backplane, never straight to the room's members. The
backplane hands it back, to the listener of every instance with members in that room, in
one order that all instances share; each listener then fans it out to its local members.
An identity's inbox (`inboxes.py`) is carried the same way, as one more route beside the
rooms: wherever this seam says "room", an inbox route may stand.
The backplane also keeps what rooms remember, since it alone sees every instance's
messages and members: each room's history, with offsets (`history.py`), and its presence
(`presence.py`). Handlers and the manager see only these two protocols, never which
backplane runs.
"""

import asyncio
from collections.abc import Collection
from typing import Protocol

from ..history import Position, Recent, Retention
from ..presence import Member, Presence


class BackplaneListener(Protocol):
    """What a backplane delivers to: the connection manager of one instance."""

    def deliver(self, room: str, message: str) -> None:
        """Fan out one encoded message to this instance's members of `room`."""

    def linked(self) -> None:
        """The link to the other instances is up: at start, and again after each outage."""

    def interrupted(self) -> None:
        """The link to the other instances is lost: messages published and not yet delivered
        back will not be."""

    def resumed(self, rooms: Collection[str]) -> None:
        """After an outage, tell the members of `rooms` that messages may have been missed
        (those the backplane could not recover from their history)."""


class Backplane(Protocol):
    """Routes each room message to every instance that has members in the room."""

    retention: Retention
    """What the backplane keeps of each room's messages."""

    @property
    def available(self) -> bool:
        """Whether a message published now would reach every instance."""

    async def start(self, listener: BackplaneListener) -> None:
        """Begin delivering to `listener`; returns without waiting out an unreachable broker."""

    async def stop(self) -> None:
        """Stop delivering and release every connection the backplane holds."""

    async def subscribe(self, room: str) -> None:
        """Receive `room`'s messages from now on.

        Returns once messages published afterwards are certain to be delivered, or at once
        while the broker is unreachable (the `resumed` notice then covers the room).
        Idempotent: a room already subscribed returns at once.
        """

    def unsubscribe(self, room: str) -> None:
        """Stop receiving `room`'s messages (its last local member left)."""

    def subscribed(self, room: str) -> bool:
        """Whether a message published to `room` now is certain to be delivered back here."""

    def publish(
        self, room: str, message: str, *, remember: bool
    ) -> asyncio.Future[Position | None]:
        """Send an encoded message to the room on every instance, without waiting.

        With `remember` and history on, the message is stamped with the room's next offset
        and kept in its history in the same step (`history.stamp`); the future then gives
        the position it was stamped with (None for a message not remembered).

        Raises `BackplaneUnavailableError` at once when the backplane is known to be down.
        Otherwise the message is on its way, behind every message published before it, and
        is delivered back to this instance's listener, in that order, unless the link is
        lost first (`interrupted`). The future completes once the broker has it, or fails
        with `BackplaneUnavailableError` (the broker never got it) or
        `DeliveryUnconfirmedError` (it may have). Not waiting lets one sender's messages share
        round trips to the broker.
        """

    async def catch_up(self, room: str, since: Position | None) -> Recent:
        """The position of a subscribed room and, given `since`, the messages after it.

        Returns once every message up to the position returned has been delivered to the
        listener, so that those delivered afterwards come after it (see `history.catch_up`).
        Raises `BackplaneUnavailableError` when the history cannot be read.
        """

    async def history(self, room: str, limit: int) -> Recent:
        """The room's position and its `limit` latest messages, oldest first."""

    async def enter(self, room: str, member: Member) -> None:
        """Count `member` in the room's presence, on every instance."""

    def depart(self, room: str, connection_id: str) -> None:
        """Take a member out of the room's presence (without waiting for the broker)."""

    async def presence(self, room: str, limit: int) -> Presence:
        """The room's members on every instance: the exact count, and at most `limit` of them."""
