"""A real Chromium for the browser tests, driven by Playwright, and a page that runs the
browser client (`/client.js`) for a test to drive and read.

Which Chromium: the one `BROWSER_EXECUTABLE` names; otherwise the build that
`playwright install chromium` downloads, when it is there; otherwise the system's (`chromium`,
`chromium-browser`, `google-chrome`). Without any, the browser tests fail under `CI` and are
skipped elsewhere, saying how to get one.
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Playwright, expect

from .clients import TIMEOUT

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_TIMEOUT_MS = 3 * TIMEOUT * 1000
"""How long one step in a page may take: a page's first load on a loaded machine is slow."""
expect.set_options(timeout=BROWSER_TIMEOUT_MS)
"""Assertions on a page wait as long as its steps may take (Playwright's own default is 5 s,
which the demo's five-second refresh of its members, on a loaded machine, can outlast)."""


def chromium_executable(playwright: Playwright) -> str:
    """The Chromium to launch; the test fails (under `CI`) or skips without one."""
    configured = os.environ.get("BROWSER_EXECUTABLE")
    if configured:
        return configured
    if Path(playwright.chromium.executable_path).is_file():
        return playwright.chromium.executable_path
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    reason = (
        "no Chromium to drive: install one (`apt-get install chromium`, or "
        "`uv run playwright install chromium`), or name it in BROWSER_EXECUTABLE"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


HARNESS = """
async (authenticates) => {
  const { ServiceClient } = await import("/client.js");
  const log = { received: [], states: [], closes: [], joins: [], errors: [], reasons: [] };
  const seen = new Set();
  const record = (message) => {
    if (message.type !== "chat" && message.type !== "event") return;
    const key = `${message.payload.epoch}:${message.payload.offset}`;
    if (message.payload.offset !== undefined && seen.has(key)) return;
    seen.add(key);
    log.received.push(message.payload);
  };
  const credential = async (reason) => {
    log.reasons.push(reason);
    return await window.credential(reason);
  };
  const client = new ServiceClient({
    initialDelay: 50,
    maxDelay: 500,
    requestTimeout: 60000, // a request may wait for a restarted service on a loaded machine
    credential: authenticates ? credential : undefined,
  });
  client.on("message", record);
  client.on("state", ({ state }) => log.states.push(state));
  client.on("disconnected", (close) => log.closes.push(close));
  client.on("joined", (joined) => log.joins.push(joined));
  client.on("error", ({ error }) => log.errors.push(error.code ?? error.message));
  // What an application does with a gap: it reloads what the room still keeps.
  client.on("gap", async ({ room }) => {
    for (const message of (await client.history(room, 100)).messages) record(message);
  });
  window.client = client;
  window.log = log;
  client.start();
}
"""
"""Starts a client in the page, recording what it receives (each room message once, as an
application keeps them), its states, closes, joins, errors and the credentials it asked for."""


async def evaluate(page: Page, script: str, argument: Any = None) -> Any:  # noqa: ANN401 - JSON
    """`page.evaluate`, failing the test when the promise it returns takes longer than a step
    may (Playwright would wait for it forever)."""
    async with asyncio.timeout(BROWSER_TIMEOUT_MS / 1000):
        return await page.evaluate(script, argument)


@asynccontextmanager
async def another_origin() -> AsyncIterator[str]:
    """A plain page served from another port of this machine: another origin, as another site
    is, on the same loopback address as the service (a page of a public address would be kept
    from loopback by the browser itself, and prove nothing about the service)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = b"<!doctype html><title>another site</title>"
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


class ClientPage:
    """A page of the service running the browser client, as an application would."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    async def open(
        cls,
        page: Page,
        base_url: str,
        credential: Callable[[str], str] | None = None,
    ) -> "ClientPage":
        """Load a page of the service at `base_url` and start a client in it; `credential`
        answers the client's requests for one (by reason) when the service authenticates."""
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        if credential is not None:
            await page.expose_function("credential", credential)
        await page.goto(f"{base_url}/client.js")  # any page of the service's own origin
        await page.evaluate(HARNESS, credential is not None)
        return cls(page)

    async def call(self, expression: str, *arguments: Any) -> Any:  # noqa: ANN401 - JSON from the page
        """Evaluate `expression`, a function of `client` and the arguments, in the page."""
        script = f"(args) => ({expression})(window.client, ...args)"
        return await evaluate(self.page, script, list(arguments))

    async def join(self, room: str) -> dict[str, Any]:
        joined: dict[str, Any] = await self.call("(client, room) => client.join(room)", room)
        return joined

    async def chat(self, room: str, text: str) -> dict[str, Any]:
        echo: dict[str, Any] = await self.call(
            "(client, room, text) => client.chat(room, text)", room, text
        )
        return echo

    async def log(self, name: str) -> list[Any]:
        """One of the harness's records: received, states, closes, joins, errors, reasons."""
        entries: list[Any] = await self.page.evaluate("(name) => window.log[name]", name)
        return entries

    async def texts(self, room: str) -> list[str]:
        """The chat texts received in `room`, in the order they came."""
        return [line["text"] for line in await self.log("received") if line["room"] == room]

    async def wait_for_texts(self, room: str, count: int) -> list[str]:
        """Wait until `count` chats of `room` have come; return their texts."""
        await self.page.wait_for_function(
            "([room, count]) => window.log.received.filter((m) => m.room === room).length >= count",
            arg=[room, count],
        )
        return await self.texts(room)

    async def wait_for_state(self, state: str) -> None:
        await self.page.wait_for_function("(state) => window.client.state === state", arg=state)

    async def wait_for_log(self, name: str, entry: Any) -> None:  # noqa: ANN401 - JSON
        """Wait until the page's log `name` holds `entry`."""
        await self.page.wait_for_function(
            "([name, entry]) => window.log[name].some((each) => JSON.stringify(each) === "
            "JSON.stringify(entry))",
            arg=[name, entry],
        )

    async def wait_for_close(self, code: int) -> None:
        """Wait until a connection of the client's has ended with `code`."""
        await self.page.wait_for_function(
            "(code) => window.log.closes.some((close) => close.code === code)", arg=code
        )
