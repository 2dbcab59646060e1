"""Offsets, epochs, and catching a joining client up with what it missed.

With history on (`HISTORY_SIZE` > 0) the backplane *stamps* every remembered room message
(chats and events) as it publishes it: it gives the message the room's next offset and the
room's epoch, keeps it in the room's history, and delivers it, all in one step (one Redis
script, or one call in memory), so that offsets follow the one order every instance
delivers in. The stamp is two fields appended to the end of the payload,
`"offset":N,"epoch":"E"`: the message is serialized once, before the backplane, and the
stamp is spliced into the text, never re-encoded.

A room's history lives `HISTORY_TTL` seconds after its last message. When it is lost (it
expired, Redis restarted without persistence or evicted it) the next message starts a new
epoch at offset 1, so that a client holding an old position knows it cannot be caught up.

A join that asks for what it missed (`since`) is served in four steps, so that a busy room
loses and repeats nothing: the joiner's live messages are held back from the moment it is
registered; the room is subscribed; its history is read (`Recent`), once the backplane has
delivered everything up to the position read; and `catch_up` puts the history first and
the held-back messages after the position, dropping those the history already holds.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .codec import kept_message
from .models import ServerMessage

logger = logging.getLogger(__name__)

EPOCH = re.compile(r"[A-Za-z0-9_-]{1,64}")
STAMP = re.compile(r',"offset":(\d+),"epoch":"([A-Za-z0-9_-]+)"}}$')
STAMP_LENGTH = 128
"""How far from the end of a text a stamp is looked for: no stamp is longer (16 digits, a
64-character epoch and 23 characters of punctuation make 103)."""


@dataclass(frozen=True, slots=True)
class Retention:
    """What a backplane keeps of each room's messages."""

    size: int = 100
    """Messages kept per room; 0 keeps none, and stamps no offsets."""
    ttl: float = 300.0
    """Seconds a room's history lives after its last message."""

    @property
    def on(self) -> bool:
        return self.size > 0


class Position(NamedTuple):
    """A point in a room's history: an offset within an epoch. (A named tuple: one is made
    per delivered message, and a tuple is made several times faster than a dataclass.)"""

    offset: int
    epoch: str


@dataclass(frozen=True, slots=True)
class Recent:
    """A room's position, and messages of its history as a backplane read them."""

    position: Position
    """The room's latest message (offset 0 before its first)."""
    messages: tuple[str, ...] = ()
    """Stamped texts, oldest first."""
    complete: bool = True
    """Whether `messages` holds every message after the position asked about (False when the
    epoch changed or the oldest of them are no longer kept)."""


def stamp(text: str, offset: int, epoch: str) -> str:
    """`text` (an encoded room message, without `ref`) with `offset` and `epoch` appended to
    its payload, the last field of the message."""
    return f'{text[:-2]},"offset":{offset},"epoch":"{epoch}"}}}}'


def is_published_as(text: str, delivered: str) -> bool:
    """Whether `delivered` is `text` as the backplane delivers it: the same, or stamped."""
    if len(delivered) == len(text):
        return delivered == text
    cut = len(text) - 2
    return delivered.startswith(text[:cut]) and delivered.startswith(',"offset":', cut)


def position_of(text: str) -> Position | None:
    """The position stamped on `text`, or None for a message without one (a presence event)."""
    found = STAMP.search(text, max(len(text) - STAMP_LENGTH, 0))
    if found is None:
        return None
    return Position(int(found[1]), found[2])


def stamped_as_published(text: str, message: ServerMessage, retention: Retention) -> bool:
    """Whether `text`, which is `message`, carries a well-formed stamp exactly when a
    backplane with `retention` stamps such a message (a remembered one, with history on).

    A message delivered from outside the process with no stamp, or one that is not a stamp,
    must not reach a client as a room's message, nor set where the room's recovery starts.
    """
    return (position_of(text) is not None) == (message.remembered and retention.on)


def checked_history(room: str, reply: Sequence[Any]) -> Recent:
    """A history as a broker returned it (epoch, offset, complete, messages as bytes), with
    every message checked as a delivered one is.

    The broker's data comes from outside the process: a message that is not a chat or event
    of this room, exactly as encoded, stamped at its place in the epoch, is left out, and then the
    history is not complete (a recovering client must not be told nothing is missing).
    Raises `ValueError` when the reply itself is malformed (an epoch that is not one).
    """
    raw_epoch, raw_offset, complete, raw_messages = reply
    epoch = raw_epoch.decode()
    if not EPOCH.fullmatch(epoch):
        problem = f"not an epoch: {epoch[:70]!r}"
        raise ValueError(problem)
    position = Position(int(raw_offset), epoch)
    first = position.offset - len(raw_messages) + 1
    messages = []
    for number, raw in enumerate(raw_messages, start=first):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            continue
        if position_of(text) == (number, epoch) and kept_message(text, room) is not None:
            messages.append(text)
    if len(messages) < len(raw_messages):
        logger.warning(
            "history_message_rejected",
            extra={"channel": room, "rejected": len(raw_messages) - len(messages)},
        )
    intact = len(messages) == len(raw_messages)
    return Recent(position, tuple(messages), complete=bool(complete) and intact)


def catch_up(recent: Recent, held_back: Sequence[str]) -> list[str]:
    """What a joining client receives after `joined`: the messages of `recent`, then those held
    back while it joined that came after the position read.

    The room was subscribed before its history was read, and the history was read once the
    backplane had delivered up to the position read, so the held-back messages cover
    everything after it: whatever came before (a stamped message of the same epoch at or
    below the position, and anything delivered ahead of it) is already in `recent`, or older
    than what the client asked for.
    """
    start = 0
    for index, text in enumerate(held_back):
        position = position_of(text)
        if position is not None and _not_after(position, recent.position):
            start = index + 1
    return [*recent.messages, *held_back[start:]]


def _not_after(position: Position, reference: Position) -> bool:
    return position.epoch == reference.epoch and position.offset <= reference.offset
