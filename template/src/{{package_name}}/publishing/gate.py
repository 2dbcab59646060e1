"""The gate every request to the HTTP API passes, before FastAPI reads anything of it.

FastAPI reads and validates a body before it runs any dependency, so an API key checked in a
dependency would let a caller without one learn the body's rules (413, 422) and make the
service read a large body. The key is checked here instead, in the route class
(`KeyCheckedRoute`), ahead of FastAPI's own handler; then the body is read through
`BoundedRequest`, which stops at `MAX_MESSAGE_BYTES` whatever `Content-Length` says and
parses strict JSON. Every refusal is an `ApiError` (`Refused`), and a 422 is FastAPI's list
of failing fields without the input it would echo.
"""

import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import from_json

if TYPE_CHECKING:
    from ..token_table import TokenTable


class ApiError(BaseModel):
    """Why a request was refused (422 answers are FastAPI's list of failing fields)."""

    code: str
    detail: str


class BoundedRequest(Request):
    """A request whose body is read up to `MAX_MESSAGE_BYTES`, refused with 413 beyond,
    whatever `Content-Length` claims, and parsed as strict JSON."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            limit: int = self.app.state.settings.max_message_bytes
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _body_too_large(limit)
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > limit:
                    raise _body_too_large(limit)
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:  # noqa: ANN401 - any JSON document, validated next
        """The body parsed as strict JSON: Python's own parser takes `NaN`, lone surrogates
        and any depth, none of which a delivered message may carry. This is the parser that
        checks every delivered message (Pydantic's), so what it reads, delivery reads."""
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = from_json(body, allow_inf_nan=False)
            except ValueError as error:
                raise json.JSONDecodeError(str(error), body.decode(errors="replace"), 0) from None
        return self._json


class KeyCheckedRoute(APIRoute):
    """A route that answers 401 before anything else unless the request carries an API key."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_key(request: Request) -> Response:
            keys: TokenTable = request.app.state.api_keys
            key_name = keys.owner_of(_bearer(request)) if keys else None
            if key_name is None:
                return Refused(
                    status.HTTP_401_UNAUTHORIZED,
                    "unauthorized",
                    "missing or invalid API key: send Authorization: Bearer <key>",
                    {"WWW-Authenticate": "Bearer"},
                ).response()
            request.scope.setdefault("state", {})["api_key"] = key_name
            try:
                return await handle(BoundedRequest(request.scope, request.receive))
            except Refused as refused:
                return refused.response()
            except RequestValidationError as error:
                return _invalid(error)

        return handle_with_key


class Refused(HTTPException):
    """A refusal answered with an `ApiError` body. (An `HTTPException`, so that FastAPI lets
    it through from reading the body; `KeyCheckedRoute` turns it into the answer.)"""

    def __init__(
        self, status_code: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, detail, headers)
        self.code = code

    def response(self) -> JSONResponse:
        body = ApiError(code=self.code, detail=self.detail).model_dump()
        return JSONResponse(body, self.status_code, headers=self.headers)


def _bearer(request: Request) -> str:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


def _body_too_large(limit: int) -> Refused:
    problem = f"the body is larger than MAX_MESSAGE_BYTES ({limit} bytes)"
    return Refused(status.HTTP_413_CONTENT_TOO_LARGE, "too_large", problem)


def _invalid(error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, without the `input` it echoes: a value it cannot write back (a number
    too large for a float, read as infinity) would turn the answer into a 500, and the body
    is the caller's own anyway."""
    fields = [
        {"type": detail["type"], "loc": list(detail["loc"]), "msg": detail["msg"]}
        for detail in error.errors()
    ]
    return JSONResponse({"detail": fields}, status.HTTP_422_UNPROCESSABLE_CONTENT)
