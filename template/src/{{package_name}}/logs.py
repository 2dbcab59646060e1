"""Logs: one event per line, structured, and never a credential or a message body.

The service logs events, not sentences: the message is the event's name (`connection_closed`)
and the facts travel as fields (`extra={"connection_id": ..., "code": ...}`). Every record,
uvicorn's included, is rendered by structlog's `ProcessorFormatter`: one JSON object per line
by default (`LOG_FORMAT=json`), aligned key=value text for people (`LOG_FORMAT=console`).
Exceptions stay on their event's line (as a structured traceback in JSON).

What clients send never reaches a line. uvicorn's lines carry the request path *with its
query string*, where browser clients often put a token; at DEBUG, `websockets` logs every
handshake header, credentials included, and the start of every frame's data. `RedactSecrets`
removes all three before any handler sees the record.
"""

import logging
import sys

import structlog
from websockets.frames import DATA_OPCODES, Frame

from .config import LogFormat

UVICORN_LOGGERS = ("uvicorn.error", "uvicorn.access")
"""The loggers uvicorn writes request paths and handshake headers to (`websockets`, inside
uvicorn, logs to `uvicorn.error`)."""
REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "sec-websocket-protocol", "set-cookie"})
"""Headers whose values are credentials, or may be (the subprotocol carries a browser's)."""
HEADER_LINES = frozenset({"< %s: %s", "> %s: %s"})
"""How `websockets` logs a request or response header at DEBUG."""
FRAME_LINES = frozenset({"< %s", "> %s"})
"""How `websockets` logs a frame at DEBUG (with the start of its data)."""
COPIES = ("message", "color_message")
"""Record attributes that repeat the event (uvicorn adds a colored copy of its messages)."""


class RedactSecrets(logging.Filter):
    """Cuts the query string out of every logged path and blanks secret header values."""

    def filter(self, record: logging.LogRecord) -> bool:
        arguments = record.args
        if not isinstance(arguments, tuple):
            return True
        if record.msg in HEADER_LINES and len(arguments) == 2:
            name, _ = arguments
            if str(name).lower() in SECRET_HEADERS:
                record.args = (name, REDACTED)
            return True
        if record.msg in FRAME_LINES and len(arguments) == 1:
            [frame] = arguments
            if isinstance(frame, Frame) and frame.opcode in DATA_OPCODES:
                record.args = (f"{frame.opcode.name} [{len(frame.data)} bytes]",)
            return True
        record.args = tuple(_without_query(argument) for argument in arguments)
        return True


def redact_uvicorn_logs() -> None:
    """Install the filter on uvicorn's loggers (once, however often it is called)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
            logger.addFilter(RedactSecrets())


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Send every log record of the process, at `level` and above, to stderr, one per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structured_formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def structured_formatter(log_format: LogFormat) -> logging.Formatter:
    """Renders any record as one line: its message as `event`, its `extra` fields, its level,
    logger and time, and its exception if it has one."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _drop_copies,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # JSON keeps a traceback on its event's line; the console renderer prints its own.
            *([structlog.processors.dict_tracebacks] if log_format == "json" else []),
            renderer,
        ],
    )


def _drop_copies(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    for key in COPIES:
        event.pop(key, None)
    return event


def _without_query(argument: object) -> object:
    if isinstance(argument, str) and argument.startswith("/") and "?" in argument:
        return argument.split("?", 1)[0] + "?" + REDACTED
    return argument
