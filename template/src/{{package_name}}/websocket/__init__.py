"""The WebSocket endpoint, its message contract and the connection manager."""
