"""The named option sets every check of a generated project runs over.

Each set is a group of answers given to `copier copy`, plus the values Copier should derive
from them. A feature that adds a question adds the sets that exercise it here.
"""

from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class OptionSet:
    name: str
    answers: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    """Answers left to their defaults, with the value the defaults must produce."""
    resolution: str = "highest"
    """How uv picks the dependencies' versions: `highest`, or `lowest-direct` to hold the
    generated project's declared floors to its own suite."""

    @property
    def python_version(self) -> str:
        return self.answers.get("python_version", "3.11")

    @property
    def package_name(self) -> str:
        return self.answers.get("package_name") or self.derived["package_name"]

    @property
    def ci(self) -> str:
        return self.answers.get("ci", "github")

    @property
    def backplane(self) -> str:
        return self.answers.get("backplane", "memory")

    @property
    def auth(self) -> str:
        return self.answers.get("auth", "none")

    @property
    def demo(self) -> bool:
        return self.answers.get("demo", "true") == "true"


OPTION_SETS = (
    OptionSet(
        "defaults",
        derived={
            "project_slug": "realtime-service",
            "package_name": "realtime_service",
            "env_prefix": "REALTIME_SERVICE_",
        },
    ),
    OptionSet(
        "py311-no-ci",
        answers={"project_name": "Lobby", "python_version": "3.11", "ci": "none", "demo": "false"},
        derived={"project_slug": "lobby", "package_name": "lobby", "env_prefix": "LOBBY_"},
    ),
    OptionSet(
        "py313-proprietary",
        answers={"project_name": "Live Board", "python_version": "3.13", "license": "proprietary"},
        derived={"project_slug": "live-board", "package_name": "live_board"},
    ),
    OptionSet(
        "unicode-name",
        answers={
            "project_name": "Ünïcode Café Chat Ωmega",
            "python_version": "3.12",
            "license": "Apache-2.0",
        },
        derived={
            "project_slug": "unicode-cafe-chat-mega",
            "package_name": "unicode_cafe_chat_mega",
            "env_prefix": "UNICODE_CAFE_CHAT_MEGA_",
        },
    ),
    OptionSet(
        "custom-names",
        answers={
            "project_name": "Trading Floor",
            "project_slug": "trading-floor-feed",
            "package_name": "floor_feed",
            "env_prefix": "FEED_",
            "author_name": "Floor Team",
            "author_email": "floor@example.org",
        },
    ),
    OptionSet(
        "redis-py311",
        answers={"project_name": "Room Relay", "python_version": "3.11", "backplane": "redis"},
        derived={"project_slug": "room-relay", "package_name": "room_relay"},
    ),
    OptionSet(
        "redis-py313",
        answers={
            "project_name": "Pit Wall",
            "python_version": "3.13",
            "backplane": "redis",
            "package_name": "pit_wall_live",
            "env_prefix": "PIT_",
            "ci": "none",
        },
        derived={"project_slug": "pit-wall"},
    ),
    OptionSet(
        "auth-token-py312",
        answers={"project_name": "Team Desk", "python_version": "3.12", "auth": "token"},
        derived={
            "project_slug": "team-desk",
            "package_name": "team_desk",
            "env_prefix": "TEAM_DESK_",
        },
    ),
    OptionSet(
        "auth-jwt-redis",
        answers={
            "project_name": "Signal Hub",
            "python_version": "3.11",
            "backplane": "redis",
            "auth": "jwt",
            "env_prefix": "HUB_",
        },
        derived={"project_slug": "signal-hub", "package_name": "signal_hub"},
    ),
    OptionSet(
        "floors-jwt-redis",
        answers={
            "project_name": "Floor Check",
            "python_version": "3.11",
            "backplane": "redis",
            "auth": "jwt",
        },
        derived={"project_slug": "floor-check", "package_name": "floor_check"},
        resolution="lowest-direct",
    ),
)


BROWSER_SETS = ("defaults", "auth-jwt-redis", "floors-jwt-redis")
"""The option sets whose generated suites include the real-browser tests (the others leave
them out with `-m 'not browser'`): the defaults, and redis with JWTs on the newest versions
and on the declared floors."""


def option_set_params(*names: str) -> list[object]:
    """Option sets (all, or those named) as pytest parameters, each pinned to one xdist worker
    so that a generated project and its environment are built once and reused by every check
    of that set."""
    return [
        pytest.param(option_set, id=option_set.name, marks=pytest.mark.xdist_group(option_set.name))
        for option_set in OPTION_SETS
        if not names or option_set.name in names
    ]


def by_name(name: str) -> OptionSet:
    return next(option_set for option_set in OPTION_SETS if option_set.name == name)
