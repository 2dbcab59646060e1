"""Publishing over HTTP: from a `POST` to the last of a room's subscribers receiving the event.

`subscribers` clients join one room. `connections` HTTP/1.1 keep-alive connections each
`POST /api/rooms/{room}/events` one event at a time, as fast as the server answers, for
`duration` seconds (after `warmup`). Each event's data carries its number, and every
subscriber reports what it receives: an event's latency is the time from its request being
written to the last subscriber having it. Reported: accepted requests per second, p50 and p99
of that latency, and the CPU used by the server and by this process. The client is a few
lines of HTTP/1.1 on asyncio streams, so that the load generator costs less than the servers.
"""

import asyncio
import json
import secrets
import time
from array import array
from dataclasses import dataclass

import psutil
from picows import WSFrame, WSMsgType, WSTransport

from bench.load import Subscriber, connect_all, disconnect_all, percentile_ms
from bench.servers import RunningServer, cpu_seconds

ROOM = "bench-http"
API_KEY = secrets.token_urlsafe(32)
API_KEYS = json.dumps({"bench": API_KEY})
"""The `API_KEYS` setting the service runs with in this scenario."""
NUMBER = b'"n":'
BODY = '{"event":"bench","data":{"n":%d}}'
TIMEOUT = 30.0
ACCEPTED = 202


@dataclass(frozen=True)
class HttpPublish:
    subscribers: int
    connections: int
    warmup: float
    duration: float
    settle: float
    """Seconds after the last request for its event to reach everyone."""


@dataclass
class HttpFigures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu_share: float
    load_cpu_share: float
    refused: int
    """Requests answered anything but 202."""
    undelivered: int
    """Accepted events some subscriber had not received when the run ended."""


class Arrivals:
    """When each event was requested, and how many subscribers still wait for it."""

    def __init__(self, subscribers: int) -> None:
        self.subscribers = subscribers
        self.requested_ns: dict[int, int] = {}
        self.waiting: dict[int, int] = {}
        self.latencies_ns = array("q")
        self.measuring = False
        self.accepted = 0
        self.refused = 0
        self._numbers = 0

    def request(self) -> int:
        self._numbers += 1
        self.requested_ns[self._numbers] = time.perf_counter_ns()
        self.waiting[self._numbers] = self.subscribers
        return self._numbers

    def refused_one(self, number: int) -> None:
        self.refused += 1
        self.waiting.pop(number, None)
        self.requested_ns.pop(number, None)

    def arrived(self, number: int) -> None:
        left = self.waiting.get(number)
        if left is None:
            return
        if left > 1:
            self.waiting[number] = left - 1
            return
        del self.waiting[number]
        requested = self.requested_ns.pop(number)
        if self.measuring:
            self.latencies_ns.append(time.perf_counter_ns() - requested)


class EventSubscriber(Subscriber):
    """A room member that reports the number of every event it receives."""

    def __init__(self, arrivals: Arrivals) -> None:
        super().__init__(None, ROOM)
        self.arrivals = arrivals

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type != WSMsgType.TEXT or not self.joined.done():
            super().on_ws_frame(transport, frame)
            return
        payload = frame.get_payload_as_bytes()
        start = payload.find(NUMBER)
        if start >= 0:
            end = payload.find(b"}", start)
            self.arrivals.arrived(int(payload[start + len(NUMBER) : end]))


async def http_publish(server: RunningServer, scenario: HttpPublish) -> HttpFigures:
    arrivals = Arrivals(scenario.subscribers)
    subscribers = [EventSubscriber(arrivals) for _ in range(scenario.subscribers)]
    loop = asyncio.get_running_loop()
    try:
        await connect_all(server.url, subscribers)
        started = loop.time()
        until = started + scenario.warmup + scenario.duration
        posting = [
            asyncio.create_task(_post_until(server.port, arrivals, until))
            for _ in range(scenario.connections)
        ]
        await asyncio.sleep(scenario.warmup)
        ourselves = psutil.Process()
        server_cpu, load_cpu = server.cpu_seconds(), cpu_seconds(ourselves)
        accepted = arrivals.accepted
        arrivals.measuring = True
        measured_from = loop.time()
        await asyncio.gather(*posting)
        elapsed = loop.time() - measured_from
        server_share = (server.cpu_seconds() - server_cpu) / elapsed
        load_share = (cpu_seconds(ourselves) - load_cpu) / elapsed
        requests = arrivals.accepted - accepted
        settled = loop.time() + scenario.settle
        while arrivals.waiting and loop.time() < settled:  # noqa: ASYNC110 - load generator
            await asyncio.sleep(0.05)
    finally:
        disconnect_all(subscribers)
    ordered = sorted(arrivals.latencies_ns)
    return HttpFigures(
        requests_per_second=requests / elapsed,
        p50_ms=percentile_ms(ordered, 0.50),
        p99_ms=percentile_ms(ordered, 0.99),
        server_cpu_share=server_share,
        load_cpu_share=load_share,
        refused=arrivals.refused,
        undelivered=len(arrivals.waiting),
    )


async def _post_until(port: int, arrivals: Arrivals, until: float) -> None:
    """One keep-alive connection posting one event at a time until `until`."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /api/rooms/{ROOM}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    )
    try:
        while loop.time() < until:
            number = arrivals.request()
            body = (BODY % number).encode()
            writer.write(f"{head}{len(body)}\r\n\r\n".encode() + body)
            if await asyncio.wait_for(_response_status(reader), TIMEOUT) == ACCEPTED:
                arrivals.accepted += 1
            else:
                arrivals.refused_one(number)
    finally:
        writer.close()


async def _response_status(reader: asyncio.StreamReader) -> int:
    """Read one response whole; return its status."""
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in {b"\r\n", b""}:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status
