"""Liveness and readiness probes.

`/healthz` says the process answers HTTP; `/readyz` says it should receive traffic: from the
end of start-up until shutdown begins, and while the backplane can carry room messages.
Orchestrators restart on the first and route on the second: an instance cut off from Redis
keeps its connections and recovers by itself, so it is taken out of rotation, not restarted.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from .dependencies import get_manager
from .websocket.manager import ConnectionManager

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]


@router.get("/healthz")
async def healthz() -> Health:
    return Health()


@router.get("/readyz", responses={503: {"model": Readiness}})
async def readyz(
    request: Request,
    response: Response,
    manager: Annotated[ConnectionManager, Depends(get_manager)],
) -> Readiness:
    if request.app.state.started and not manager.draining and manager.backplane.available:
        return Readiness(status="ready")
    response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Readiness(status="not_ready")
