"""The scenarios of a benchmark run, each bounded in time and count."""

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psutil

from bench.load import (
    LATENCY_SAMPLE_EVERY,
    Delivery,
    Publisher,
    StalledSocket,
    Subscriber,
    connect_all,
    disconnect_all,
    percentile_ms,
)
from bench.servers import RunningServer, cpu_seconds

WINDOW = 16
"""Messages in flight: enough to keep the server busy, a tenth of the service's send queue."""
MEMORY_SAMPLE_PERIOD = 0.5
"""Seconds between samples of the server's memory."""
DROP_POLL = 0.05
WARMUP_CONNECTIONS = 20


@dataclass
class FanOut:
    """One publisher and `subscribers` readers in one room, and optionally stalled sockets."""

    subscribers: int
    warmup: float
    duration: float
    stalled: int = 0
    padding: int = 0
    drop_grace: float = 7.0
    """Seconds after the last message to keep watching for stalled sockets being dropped:
    the service's default close timeout (5 s) and some margin."""
    settle: float = 3.0
    """Seconds after the last message for messages in flight to arrive."""
    window: int = WINDOW
    """Messages in flight; 1 measures the latency of a message on an idle server."""


@dataclass
class FanOutFigures:
    deliveries_per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu_us_per_delivery: float
    server_cpu_share: float
    load_cpu_share: float
    fast_share: float
    """Of all messages published in the run, the share every fast subscriber received
    (counted once the last message has had `FanOut.settle` seconds to arrive)."""
    rss_samples: list[int]
    stalled_dropped_after: list[float | None]
    """Seconds from the first message until the server dropped each stalled socket."""


async def fan_out(servers: Sequence[RunningServer], scenario: FanOut) -> FanOutFigures:
    """Run one fan-out. With several servers (instances of one service sharing its rooms),
    the subscribers are spread over them in turn; the publisher and any stalled sockets are
    on the first, and the server CPU figures add up every instance."""
    server = servers[0]
    loop = asyncio.get_running_loop()
    delivery = Delivery(scenario.subscribers, scenario.window)
    subscribers = [
        Subscriber(delivery, sampling=number % LATENCY_SAMPLE_EVERY == 0)
        for number in range(scenario.subscribers)
    ]
    publisher = Publisher(delivery)
    stalled = [StalledSocket() for _ in range(scenario.stalled)]
    ourselves = psutil.Process()
    try:
        for index, instance in enumerate(servers):
            await connect_all(instance.url, subscribers[index :: len(servers)])
        await connect_all(server.url, [publisher])
        for socket in stalled:
            await socket.join("127.0.0.1", server.port)
        started = loop.time()
        until = started + scenario.warmup + scenario.duration
        publishing = asyncio.create_task(publisher.publish(until, "x" * scenario.padding))
        watching = asyncio.create_task(_watch_drops(stalled, started, until + scenario.drop_grace))
        rss_samples: list[int] = []
        sampling = asyncio.create_task(_sample_memory(server, rss_samples))

        await asyncio.sleep(scenario.warmup)
        server_cpu, load_cpu = _cpu_seconds(servers), cpu_seconds(ourselves)
        first = time.perf_counter()
        received_before = _received(subscribers)
        delivery.measuring = True
        await asyncio.sleep(scenario.duration)
        delivery.measuring = False
        delivered = _received(subscribers) - received_before
        elapsed = time.perf_counter() - first
        server_cpu = _cpu_seconds(servers) - server_cpu
        load_cpu = cpu_seconds(ourselves) - load_cpu

        await publishing
        await _settle(delivery, scenario.settle)
        received = _received(subscribers)
        sampling.cancel()
        drops = await watching
    finally:
        disconnect_all([*subscribers, publisher])
        for socket in stalled:
            socket.close()

    latencies = sorted(delivery.latencies_ns)
    return FanOutFigures(
        deliveries_per_second=delivered / elapsed,
        p50_ms=percentile_ms(latencies, 0.50),
        p99_ms=percentile_ms(latencies, 0.99),
        server_cpu_us_per_delivery=server_cpu / delivered * 1e6 if delivered else float("nan"),
        server_cpu_share=server_cpu / elapsed,
        load_cpu_share=load_cpu / elapsed,
        fast_share=received / max(1, delivery.published * scenario.subscribers),
        rss_samples=rss_samples,
        stalled_dropped_after=drops,
    )


async def idle_memory(server: RunningServer, connections: int, rooms: int = 100) -> float:
    """Bytes of server memory per idle connection (each in one of `rooms` rooms).

    A first round of connections, closed again, warms the server up (lazy imports, caches,
    allocator arenas), so that the figure is what each further connection costs.
    """
    warmup = [Subscriber(None, f"idle-{number % rooms}") for number in range(WARMUP_CONNECTIONS)]
    await connect_all(server.url, warmup)
    disconnect_all(warmup)
    await asyncio.sleep(2 * MEMORY_SAMPLE_PERIOD)
    before = server.rss()
    clients = [Subscriber(None, f"idle-{number % rooms}") for number in range(connections)]
    try:
        await connect_all(server.url, clients)
        await asyncio.sleep(2 * MEMORY_SAMPLE_PERIOD)
        after = server.rss()
    finally:
        disconnect_all(clients)
    return (after - before) / connections


async def _settle(delivery: Delivery, seconds: float) -> None:
    """Wait until every published message has reached every fast subscriber, or `seconds`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while delivery.in_flight:  # noqa: ASYNC110 - emptied by picows callbacks
                await asyncio.sleep(DROP_POLL)


def _cpu_seconds(servers: Sequence[RunningServer]) -> float:
    return sum(server.cpu_seconds() for server in servers)


def _received(subscribers: list[Subscriber]) -> int:
    return sum(subscriber.received for subscriber in subscribers)


async def _sample_memory(server: RunningServer, samples: list[int]) -> None:
    while True:
        samples.append(server.rss())
        await asyncio.sleep(MEMORY_SAMPLE_PERIOD)


async def _watch_drops(
    stalled: list[StalledSocket], started: float, deadline: float
) -> list[float | None]:
    """Note when the server drops each stalled socket, until all are dropped or `deadline`."""
    loop = asyncio.get_running_loop()
    dropped: list[float | None] = [None] * len(stalled)
    while None in dropped and loop.time() < deadline:
        for index, socket in enumerate(stalled):
            if dropped[index] is None and socket.dropped:
                dropped[index] = loop.time() - started
        await asyncio.sleep(DROP_POLL)
    return dropped
