"""Room patterns: the rooms a credential grants, written as names or as `prefix:*`.

A pattern is a room name (`lobby`, `team-42:general`), or a fixed prefix that ends with `:`
followed by `*` (`team-42:*`), which matches one more name segment: `team-42:general` and
`team-42:ops`, but neither `team-42:` nor `team-42:ops:private` nor `team-420:general`. A bare
`*` has the empty prefix: it matches every name of one segment (`lobby`), and no name with a
`:` in it, so granting a namespace is always spelled out.

Nothing else is a pattern: `*` inside a segment (`team-*`), before the last segment
(`*:general`) or twice is refused, as are characters a room name cannot hold and patterns
longer than a room name. Patterns come from a credential's issuer or from the settings; a
malformed one is a mistake there, refused loudly rather than guessed at.

Matching never runs a regular expression built from a pattern: a name is looked up in a set
of exact names and its prefix (everything up to its last `:`) in a set of prefixes, so it
costs the same for one pattern as for a thousand.
"""

import re
from collections.abc import Iterable

WILDCARD = "*"
SEPARATOR = ":"
MAX_PATTERN_LENGTH = 64
"""The longest room name (`models.RoomName`): a longer pattern could match nothing."""
MAX_PATTERNS = 1000
"""More patterns than a credential should carry; a token cannot grow without bound."""

_NAME = re.compile(r"[A-Za-z0-9_.:-]+")
"""A room name's characters (`models.RoomName`)."""
_PREFIX = re.compile(r"(?:[A-Za-z0-9_.:-]*:)?")
"""What may stand before `*`: nothing, or a run of name characters that ends a segment."""


class InvalidPatternError(ValueError):
    """A pattern is not a room name nor `prefix:*`; the message says which and why."""


class RoomPatterns:
    """A set of room patterns, checked once when made and matched in constant time."""

    __slots__ = ("_names", "_prefixes")

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        """Raises `InvalidPatternError` for any pattern that is not one (module docstring)."""
        names: set[str] = set()
        prefixes: set[str] = set()
        for count, pattern in enumerate(patterns, start=1):
            if count > MAX_PATTERNS:
                problem = f"more than {MAX_PATTERNS} room patterns"
                raise InvalidPatternError(problem)
            _check(pattern)
            if pattern.endswith(WILDCARD):
                prefixes.add(pattern.removesuffix(WILDCARD))
            else:
                names.add(pattern)
        self._names = frozenset(names)
        self._prefixes = frozenset(prefixes)

    @classmethod
    def parse(cls, value: object) -> "RoomPatterns":
        """The patterns of a JSON value (a credential's claim, a setting): a list of strings.
        Raises `InvalidPatternError` for anything else."""
        if not isinstance(value, list | tuple):
            problem = "room patterns must be a list of strings"
            raise InvalidPatternError(problem)
        if not all(isinstance(pattern, str) for pattern in value):
            problem = "every room pattern must be a string"
            raise InvalidPatternError(problem)
        return cls(value)

    def allows(self, room: str) -> bool:
        """Whether `room`, a valid room name, matches one of the patterns."""
        if room in self._names:
            return True
        prefix_end = room.rfind(SEPARATOR) + 1
        return prefix_end < len(room) and room[:prefix_end] in self._prefixes

    def __bool__(self) -> bool:
        return bool(self._names or self._prefixes)

    def __repr__(self) -> str:
        patterns = sorted(self._names) + sorted(prefix + WILDCARD for prefix in self._prefixes)
        return f"RoomPatterns({patterns!r})"


def _check(pattern: str) -> None:
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        problem = f"room pattern {pattern[:80]!r} must be 1 to {MAX_PATTERN_LENGTH} characters"
        raise InvalidPatternError(problem)
    if WILDCARD not in pattern:
        if not _NAME.fullmatch(pattern):
            problem = f"room pattern {pattern!r} may hold only A-Z a-z 0-9 _ . : - and a final *"
            raise InvalidPatternError(problem)
        return
    prefix = pattern.removesuffix(WILDCARD)
    if WILDCARD in prefix or not _PREFIX.fullmatch(prefix):
        problem = (
            f"room pattern {pattern!r}: * stands alone as the last segment, after a prefix "
            "ending with ':' (as in 'team-42:*') or as the whole pattern"
        )
        raise InvalidPatternError(problem)
