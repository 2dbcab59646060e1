"""`WORKERS` service processes on one port, and the parent that keeps them running.

Each worker is a full instance (its own event loop, connections, rooms' local members and
drain) listening on a socket of its own bound to the same port with `SO_REUSEPORT`: the
kernel spreads new connections over the workers, and the backplane joins their rooms as it
joins separate instances'. The parent serves nothing. It holds a socket bound to the port
(never listening, so the kernel gives it no connection) for as long as it runs: the port
stays the service's while a worker restarts, and `PORT=0` picks one port for every worker.

- SIGTERM (or SIGINT) to the parent goes on to every worker, which drains as a single
  instance does; the parent waits `SHUTDOWN_TIMEOUT` and a margin, then kills what is left.
  (Ctrl-C in a terminal reaches the workers themselves too: they drain the same way.)
- A worker that dies without being asked to is logged and started again, after a pause
  that doubles while it keeps dying young; after `GIVE_UP_AFTER` young deaths in a row the
  service stops with exit status 1, so that the orchestrator sees it down rather than a
  parent restarting a worker that cannot start. A worker whose parent dies drains and
  exits. (A worker that hangs without dying is not detected here: that is for the
  orchestrator's probes, as with a single process.)
- Metrics: each worker counts into files of a directory the parent makes
  (`PROMETHEUS_MULTIPROC_DIR`), so that whichever worker answers `/metrics` reports them
  all (`metrics/`).
"""

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from prometheus_client import multiprocess

from .config import Settings
from .logs import configure_logging
from .main import serve
from .metrics.counters import MULTIPROCESS_DIRECTORY

logger = logging.getLogger(__name__)

