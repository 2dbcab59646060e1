"""Many small rooms: where per-message costs show, rather than per-delivery ones.

`rooms` rooms of `members` members each; one member of each room publishes, open loop, at
an offered rate shared by all rooms, whether or not the server keeps up. For each rate: the
share of deliveries that arrived, their latency (one member of each room reads the time its
message was sent), and the CPU the server used. Every member counts what it receives, its
own chats included, so a delivered share of 100% means each chat reached all `members`.
"""

import asyncio
import contextlib
import time
from array import array
from dataclasses import dataclass

import psutil
from picows import WSFrame, WSMsgType, WSTransport

from bench.load import Subscriber, connect_all, disconnect_all, percentile_ms
from bench.servers import RunningServer, cpu_seconds

TICK = 0.005
"""Seconds between two rounds of sending: the offered rate is kept to within a tick."""
SETTLE_POLL = 0.05
DRAIN = 30.0
"""Seconds, at most, for a server past its capacity to deliver its backlog before the next
rate (not measured)."""
CHAT = '{"type":"chat","payload":{"room":"%s","text":"~%d~%d~"}}'


@dataclass(frozen=True)
class ManyRooms:
    rooms: int
    members: int
    rates: tuple[float, ...]
    """Chats per second offered, in all rooms together, one after the other."""
    duration: float
    settle: float
    """Seconds after a rate's last chat for its deliveries to arrive: what has not arrived by
    then counts as not delivered (a server past its capacity falls further behind)."""


@dataclass
class RateFigures:
    offered: float
    sent_per_second: float
    delivered_share: float
    p50_ms: float
    p99_ms: float
    server_cpu_share: float
    load_cpu_share: float
    closed: int
    """Members the server had closed by the end of the rate (slow consumers)."""


class Counts:
    """What all the members of a run have received, and the latencies the samplers read."""

    def __init__(self) -> None:
        self.received = 0
        self.latencies_ns = array("q")


class Member(Subscriber):
    """A member of one small room: counts every chat after `joined`; a sampler also reads
    when each was sent."""

    def __init__(self, counts: Counts, room: str, *, sampling: bool) -> None:
        super().__init__(None, room, sampling=sampling)
        self.counts = counts

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type != WSMsgType.TEXT or not self.joined.done():
            super().on_ws_frame(transport, frame)
            return
        self.counts.received += 1
        if self.sampling:
            text = frame.get_payload_as_ascii_text()
            first = text.index("~")
            second = text.index("~", first + 1)
            sent = int(text[second + 1 : text.index("~", second + 1)])
            self.counts.latencies_ns.append(time.perf_counter_ns() - sent)


async def many_rooms(server: RunningServer, scenario: ManyRooms) -> list[RateFigures]:
    """Connect every member once, then offer each rate in turn."""
    counts = Counts()
    members = [
        Member(counts, f"small-{room}", sampling=index == 1)
        for room in range(scenario.rooms)
        for index in range(scenario.members)
    ]
    publishers = members[:: scenario.members]
    try:
        await connect_all(server.url, members)
        return [
            await _offer(
                server, scenario, rate, counts=counts, members=members, publishers=publishers
            )
            for rate in scenario.rates
        ]
    finally:
        disconnect_all(members)


async def _offer(  # noqa: PLR0913 - one rate of one run, with what it measures
    server: RunningServer,
    scenario: ManyRooms,
    rate: float,
    *,
    counts: Counts,
    members: list[Member],
    publishers: list[Member],
) -> RateFigures:
    loop = asyncio.get_running_loop()
    ourselves = psutil.Process()
    counts.received, counts.latencies_ns = 0, array("q")
    server_cpu, load_cpu = server.cpu_seconds(), cpu_seconds(ourselves)
    started = loop.time()
    sent = 0
    while (elapsed := loop.time() - started) < scenario.duration:
        due = int(rate * elapsed) - sent
        for number in range(sent, sent + due):
            publisher = publishers[number % len(publishers)]
            if publisher.transport is not None:
                text = CHAT % (publisher.room, number, time.perf_counter_ns())
                publisher.transport.send(WSMsgType.TEXT, text.encode())
        sent += due
        await asyncio.sleep(TICK)
    elapsed = loop.time() - started
    server_cpu = server.cpu_seconds() - server_cpu
    load_cpu = cpu_seconds(ourselves) - load_cpu
    expected = sent * scenario.members
    await _arrival(counts, expected, scenario.settle)
    latencies = sorted(counts.latencies_ns)
    figures = RateFigures(
        offered=rate,
        sent_per_second=sent / elapsed,
        delivered_share=counts.received / max(expected, 1),
        p50_ms=percentile_ms(latencies, 0.50),
        p99_ms=percentile_ms(latencies, 0.99),
        server_cpu_share=server_cpu / elapsed,
        load_cpu_share=load_cpu / elapsed,
        closed=sum(member.close_code is not None for member in members),
    )
    await _arrival(counts, expected, DRAIN)  # so that the next rate starts on an idle server
    return figures


async def _arrival(counts: Counts, expected: int, seconds: float) -> None:
    """Wait until `expected` deliveries have arrived, or `seconds`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while counts.received < expected:  # noqa: ASYNC110 - counted by picows callbacks
                await asyncio.sleep(SETTLE_POLL)
