"""A stand-in socket that records what the manager writes to it."""

import json
from typing import Any


class RecordingSocket:
    """Satisfies the manager's `ClientSocket` protocol and keeps every frame and the close."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str | None] | None = None

    async def send_text(self, data: str) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = (code, reason)

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.sent]


class BrokenSocket(RecordingSocket):
    """A socket whose client has gone: every write fails."""

    async def send_text(self, data: str) -> None:
        raise RuntimeError("the client has gone")
