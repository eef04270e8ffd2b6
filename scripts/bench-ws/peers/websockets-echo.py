# The seed's WebSocket echo server (Python `websockets`, asyncio), without its prefix so that the
# same load tester verifies every server; `--uvloop` runs it on uvloop's event loop.
# Compression and keepalive pings are off, as in the servers it is compared with.
import asyncio
import signal
import sys

import websockets


async def echo(websocket, *_path):
    async for message in websocket:
        await websocket.send(message)


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(echo, "127.0.0.1", port, compression=None, max_size=None, ping_interval=None):
        await stop


if "--uvloop" in sys.argv:
    import uvloop

    uvloop.install()
asyncio.run(main(int(sys.argv[1])))
