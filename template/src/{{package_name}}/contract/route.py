"""`GET /asyncapi.json`: the contract, as this instance runs it.

The document names the settings this instance runs with, so a client team reads the limits
it will meet, not the defaults, and the address it was asked at. It is built once per
application (a few tens of milliseconds of CPU, which must not be spent on the event loop
for every request) and only the address is filled in per request; the answer varies with
the `Host` header, and says so to caches.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..config import Settings
from ..dependencies import get_settings_of_app
from .asyncapi import build_document, with_server

router = APIRouter(tags=["contract"])


@router.get(
    "/asyncapi.json",
    summary="The WebSocket protocol as an AsyncAPI 3.0 document",
    response_description="The AsyncAPI document (application/json)",
)
async def asyncapi_document(
    request: Request, settings: Annotated[Settings, Depends(get_settings_of_app)]
) -> JSONResponse:
    document = with_server(
        _document_of(request, settings),
        request.url.netloc,
        secure=request.url.scheme == "https",
    )
    return JSONResponse(document, headers={"Vary": "Host"})


def _document_of(request: Request, settings: Settings) -> dict[str, Any]:
    document: dict[str, Any] | None = getattr(request.app.state, "contract", None)
    if document is None:
        document = request.app.state.contract = build_document(settings)
    return document
