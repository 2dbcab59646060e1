"""The Origin check a WebSocket handshake must pass before it is accepted.

Browsers send `Origin` with every WebSocket handshake and let any page open a WebSocket to
any host; CORS does not apply. Without this check, a page on another site could open a
connection with the user's cookies (cross-site WebSocket hijacking). Clients that are not
browsers send no `Origin` and are not affected.
"""

from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host: str | None, allowed: frozenset[str]) -> bool:
    """Whether a handshake with this `Origin` (and `Host`) header may go on.

    No `Origin` (not a browser) passes. `*` in `allowed` lets every origin through. With an
    allowlist, the origin must be in it (scheme, host and port, as the browser sends it); with
    none, the origin must be the service's own: its host and port those of the `Host` header.
    """
    if origin is None or "*" in allowed:
        return True
    if allowed:
        return origin.lower().rstrip("/") in allowed
    return host is not None and urlsplit(origin).netloc.lower() == host.lower()
