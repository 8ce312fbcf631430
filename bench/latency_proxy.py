"""A loopback TCP proxy that holds every byte coming back from the upstream for a fixed delay.

Each answer therefore reaches the client ``--delay-ms`` later than the upstream sent it (100 ms: a real
target's latency), on every connection independently, so overlapping requests overlap their waits as they
would against a remote server. Requests pass through at once. Runs as its own process:

    python -m bench.latency_proxy --upstream http://127.0.0.1:PORT --delay-ms 100 [--arrivals FILE]

With ``--arrivals``, the time (``time.monotonic()``) each piece of a request arrives from a client is
appended to FILE, one line each: the first and last lines of a run bound its sending window.

and prints ``listening on http://127.0.0.1:N`` once it accepts connections; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

__all__ = ["main", "serve"]

LOOPBACK = "127.0.0.1"
CHUNK = 65536


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_s: float, arrivals: TextIO | None = None
) -> None:
    """Copy ``reader`` to ``writer``; each chunk leaves ``delay_s`` after it arrived, in order (and its
    arrival time is written to ``arrivals``, if given)."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def release() -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(release())
    try:
        while data := await reader.read(CHUNK):
            arrived = time.monotonic()
            if arrivals is not None:
                print(f"{arrived:.6f}", file=arrivals, flush=True)
            queue.put_nowait((arrived + delay_s, data))
    finally:
        queue.put_nowait((time.monotonic() + delay_s, b""))
        with contextlib.suppress(ConnectionError):
            await sender
        writer.close()


async def serve(upstream_port: int, delay_s: float, port: int = 0, arrivals: TextIO | None = None) -> None:
    """Listen on loopback and forward each connection to ``127.0.0.1:upstream_port`` until cancelled."""

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, upstream_port)
        except OSError:
            client_writer.close()
            return
        with contextlib.suppress(ConnectionError):
            await asyncio.gather(
                _pipe(client_reader, up_writer, 0.0, arrivals), _pipe(up_reader, client_writer, delay_s)
            )

    server = await asyncio.start_server(handle, LOOPBACK, port)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening on http://{LOOPBACK}:{bound} (delay {delay_s * 1000:.0f} ms per answer)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_proxy", description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the server behind")
    parser.add_argument("--delay-ms", type=float, default=100.0, help="delay of every answer (default 100)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--arrivals", type=Path, metavar="FILE", help="append request arrival times here")
    args = parser.parse_args(argv)
    parts = urlsplit(args.upstream)
    if parts.hostname not in (LOOPBACK, "localhost") or parts.port is None:
        parser.error(
            f"--upstream {args.upstream!r}: give a loopback URL with a port, e.g. http://127.0.0.1:8080"
        )
    if args.arrivals is None:
        asyncio.run(serve(parts.port, args.delay_ms / 1000, args.port))
        return 0
    with args.arrivals.open("a", encoding="utf-8") as arrivals:
        asyncio.run(serve(parts.port, args.delay_ms / 1000, args.port, arrivals))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
