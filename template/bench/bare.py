"""Baseline (b): fan-out in a bare ASGI application, with no framework at all.

It does the least work that can deliver the protocol: the ASGI `send` callables of a room's
members in a dict, one `json.dumps` per broadcast, and one ASGI send per member awaited in
turn. It is the ceiling of the server stack (uvicorn and its WebSocket implementation) that
the service runs on. It takes events over HTTP as the service's API does (`POST
/api/rooms/{room}/events`, 202), without checking the key or the body.

Run by the benchmark as `python -m bench.bare PORT`.
"""

import json
from typing import Any

from starlette.types import Receive, Scope, Send

from bench.serving import serve

rooms: dict[str, dict[int, Send]] = {}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "websocket":
        await _websocket(receive, send)
    elif scope["type"] == "http":
        await _http_event(scope, receive, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        event = await receive()
        await send({"type": event["type"] + ".complete"})
        if event["type"] == "lifespan.shutdown":
            return


async def _websocket(receive: Receive, send: Send) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    joined: list[str] = []
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                return
            message: dict[str, Any] = json.loads(event["text"])
            payload = message["payload"]
            if message["type"] == "join":
                rooms.setdefault(payload["room"], {})[id(send)] = send
                joined.append(payload["room"])
                reply = json.dumps({"type": "joined", "payload": payload})
                await send({"type": "websocket.send", "text": reply})
            elif message["type"] == "chat":
                text = json.dumps({"type": "chat", "payload": {**payload, "sender": "bare"}})
                for member_send in tuple(rooms.get(payload["room"], {}).values()):
                    await member_send({"type": "websocket.send", "text": text})
    finally:
        for room in joined:
            rooms[room].pop(id(send), None)


async def _http_event(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        event = await receive()
        body += event.get("body", b"")
        if not event.get("more_body", False):
            break
    room = scope["path"].split("/")[3]
    payload = {"room": room, **json.loads(body)}
    text = json.dumps({"type": "event", "payload": payload})
    for member_send in tuple(rooms.get(room, {}).values()):
        await member_send({"type": "websocket.send", "text": text})
    reply = json.dumps({"room": room}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(reply))]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": reply})


if __name__ == "__main__":
    serve(app)
