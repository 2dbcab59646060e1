"""Ports for the servers a test runs itself, and proof that the test's own process holds one.

A port `free_port` hands out is free only at that instant: a server of another test, on
another pytest worker, may bind it first. A connection that succeeds then proves nothing,
and the test talks to a stranger (a benchmark run was once refused with 403 by another
project's service this way). So a test waits until *its own* process listens, and lets the
kernel pick the port (0) wherever the test need not know it before the server starts.
"""

import socket
import subprocess
import time

import psutil
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (but may, a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_listening(process: subprocess.Popen[bytes], port: int, *, within: float) -> int:
    """The port `process` (or a child of it) listens on: `port`, or with 0 the one the kernel
    picked. The test fails if the process exits first, or does not listen within `within`
    seconds (when another process holds `port`, ours exits: the address is in use)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the process exited with {process.returncode} before it listened")
        ports = listening_ports(process.pid)
        if port in ports or (port == 0 and ports):
            return port or min(ports)
        time.sleep(0.02)
    pytest.fail(f"the process did not listen within {within} s")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` and its children listen on (none once it has exited)."""
    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
        return {
            connection.laddr.port
            for process in processes
            for connection in process.net_connections(kind="tcp")
            if connection.status == psutil.CONN_LISTEN
        }
    except psutil.NoSuchProcess:
        return set()
