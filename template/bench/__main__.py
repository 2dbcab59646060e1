"""Run the benchmark: the service against the textbook manager and bare ASGI, in one run.

    python -m bench            # the full run (a few minutes)
    python -m bench --smoke    # a few seconds, to check that the benchmark still works

Every scenario is bounded in time and count, talks to 127.0.0.1 only and stops by itself.
Figures are printed as Markdown tables, ready for docs/performance.md.
"""

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import psutil
import uvloop

from bench.report import Report
from bench.scenarios import FanOut, fan_out, idle_memory
from bench.servers import ALL_SERVERS, SERVICE, pin_load_generator, pinning_available, running


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    warmup: float
    duration: float
    slow_subscribers: int
    stalled: int
    slow_duration: float
    grace: float
    """Seconds to wait, after the last message, for messages in flight and for drops."""
    idle_connections: int


FULL = Plan(
    sizes=(100, 500, 1000),
    warmup=1.0,
    duration=4.0,
    slow_subscribers=500,
    stalled=3,
    slow_duration=30.0,
    grace=7.0,
    idle_connections=5000,
)
SMOKE = Plan(
    sizes=(10,),
    warmup=0.2,
    duration=0.5,
    slow_subscribers=10,
    stalled=1,
    slow_duration=0.5,
    grace=0.5,
    idle_connections=50,
)
SLOW_PADDING = 3900
"""Characters added to each message of the slow-consumer scenario (close to the protocol's
4,096-character chat text), so that the few megabytes of buffers between a server and a
stalled socket fill within seconds rather than minutes."""


async def run(plan: Plan, report: Report) -> None:
    for size in plan.sizes:
        for kind in ALL_SERVERS:
            with running(kind) as server:
                scenario = FanOut(size, plan.warmup, plan.duration, settle=plan.grace)
                figures = await fan_out(server, scenario)
            report.fan_out(kind.name, size, figures)
    for kind in ALL_SERVERS:
        for stalled in (0, plan.stalled):
            scenario = FanOut(
                plan.slow_subscribers,
                plan.warmup,
                plan.slow_duration,
                stalled=stalled,
                padding=SLOW_PADDING,
                drop_grace=plan.grace,
                settle=plan.grace,
            )
            with running(kind) as server:
                figures = await fan_out(server, scenario)
            report.slow_consumers(kind.name, stalled, figures)
    for kind in ALL_SERVERS:
        with running(kind) as server:
            report.idle(kind.name, await idle_memory(server, plan.idle_connections))


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run that takes seconds")
    options = parser.parse_args(arguments)
    plan = SMOKE if options.smoke else FULL
    pin_load_generator()
    sys.stdout.write(_machine() + "\n")
    report = Report(SERVICE.name)
    uvloop.run(run(plan, report))
    report.print(sys.stdout)


def _machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    pinned = "server on CPU 0, load generator on the others" if pinning_available() else "none"
    return (
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{memory:.0f} GiB; Python {platform.python_version()} on {platform.system()}; "
        f"pinning: {pinned}\n"
    )


if __name__ == "__main__":
    main()
