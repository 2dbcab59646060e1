"""Background tasks whose failures are never lost.

A task that nobody awaits keeps its exception to itself: asyncio mentions it, at best, when
the task is garbage-collected. Every task the service starts and does not await goes through
`start_background`, so that a failure is logged at ERROR, with its traceback, when it happens.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


def start_background(coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    """Run `coroutine` as a task named `name`; a failure is logged at ERROR.

    The caller keeps the task (asyncio holds only a weak reference to it) and may cancel it:
    a cancellation is not a failure.
    """
    task = asyncio.create_task(coroutine, name=name)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: "asyncio.Task[Any]") -> None:
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        logger.error("background_task_failed", extra={"task": task.get_name()}, exc_info=error)
