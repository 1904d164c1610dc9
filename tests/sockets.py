"""What a socket answers at the handshake, as a client behind daphne sees it."""

from channels.testing import WebsocketCommunicator


async def refused_with(ws: WebsocketCommunicator):
    """The close code of a refusal: the socket is accepted and closed at once, so that
    daphne passes the code on (a close before the accept reaches clients as an
    HTTP 403). Anything else is described instead: a handshake rejection, or
    "accepted" with the socket disconnected again."""
    connected, code = await ws.connect()
    if not connected:
        return f"rejected at the handshake ({code})"
    output = await ws.receive_output()
    if output["type"] == "websocket.close":
        return output.get("code")
    await ws.disconnect()
    return "accepted"
