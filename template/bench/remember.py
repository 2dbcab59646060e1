"""What remembering costs and what it buys: fan-out with history on and off, and the time a
reconnecting client takes to get the messages it missed.

A client that catches up sends `join` with `since`, and receives `joined` and then every
missed message; the time is taken from sending the `join` to the last missed message.
"""

import asyncio
import json
import statistics
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench import credential
from bench.servers import RunningServer

ROOM = "catch-up"
TIMEOUT = 30.0
HISTORY_OFF = {"history_size": "0"}
"""The settings that turn history (and offsets) off."""


async def catch_up_seconds(server: RunningServer, missed: int, trials: int) -> list[float]:
    """Seconds, for each trial, for a client that reconnects with `since` to receive
    `missed` messages sent while it was away."""
    durations = []
    async with _client(server) as speaker:
        await _request(speaker, {"type": "join", "payload": {"room": ROOM}})
        for _ in range(trials):
            async with _client(server) as away:
                joined = await _request(away, {"type": "join", "payload": {"room": ROOM}})
                since = {"offset": joined["payload"]["offset"], "epoch": joined["payload"]["epoch"]}
            for number in range(missed):
                await speaker.send(_chat(number))
            for _ in range(missed):
                await _receive(speaker)
            async with _client(server) as back:
                started = time.perf_counter()
                joined = await _request(
                    back, {"type": "join", "payload": {"room": ROOM, "since": since}}
                )
                for _ in range(missed):
                    await _receive(back)
                durations.append(time.perf_counter() - started)
                if not joined["payload"]["recovered"]:
                    message = f"the client was not caught up: {joined}"
                    raise RuntimeError(message)
    return durations


def summary(durations: list[float]) -> tuple[float, float]:
    """The median and the worst, in milliseconds."""
    return statistics.median(durations) * 1e3, max(durations) * 1e3


def _client(server: RunningServer) -> connect:
    return connect(server.url, additional_headers=credential.HEADERS, open_timeout=TIMEOUT)


def _chat(number: int) -> str:
    return json.dumps({"type": "chat", "payload": {"room": ROOM, "text": f"missed {number}"}})


async def _request(websocket: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await websocket.send(json.dumps(message))
    while True:
        reply = await _receive(websocket)
        if reply["type"] not in {"welcome", "chat"}:
            return reply


async def _receive(websocket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(websocket.recv(), TIMEOUT))
    return message
