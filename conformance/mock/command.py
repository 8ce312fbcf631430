"""``opentact-conformance mock``: serve the reference mock until Ctrl-C.

Also reachable as ``python -m conformance.mock``. Exit codes: 0 after Ctrl-C/SIGTERM or
``--list-faults``; 2 for a usage error (unknown fault, bad sender, port in use); 1 if the
server dies on its own. A ``--host`` that is not a loopback address gets a warning on stderr
before the bind: every machine that reaches that interface can then send to the mock.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urlencode

from conformance.mock.config import (
    DEFAULT_SENDERS,
    DEFAULT_TOKEN,
    LOOPBACK,
    SUCCESS_STATUSES,
    MockConfig,
    MockConfigError,
)
from conformance.mock.faults import FAULTS, UnknownFaultError, resolve_faults

if TYPE_CHECKING:  # uvicorn loads when the mock is served, not for `--help` (issue 13)
    from conformance.mock.server import MockServer

__all__ = [
    "DEFAULT_PORT",
    "add_parser",
    "configure_parser",
    "curl_example",
    "exposure_warning",
    "format_fault_table",
    "main",
    "run",
]

DEFAULT_PORT = 8080
EXAMPLE_RECIPIENT = "14155550100"
EXAMPLE_MESSAGE = "Hello world"
_PROG = "opentact-conformance mock"
_DESCRIPTION = (
    "Serve the reference Opentact mock (POST /rest/sms as documented) on a local port, "
    "optionally with catalogued faults switched on. Stop it with Ctrl-C."
)


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the mock's options to ``parser``; return it."""
    parser.add_argument("--host", default=LOOPBACK, help=f"interface to bind (default {LOOPBACK})")
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to bind, 0 for a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the accepted token (default %(default)s)")
    parser.add_argument(
        "--sender",
        dest="senders",
        metavar="TN",
        action="extend",
        nargs="+",
        help=f"a leased sender number; repeatable (default {' '.join(DEFAULT_SENDERS)})",
    )
    parser.add_argument(
        "--fault",
        dest="faults",
        metavar="NAME",
        action="extend",
        nargs="+",
        default=[],
        help="switch a catalogued fault on; repeatable, commas allowed (see --list-faults)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of uuids and threads (default 0)")
    parser.add_argument(
        "--success-status",
        type=int,
        choices=sorted(SUCCESS_STATUSES),
        default=200,
        help="status of a successful send: 200 (type smso) or 201 (type smsr)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="print one line per request to stderr (off by default: a long run would log without end; "
        "GET /_mock/stats counts requests cheaply)",
    )
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue and exit")
    return parser


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Register the ``mock`` subcommand on the main CLI's subparsers."""
    parser = subparsers.add_parser("mock", help="serve the reference mock target", description=_DESCRIPTION)
    return configure_parser(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (``python -m conformance.mock``)."""
    parser = configure_parser(
        argparse.ArgumentParser(prog="python -m conformance.mock", description=_DESCRIPTION)
    )
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        print(format_fault_table(), end="")
        return 0
    try:
        faults = resolve_faults(
            name.strip() for value in args.faults for name in value.split(",") if name.strip()
        )
        senders = tuple(args.senders) if args.senders else DEFAULT_SENDERS
        config = MockConfig(
            token=args.token,
            senders=senders,
            faults=faults,
            seed=args.seed,
            success_status=args.success_status,
        )
    except (UnknownFaultError, MockConfigError) as exc:
        return _usage_error(str(exc))
    from conformance.mock.server import MockServer

    warning = exposure_warning(args.host, default_token=config.token == DEFAULT_TOKEN)
    if warning:
        print(f"{_PROG}: warning: {warning}", file=sys.stderr, flush=True)
    access_log = bool(getattr(args, "access_log", False))
    server = MockServer(config, host=args.host, port=args.port, access_log=access_log)
    stop = threading.Event()
    with _signals_set(stop), _access_log_to(sys.stderr, on=access_log):
        try:
            server.start()
        except OSError as exc:
            return _usage_error(_bind_error(exc, args.host, args.port))
        try:
            _print_banner(server)
            stopped = _wait_for_stop(server, stop)
        finally:
            server.stop(raise_errors=False)  # uvicorn has already logged any error
    if not stopped:
        print(f"{_PROG}: error: the server stopped unexpectedly", file=sys.stderr)
        return 1
    print("mock stopped", file=sys.stderr)
    return 0


def format_fault_table() -> str:
    """One line per catalogued fault: name, category, check, description."""
    rows = [("NAME", "CATEGORY", "CHECK", "DESCRIPTION")]
    rows += [(fault.name, fault.category, fault.check, fault.description) for fault in FAULTS]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def curl_example(url: str, token: str, sender: str) -> str:
    """A ready-to-paste curl line sending one documented request to the mock."""
    query = urlencode({"FROM": sender, "TO": EXAMPLE_RECIPIENT, "Message": EXAMPLE_MESSAGE}, quote_via=quote)
    target = f"{url}/rest/sms?{query}"
    return f"curl -sS -X POST {shlex.quote(target)} -H {shlex.quote(f'X-Auth-Token: {token}')}"


def _is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost may resolve to any interface
        return False


def exposure_warning(host: str, *, default_token: bool) -> str:
    """One paragraph when ``host`` is not a loopback address (nothing when it is)."""
    if _is_loopback(host):
        return ""
    where = "every interface of this machine" if host in ("0.0.0.0", "::", "") else host
    exposed = (
        "and the mock accepts the well-known default token (printed in this tool's help and docs): "
        "anyone who can reach this port can use it"
        if default_token
        else "so anyone who can reach this port and knows the token can use it"
    )
    return (
        f"--host {host or '(empty)'} binds {where}, not only loopback, {exposed}. The mock is meant "
        "for local tests: bind 127.0.0.1 (the default) unless other machines must reach it; if they "
        "must, set a token of your own with --token (e.g. --token "
        "\"$(python -c 'import secrets; print(secrets.token_urlsafe(24))')\") and let a firewall "
        "limit who reaches the port."
    )


def _print_banner(server: MockServer) -> None:
    config = server.config
    faults = ", ".join(sorted(config.faults)) or "none"
    print(f"Opentact mock listening on {server.url}  (Ctrl-C to stop)", flush=False)
    print(f"  token:          {config.token}")
    print(f"  senders:        {', '.join(config.senders)}")
    print(f"  faults:         {faults}")
    print(f"  seed:           {config.seed}")
    print(f"  success status: {config.success_status} (type {config.payload_type})")
    print("  try:")
    print(curl_example(server.url, config.token, config.senders[0]), flush=True)


def _wait_for_stop(server: MockServer, stop: threading.Event) -> bool:
    """Block until SIGINT/SIGTERM (True) or until the server dies on its own (False)."""
    try:
        while not stop.wait(0.2):
            if not server.running:
                return False
    except KeyboardInterrupt:  # off the main thread no handler is installed
        pass
    return True


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; pick another with --port (0 picks a free one)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


@contextmanager
def _signals_set(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _access_log_to(stream: TextIO, *, on: bool = True) -> Iterator[None]:
    """Show uvicorn's access lines while the command runs, without touching the root logger."""
    if not on:
        yield
        return
    logger = logging.getLogger("uvicorn.access")
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    old_level: Any = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}; give a number from 0 to 65535") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value}; give a number from 0 to 65535")
    return value


def _usage_error(message: str) -> int:
    print(f"{_PROG}: error: {message}", file=sys.stderr)
    return 2
