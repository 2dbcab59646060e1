"""Inboxes: how a message reaches every connection of one identity, on every instance.

Beside its rooms, the backplane carries one route per identity that has a connection
somewhere: its inbox, named `@` followed by the identity. No room name may contain `@`
(`models.RoomName`), so no client can join an inbox, and the backplane carries both kinds of
route alike. An instance subscribes to the inbox of each identity it holds a connection of,
from before the connection's `welcome` until that identity's last connection here is gone.

An inbox remembers nothing: a user event reaches the connections open when it is delivered,
and is kept nowhere (at most once, as every message is across a backplane outage).
"""

MARK = "@"


def inbox_of(identity: str) -> str:
    """The route of `identity`'s inbox."""
    return MARK + identity


def owner_of(route: str) -> str | None:
    """The identity whose inbox `route` is, or None for a room."""
    return route[1:] if route.startswith(MARK) else None
