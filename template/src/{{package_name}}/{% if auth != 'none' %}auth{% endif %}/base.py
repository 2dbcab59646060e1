"""What every authenticator offers, and how it refuses."""

from typing import Protocol

from ..identity import Identity


class InvalidCredentialsError(Exception):
    """The handshake's credential is refused. The message says why, for the log; it never
    contains the credential."""


class Authenticator(Protocol):
    async def authenticate(self, credential: str) -> Identity:
        """The identity `credential` proves; raises `InvalidCredentialsError` otherwise.
        Asynchronous because checking may need the network (a key set to fetch)."""
        ...
