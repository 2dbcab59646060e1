"""What the service's logs may contain: never a credential or a message body.

The service's own log lines carry connection ids, codes and counts, never what a client sent.
uvicorn's lines carry the request path *with its query string*, which is where browser clients
often put a token; `RedactQueryStrings` cuts the query string out of those lines.
"""

import logging

UVICORN_LOGGERS = ("uvicorn.error", "uvicorn.access")
"""The loggers uvicorn writes request paths to: WebSocket handshakes and HTTP access lines."""
REDACTED = "?[redacted]"


class RedactQueryStrings(logging.Filter):
    """Replaces the query string of every logged path with `?[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(argument) for argument in record.args)
        return True


def redact_uvicorn_logs() -> None:
    """Install the filter on uvicorn's loggers (once, however often it is called)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactQueryStrings) for existing in logger.filters):
            logger.addFilter(RedactQueryStrings())


def _redacted(argument: object) -> object:
    if isinstance(argument, str) and argument.startswith("/") and "?" in argument:
        return argument.split("?", 1)[0] + REDACTED
    return argument
