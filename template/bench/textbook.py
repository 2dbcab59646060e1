"""Baseline (a): the connection manager most tutorials teach.

Each broadcast awaits `send_json` for one member after another, serializing the message again
for every recipient, so one member that stops reading holds up the whole room. The protocol
matches the service's closely enough for the same load generator: `join` is answered with
`joined` and `chat` is broadcast to the room, the sender included.

Run by the benchmark as `python -m bench.textbook PORT`.
"""

from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from bench.serving import serve


class TextbookManager:
    def __init__(self) -> None:
        self.rooms: dict[str, list[WebSocket]] = {}

    def join(self, room: str, websocket: WebSocket) -> None:
        self.rooms.setdefault(room, []).append(websocket)

    def leave(self, room: str, websocket: WebSocket) -> None:
        self.rooms[room].remove(websocket)

    async def broadcast(self, room: str, message: dict[str, Any]) -> None:
        for websocket in self.rooms.get(room, []):
            await websocket.send_json(message)


app = FastAPI()
manager = TextbookManager()


@app.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    joined: list[str] = []
    try:
        while True:
            data = await websocket.receive_json()
            payload = data["payload"]
            if data["type"] == "join":
                manager.join(payload["room"], websocket)
                joined.append(payload["room"])
                await websocket.send_json({"type": "joined", "payload": payload})
            elif data["type"] == "chat":
                message = {"type": "chat", "payload": {**payload, "sender": "textbook"}}
                await manager.broadcast(payload["room"], message)
    except WebSocketDisconnect:
        pass
    finally:
        for room in joined:
            manager.leave(room, websocket)


if __name__ == "__main__":
    serve(app)
