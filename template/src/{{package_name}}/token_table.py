"""Bearer secrets, each with its owner's name, looked up in constant time.

The HTTP API's keys (`API_KEYS`) are checked here, and so are static client tokens
(`AUTH_TOKENS`) where the service uses them.
"""

import hashlib
import hmac
from collections.abc import Mapping


class TokenTable:
    """Finds whose a presented secret is, in constant time.

    Each secret is compared as its SHA-256 digest, so every comparison is between equal
    lengths, and with `hmac.compare_digest`, against every known secret whether or not one
    has matched already. How long a refusal takes therefore says nothing about how much of a
    secret was right, nor about which secret came close.
    """

    __slots__ = ("_digests",)

    def __init__(self, secrets: Mapping[str, str]) -> None:
        """`secrets` maps each owner's name to its secret."""
        self._digests = tuple((_digest(secret), name) for name, secret in secrets.items())

    def __bool__(self) -> bool:
        return bool(self._digests)

    def owner_of(self, presented: str) -> str | None:
        """The name whose secret `presented` is, or None."""
        digest = _digest(presented)
        owner = None
        for known, name in self._digests:
            if hmac.compare_digest(digest, known):
                owner = name
        return owner


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
