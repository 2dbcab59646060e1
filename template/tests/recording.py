"""Stand-in sockets that record what a connection writes to them."""

import asyncio
import json
from typing import Any


class RecordingSocket:
    """Satisfies the `ClientSocket` protocol and keeps every frame and the close."""

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


class StalledSocket(RecordingSocket):
    """A client that stopped reading: every write, the close frame's included, waits forever
    (as a write waits on a full TCP window)."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def send_text(self, data: str) -> None:
        self.attempts += 1
        await asyncio.Event().wait()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await asyncio.Event().wait()


async def settle() -> None:
    """Let every ready task run until none is left to wake (writers drain their queues)."""
    for _ in range(20):
        await asyncio.sleep(0)


class RecordingTransport:
    """A lent transport (`ServerTransport`) that keeps every write; `pause()` makes it push
    back, as a real transport does when the client's TCP window is full."""

    raw_frames = True

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.drops: list[float] = []
        self._resumed = asyncio.Event()
        self._resumed.set()

    def pause(self) -> None:
        self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()

    def open(self) -> bool:
        return True

    def ready(self) -> bool:
        return self._resumed.is_set()

    async def wait_ready(self) -> None:
        await self._resumed.wait()

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def drop_after(self, delay: float) -> None:
        self.drops.append(delay)
