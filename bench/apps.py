"""Ceiling servers: what our code is judged against, run under the same server as our code.

- `bench.apps:bare_asgi`: a bare ASGI app answering with the bytes in `BENCH_BODY_FILE` (the
  very JSON a scenario's endpoint returns), served by daphne: the HTTP ceiling.
- `python -m bench.apps ws-echo PORT`: a raw `websockets` echo server: the socket ceiling.
- `bench.echo_channels:application`: a bare Channels echo consumer under daphne.
"""

import asyncio
import os
import sys


def _body() -> bytes:
    path = os.environ.get("BENCH_BODY_FILE")
    if path:
        with open(path, "rb") as f:
            return f.read()
    return b'{"ok": true}'


_BODY = _body()
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]


async def bare_asgi(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


async def ws_echo(port: int) -> None:
    from websockets.asyncio.server import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.Future()


if __name__ == "__main__":
    if sys.argv[1:2] == ["ws-echo"]:
        asyncio.run(ws_echo(int(sys.argv[2])))
    else:
        sys.exit("usage: python -m bench.apps ws-echo PORT")