STOP_MARGIN = 5.0
"""Seconds the parent waits for its workers beyond `SHUTDOWN_TIMEOUT` before killing them:
their own shutdown keeps within it, and the margin covers start-up of a worker caught
starting and the exit of the interpreter."""
FIRST_RESTART_DELAY = 0.5
MAX_RESTART_DELAY = 30.0
STABLE_AFTER = 10.0
"""Seconds a worker must live for its restart delay to start again from the first."""
GIVE_UP_AFTER = 5
"""Deaths in a row of one worker, each young, after which the service stops (exit 1)."""


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` that other processes may bind too (`SO_REUSEPORT`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class PortUnavailableError(Exception):
    """The port cannot be bound: another server holds it, or the host is not this one's."""


@dataclass
class _Slot:
    """One worker's place: its process, and how soon it may be restarted."""

    process: BaseProcess | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = FIRST_RESTART_DELAY
    young_deaths: int = 0
    """Deaths in a row, each within `STABLE_AFTER` of its start."""


class Supervisor:
    """Runs `settings.workers` service processes until SIGTERM or SIGINT."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._slots = [_Slot() for _ in range(settings.workers)]
        self._stopping = False
        self._failing = False

    def run(self) -> int:
        """Serve until asked to stop; the exit status: 0, or 1 when workers kept dying at
        start-up or had to be killed."""
        with _metrics_directory(), _held_port(self._settings) as settings, _wakeup() as wakeup:
            logger.info(
                "workers_starting", extra={"workers": len(self._slots), "port": settings.port}
            )
            try:
                for slot in self._slots:
                    if not self._stopping:
                        self._start(slot, settings)
                while not self._stopping:
                    wait([*self._sentinels(), wakeup], timeout=self._next_restart_in())
                    _drain(wakeup)
                    self._reap()
                    self._restart_due(settings)
            finally:
                killed = self._stop_all()
        return 1 if self._failing or killed else 0

    def _start(self, slot: _Slot, settings: Settings) -> None:
        process = self._context.Process(target=_serve_worker, args=(settings,), daemon=False)
        process.start()
        slot.process, slot.started_at, slot.restart_at = process, time.monotonic(), None
        logger.info("worker_started", extra={"pid": process.pid})

    def _sentinels(self) -> list[int]:
        return [slot.process.sentinel for slot in self._slots if slot.process is not None]

    def _next_restart_in(self) -> float | None:
        due = [slot.restart_at for slot in self._slots if slot.restart_at is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _reap(self) -> None:
        """Note every worker that has died: logged, its live metrics dropped, its restart
        scheduled (the pause doubles for a worker that died young)."""
        now = time.monotonic()
        for slot in self._slots:
            process = slot.process
            if process is None or process.is_alive():
                continue
            process.join()
            slot.process = None
            if process.pid is not None:
                multiprocess.mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
            if self._stopping:  # Ctrl-C reached it too, or it was asked already: no restart
                continue
            if now - slot.started_at >= STABLE_AFTER:
                slot.delay, slot.young_deaths = FIRST_RESTART_DELAY, 0
            slot.young_deaths += now - slot.started_at < STABLE_AFTER
            giving_up = slot.young_deaths >= GIVE_UP_AFTER
            logger.error(
                "worker_died",
                extra={
                    "pid": process.pid,
                    "exit_code": process.exitcode,
                    "restart_in": None if giving_up else round(slot.delay, 1),
                },
            )
            if giving_up:
                # It cannot stay up (a broken dependency, a resource it cannot get): stop, so
                # that the orchestrator sees the service down and does something about it.
                logger.critical("workers_failing", extra={"deaths": slot.young_deaths})
                self._failing = self._stopping = True
                return
            slot.restart_at = now + slot.delay
            slot.delay = min(2 * slot.delay, MAX_RESTART_DELAY)

    def _restart_due(self, settings: Settings) -> None:
        now = time.monotonic()
        for slot in self._slots:
            if slot.restart_at is not None and slot.restart_at <= now and not self._stopping:
                self._start(slot, settings)

    def stop(self) -> None:
        """Ask the workers to drain and exit (the signal handler's doing)."""
        self._stopping = True

    def _stop_all(self) -> bool:
        """SIGTERM every worker, and wait for each to drain and exit; kill those still there
        after `SHUTDOWN_TIMEOUT` and `STOP_MARGIN`. Whether any had to be killed."""
        running = [slot.process for slot in self._slots if slot.process is not None]
        logger.info("workers_stopping", extra={"workers": len(running)})
        for process in running:
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._settings.shutdown_timeout + STOP_MARGIN
        killed = False
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.error("worker_killed", extra={"pid": process.pid})
                process.kill()
                process.join()
                killed = True
            if process.pid is not None:
                multiprocess.mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
        logger.info("workers_stopped")
        return killed


def _serve_worker(settings: Settings) -> None:
    """A worker process's life: the service on a socket of its own, bound to the port the
    parent holds."""
    configure_logging(settings.log_level, settings.log_format)
    threading.Thread(target=_stop_with_parent, name="parent watch", daemon=True).start()
    serve(settings, [reuse_port_socket(settings.host, settings.port)])


def _stop_with_parent() -> None:
    """Drain and exit once the parent is gone (killed without a chance to stop its
    workers): a worker must not serve on, unsupervised, on a port nobody holds."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        logger.error("worker_orphaned", extra={"pid": os.getpid()})
        os.kill(os.getpid(), signal.SIGTERM)


@contextlib.contextmanager
def _held_port(settings: Settings) -> Iterator[Settings]:
    """Bind the port for the parent's lifetime; the settings with the port it got."""
    try:
        held = reuse_port_socket(settings.host, settings.port)
    except OSError as error:  # in use by a server that does not share it, or not this host's
        raise PortUnavailableError from error
    try:
        yield settings.model_copy(update={"port": held.getsockname()[1]})
    finally:
        held.close()


@contextlib.contextmanager
def _metrics_directory() -> Iterator[None]:
    """A fresh directory for the workers' metric files, and the variable that tells the
    workers (they inherit the environment) to count into it. A directory the environment
    names already is emptied of an earlier run's files: they would count again (a restarted
    container reuses process ids, and a worker would carry on from a dead one's counts)."""
    given = os.environ.get(MULTIPROCESS_DIRECTORY)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    directory = tempfile.mkdtemp(prefix="metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIRECTORY]
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _wakeup() -> Iterator[int]:
    """A file descriptor that becomes readable when a signal arrives, for `wait`."""
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    os.set_blocking(writer, False)
    previous = signal.set_wakeup_fd(writer)
    try:
        yield reader
    finally:
        signal.set_wakeup_fd(previous)
        os.close(reader)
        os.close(writer)


def _drain(reader: int) -> None:
    with contextlib.suppress(BlockingIOError):
        while os.read(reader, 512):
            pass


def run_workers(settings: Settings) -> int:
    """Run the workers until SIGTERM or SIGINT; return the exit status once every one has
    exited."""
    supervisor = Supervisor(settings)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: supervisor.stop())
    try:
        return supervisor.run()
    except PortUnavailableError as error:
        where = {"host": settings.host, "port": settings.port}
        logger.critical("port_unavailable", extra={**where, "error": str(error.__cause__)})
        return 1
