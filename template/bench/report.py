"""Collect the figures of a run and print them as Markdown tables."""

import math
from dataclasses import dataclass, field
from typing import TextIO

from bench.publishing import HttpFigures
from bench.rooms import RateFigures
from bench.scenarios import FanOutFigures

SATURATED = 0.9
"""Load-generator CPU share above which its figures are a lower bound for the server."""
SUSTAINED = 0.99
"""Share of deliveries that must arrive in time for an offered rate to count as sustained."""
SUSTAINED_P99_MS = 100.0
"""And the 99th percentile latency it must stay under: beyond capacity, a server's queues
grow and so does every latency."""


@dataclass
class Report:
    service: str
    fan_outs: dict[tuple[str, int], FanOutFigures] = field(default_factory=dict)
    slow: dict[tuple[str, int], FanOutFigures] = field(default_factory=dict)
    idle_bytes: dict[str, float] = field(default_factory=dict)
    backplanes: dict[tuple[str, str], FanOutFigures] = field(default_factory=dict)
    """By (load, setup), in the order they were measured."""
    recoveries: dict[float, list[float]] = field(default_factory=dict)
    """Seconds from Redis back to the gap notice, by length of the outage."""
    switches: dict[str, dict[str, list[FanOutFigures]]] = field(default_factory=dict)
    """Fan-out figures with a feature on and off (`history`, `metrics`): by feature, then by
    setup (ending in "on" or "off"), one per round."""
    switch_size: int = 0
    """Subscribers of the fan-outs measured with a feature on and off."""
    catch_ups: dict[str, list[float]] = field(default_factory=dict)
    """Seconds for a reconnecting client to get its missed messages, by setup."""
    missed: int = 0
    rooms: dict[str, list[RateFigures]] = field(default_factory=dict)
    """The many-small-rooms figures by server, one per offered rate."""
    rooms_shape: str = ""
    http: dict[str, HttpFigures] = field(default_factory=dict)
    """HTTP publish to delivery, by server; the first is the baseline."""
    http_shape: str = ""

    def fan_out(self, server: str, size: int, figures: FanOutFigures) -> None:
        self.fan_outs[server, size] = figures

    def slow_consumers(self, server: str, stalled: int, figures: FanOutFigures) -> None:
        self.slow[server, stalled] = figures

    def recovery(self, outage: float, seconds: list[float]) -> None:
        self.recoveries[outage] = seconds

    def idle(self, server: str, bytes_per_connection: float) -> None:
        self.idle_bytes[server] = bytes_per_connection

    def switched(self, feature: str, setup: str, figures: FanOutFigures) -> None:
        """One round of a fan-out with `feature` on or off; `setup` ends in "on" or "off"."""
        self.switches.setdefault(feature, {}).setdefault(setup, []).append(figures)

    def catch_up(self, setup: str, seconds: list[float]) -> None:
        self.catch_ups[setup] = seconds

    def many_rooms(self, server: str, figures: list[RateFigures]) -> None:
        self.rooms[server] = figures

    def http_publish(self, server: str, figures: HttpFigures) -> None:
        self.http[server] = figures

    def backplane(self, load: str, setup: str, figures: FanOutFigures) -> None:
        """Figures of one backplane setup under one load; each load's first setup is the
        baseline of that load's rows."""
        self.backplanes[load, setup] = figures

    def print(self, out: TextIO) -> None:
        for section in (self._fan_out_table(), self._ratio_table(), self._slow_table()):
            out.write(section + "\n\n")
        out.write(self._idle_table() + "\n")
        if self.backplanes:
            out.write("\n" + self._backplane_table() + "\n")
        if self.recoveries:
            out.write("\n" + self._recovery_table() + "\n")
        for feature in self.switches:
            out.write("\n" + self._switch_table(feature) + "\n")
        if self.catch_ups:
            out.write("\n" + self._catch_up_table() + "\n")
        if self.rooms:
            out.write("\n" + self._rooms_table() + "\n\n" + self._sustained_table() + "\n")
        if self.http:
            out.write("\n" + self._http_table() + "\n")
        saturated = [
            f"{server} at N = {size}"
            for (server, size), figures in self.fan_outs.items()
            if figures.load_cpu_share > SATURATED
        ]
        if saturated:
            out.write(f"\nThe load generator was saturated for {', '.join(saturated)}.\n")

    def _fan_out_table(self) -> str:
        rows = [
            "### Fan-out: one publisher, N subscribers in one room",
            "",
            (
                "| N | server | deliveries/s | p50 ms | p99 ms | server CPU µs/delivery "
                "| server CPU | load generator CPU |"
            ),
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for (server, size), figures in sorted(self.fan_outs.items(), key=_by_size):
            rows.append(
                f"| {size} | {server} | {figures.deliveries_per_second:,.0f} "
                f"| {figures.p50_ms:.2f} | {figures.p99_ms:.2f} "
                f"| {figures.server_cpu_us_per_delivery:.2f} "
                f"| {_percent(figures.server_cpu_share)} | {_percent(figures.load_cpu_share)} |"
            )
        return "\n".join(rows)

    def _ratio_table(self) -> str:
        sizes = sorted({size for _, size in self.fan_outs})
        baselines = sorted({server for server, _ in self.fan_outs} - {self.service})
        header = " | ".join(f"{self.service} / {baseline}" for baseline in baselines)
        rows = [
            "### Deliveries per second, as ratios measured in the same run",
            "",
            f"| N | {header} |",
            "| ---: |" + " ---: |" * len(baselines),
        ]
        for size in sizes:
            cells = [
                _ratio(self._rate(self.service, size), self._rate(baseline, size))
                for baseline in baselines
            ]
            rows.append(f"| {size} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def _rate(self, server: str, size: int) -> float | None:
        figures = self.fan_outs.get((server, size))
        return figures.deliveries_per_second if figures else None

    def _slow_table(self) -> str:
        rows = [
            "### Slow consumers: fast subscribers beside sockets that never read",
            "",
            (
                "| server | stalled sockets | fast clients' share | deliveries/s "
                "| vs none stalled | p99 ms | vs none stalled "
                "| server memory MiB (start / max / end) | stalled sockets dropped after |"
            ),
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for (server, stalled), figures in sorted(self.slow.items()):
            calm = self.slow.get((server, 0))
            rate = _ratio(
                figures.deliveries_per_second, calm.deliveries_per_second if calm else None
            )
            p99 = _ratio(figures.p99_ms, calm.p99_ms if calm else None)
            rows.append(
                f"| {server} | {stalled} | {_percent(figures.fast_share, 1)} "
                f"| {figures.deliveries_per_second:,.0f} | {rate} | {figures.p99_ms:.2f} | {p99} "
                f"| {_memory(figures.rss_samples)} | {_drops(figures.stalled_dropped_after)} |"
            )
        return "\n".join(rows)

    def _backplane_table(self) -> str:
        first = next(iter(self.backplanes))[1]
        rows = [
            "### Backplane: one room through Redis, on one instance, on two and on two workers",
            "",
            (
                f"| subscribers, messages in flight | setup | deliveries/s | vs {first} "
                "| p50 ms | p50 added ms | p99 ms | server CPU µs/delivery (all instances) "
                "| load generator CPU |"
            ),
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        return "\n".join(rows + _backplane_rows(self.backplanes))

    def _recovery_table(self) -> str:
        rows = [
            "### Recovery from a Redis restart (default reconnection settings)",
            "",
            "| outage s | restarts | backplane_gap notice after Redis is back: each, s | max s |",
            "| ---: | ---: | --- | ---: |",
        ]
        for outage, seconds in self.recoveries.items():
            each = ", ".join(f"{value:.2f}" for value in seconds)
            rows.append(f"| {outage:g} | {len(seconds)} | {each} | {max(seconds):.2f} |")
        return "\n".join(rows)

    def _switch_table(self, feature: str) -> str:
        """Each setup's median round (runs on a shared machine vary by tens of percent, in
        both directions); each "on" row against the "off" row before it. The rounds of a
        setup alternate with those of its counterpart, so that both see the same machine."""
        rows = [
            (
                f"### {feature.capitalize()}: fan-out to {self.switch_size} subscribers with "
                f"{feature} on and off"
            ),
            "",
            (
                f"| setup | deliveries/s (median round) | vs {feature} off | p50 ms | p99 ms "
                "| server CPU µs/delivery | rounds: deliveries/s |"
            ),
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        baseline: FanOutFigures | None = None
        for setup, rounds in self.switches[feature].items():
            ordered = sorted(rounds, key=lambda figures: figures.deliveries_per_second)
            median = ordered[len(ordered) // 2]
            each = ", ".join(f"{figures.deliveries_per_second / 1000:,.0f}k" for figures in rounds)
            if setup.endswith("off"):
                baseline = median
            versus = _ratio(
                median.deliveries_per_second, baseline.deliveries_per_second if baseline else None
            )
            rows.append(
                f"| {setup} | {median.deliveries_per_second:,.0f} | {versus} "
                f"| {median.p50_ms:.2f} | {median.p99_ms:.2f} "
                f"| {median.server_cpu_us_per_delivery:.2f} | {each} |"
            )
        return "\n".join(rows)

    def _catch_up_table(self) -> str:
        rows = [
            f"### Catching up: a client reconnects with `since` after missing {self.missed}",
            "",
            "| setup | trials | from `join` to the last missed message: median ms | max ms |",
            "| --- | ---: | ---: | ---: |",
        ]
        for setup, seconds in self.catch_ups.items():
            ordered = sorted(seconds)
            median = ordered[len(ordered) // 2] * 1e3
            rows.append(f"| {setup} | {len(seconds)} | {median:.1f} | {ordered[-1] * 1e3:.1f} |")
        return "\n".join(rows)

    def _rooms_table(self) -> str:
        rows = [
            f"### Many small rooms: {self.rooms_shape}, one publisher per room, open loop",
            "",
            (
                "| offered chats/s | server | sent/s | delivered | p50 ms | p99 ms | server CPU "
                "| load generator CPU | members closed |"
            ),
            "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        by_rate = sorted(
            (
                (figures.offered, server, figures)
                for server, rates in self.rooms.items()
                for figures in rates
            ),
            key=lambda row: row[0],
        )
        for offered, server, figures in by_rate:
            rows.append(
                f"| {offered:,.0f} | {server} | {figures.sent_per_second:,.0f} "
                f"| {_percent(figures.delivered_share, 1)} | {figures.p50_ms:.2f} "
                f"| {figures.p99_ms:.2f} | {_percent(figures.server_cpu_share)} "
                f"| {_percent(figures.load_cpu_share)} | {figures.closed} |"
            )
        return "\n".join(rows)

    def _http_table(self) -> str:
        baseline = next(iter(self.http.values()))
        rows = [
            f"### Publishing over HTTP: {self.http_shape}",
            "",
            (
                "| server | requests/s | vs {name} | request to last subscriber: p50 ms | p99 ms "
                "| server CPU | load generator CPU | refused | undelivered |"
            ).replace("{name}", next(iter(self.http))),
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for server, figures in self.http.items():
            versus = _ratio(figures.requests_per_second, baseline.requests_per_second)
            rows.append(
                f"| {server} | {figures.requests_per_second:,.0f} | {versus} "
                f"| {figures.p50_ms:.2f} | {figures.p99_ms:.2f} "
                f"| {_percent(figures.server_cpu_share)} | {_percent(figures.load_cpu_share)} "
                f"| {figures.refused} | {figures.undelivered} |"
            )
        return "\n".join(rows)

    def _sustained_table(self) -> str:
        """The highest offered rate each server delivered (nearly) everything at, against the
        first server of the run (the bare ASGI baseline)."""
        sustained = {
            server: max(
                (
                    figures.offered
                    for figures in rates
                    if figures.delivered_share >= SUSTAINED and figures.p99_ms <= SUSTAINED_P99_MS
                ),
                default=0.0,
            )
            for server, rates in self.rooms.items()
        }
        first = next(iter(sustained))
        lowest = min(figures.offered for rates in self.rooms.values() for figures in rates)
        cost = {
            server: next(
                (
                    figures.server_cpu_share / figures.sent_per_second * 1e6
                    for figures in rates
                    if figures.offered == lowest
                ),
                float("nan"),
            )
            for server, rates in self.rooms.items()
        }
        rows = [
            (
                f"### Many small rooms: highest rate with {_percent(SUSTAINED)} delivered, "
                f"p99 under {SUSTAINED_P99_MS:.0f} ms; server CPU per chat at the lowest rate"
            ),
            "",
            (
                f"| server | chats/s sustained | vs {first} "
                f"| server CPU µs per chat at {lowest:,.0f}/s | vs {first} |"
            ),
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        rows.extend(
            f"| {server} | {rate:,.0f} | {_ratio(rate, sustained[first])} "
            f"| {cost[server]:.0f} | {_ratio(cost[server], cost[first])} |"
            for server, rate in sustained.items()
        )
        return "\n".join(rows)

    def _idle_table(self) -> str:
        rows = [
            "### Server memory per idle connection",
            "",
            "| server | KiB per connection |",
            "| --- | ---: |",
        ]
        rows.extend(f"| {server} | {size / 1024:.1f} |" for server, size in self.idle_bytes.items())
        return "\n".join(rows)


def _backplane_rows(backplanes: dict[tuple[str, str], FanOutFigures]) -> list[str]:
    baselines: dict[str, FanOutFigures] = {}
    rows = []
    for (load, setup), figures in backplanes.items():
        baseline = baselines.setdefault(load, figures)
        rate = _ratio(figures.deliveries_per_second, baseline.deliveries_per_second)
        rows.append(
            f"| {load} | {setup} | {figures.deliveries_per_second:,.0f} | {rate} "
            f"| {figures.p50_ms:.2f} | {figures.p50_ms - baseline.p50_ms:+.2f} "
            f"| {figures.p99_ms:.2f} | {figures.server_cpu_us_per_delivery:.2f} "
            f"| {_percent(figures.load_cpu_share)} |"
        )
    return rows


def _by_size(item: tuple[tuple[str, int], FanOutFigures]) -> tuple[int, str]:
    (server, size), _ = item
    return size, server


def _percent(share: float, decimals: int = 0) -> str:
    return f"{share * 100:.{decimals}f}%"


def _ratio(value: float | None, baseline: float | None) -> str:
    if not value or not baseline or math.isnan(value) or math.isnan(baseline):
        return "-"
    return f"{value / baseline:.2f}×"  # noqa: RUF001 - the multiplication sign


def _memory(samples: list[int]) -> str:
    if not samples:
        return "-"
    mib = [sample / 2**20 for sample in samples]
    return f"{mib[0]:.0f} / {max(mib):.0f} / {mib[-1]:.0f}"


def _drops(dropped_after: list[float | None]) -> str:
    if not dropped_after:
        return "-"
    if None in dropped_after:
        kept = dropped_after.count(None)
        return f"{kept} of {len(dropped_after)} never dropped"
    return f"{max(seconds for seconds in dropped_after if seconds is not None):.1f} s"
