"""`GET /metrics`: the counts in Prometheus' exposition format.

With `METRICS_TOKEN` set, a scrape must carry it as a bearer token (Prometheus'
`authorization` in its scrape config); a client's WebSocket credential or an API key never
opens it, nor does this token open anything else. The format follows the scraper's `Accept`
header: OpenMetrics when it asks for it, the classic text format otherwise.
"""

import asyncio
import secrets
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from ..config import Settings
from ..dependencies import get_settings_of_app
from .counters import multiprocess_mode

if TYPE_CHECKING:
    from .counters import PrometheusMetrics

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The metrics, as text"},
        401: {"description": "`METRICS_TOKEN` is set and the request does not carry it"},
    },
)
async def metrics(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings_of_app)],
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        if authorization is None or not secrets.compare_digest(
            authorization.encode(), expected.encode()
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    registry = _registry(request)
    if multiprocess_mode():  # reads every worker's files: off the event loop
        return Response(await asyncio.to_thread(encode, registry), media_type=content_type)
    return Response(encode(registry), media_type=content_type)


def _registry(request: Request) -> CollectorRegistry:
    """This process's metrics; or, in a worker, every worker's (read from their files)."""
    if multiprocess_mode():
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker)  # type: ignore[no-untyped-call]
        return every_worker
    counters: PrometheusMetrics = request.app.state.metrics
    return counters.registry
