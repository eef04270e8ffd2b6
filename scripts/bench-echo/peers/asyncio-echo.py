"""The seeds' Python asyncio echo servers, as benchmark peers.

TCP: asyncio.start_server with a handler that reads and writes back with drain (the seeds'
handle_client, looping until EOF and echoing bytes instead of decoding them).
UDP: a DatagramProtocol that sends every datagram back with transport.sendto.

Usage: python3 asyncio-echo.py tcp|udp PORT [--uvloop]
"""
import asyncio
import signal
import sys


async def handle_client(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


class EchoDatagram(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def main(kind, port):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    if kind == 'tcp':
        # backlog 511 as Node's default, so a burst of connects is not throttled by Python's 100.
        server = await asyncio.start_server(handle_client, '127.0.0.1', port, backlog=511)
        async with server:
            await stop
    else:
        transport, _ = await loop.create_datagram_endpoint(EchoDatagram, local_addr=('127.0.0.1', port))
        await stop
        transport.close()


if __name__ == '__main__':
    kind, port = sys.argv[1], int(sys.argv[2])
    if '--uvloop' in sys.argv[3:]:
        import uvloop
        uvloop.install()
    asyncio.run(main(kind, port))
