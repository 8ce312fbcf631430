"""`opentact-conformance proxy`: a validating reverse proxy in front of the API (zero extra sends).

The application points its base URL at the proxy; every request is forwarded once, unchanged, to
``--upstream`` and the answer returned unchanged, while the exchange is checked off the response
path with every check that applies to traffic the suite did not generate. The results are
written every ``--flush-every`` seconds (marked partial while it runs) and at the end: after
``--max-exchanges`` exchanges or ``--duration`` seconds (a complete run, verdict and exit code as
``run``), or on Ctrl-C/SIGTERM (incomplete, exit 130/143, never a pass).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.commands import signals
from conformance.commands.console import summary_lines
from conformance.commands.exit_codes import EXIT_CODES_HELP, EXIT_UNREACHABLE, EXIT_USAGE
from conformance.commands.invocation import profile_fingerprint, redact_command_line
from conformance.commands.options import HelpFormatter, add_report_options
from conformance.commands.report_dir import ReportDirError, claimed_report_dir
from conformance.model.deviations import Severity

__all__ = ["add_parser", "run"]

DEFAULT_FLUSH_S = 5.0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "proxy",
        help="validating reverse proxy: check the application's own traffic (zero extra sends)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog=EXIT_CODES_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--upstream", required=True, metavar="URL", help="the API's base URL, e.g. https://api.opentact.org"
    )
    parser.add_argument(
        "--port", required=True, type=int, metavar="N", help="port to listen on (0: a free one)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="target profile: leased senders, token, latency budget"
    )
    add_report_options(parser)
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        metavar="FILE",
        help="PEM CA certificates to verify an "
        "https upstream with (a sandbox's private CA); default: $SSL_CERT_FILE, else certifi's (D46)",
    )
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on; anything but loopback is announced with a warning",
    )
    parser.add_argument("--max-exchanges", type=int, metavar="N", help="stop after N forwarded exchanges")
    parser.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this many seconds")
    parser.add_argument(
        "--flush-every",
        type=float,
        default=DEFAULT_FLUSH_S,
        metavar="SECONDS",
        help="write the results (marked partial) this often",
    )
    parser.add_argument("--check", action="append", default=[], metavar="ID", help="only these checks")
    parser.add_argument(
        "--quiet", action="store_true", help="print only the listening address and the summary"
    )
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"opentact-conformance proxy: {message}", file=sys.stderr)
    return code


def _platform_problem() -> str:
    """The proxy checks traffic in a forked child process (it inherits the checker as it is): a platform
    without ``fork`` (Windows) cannot run it (D50)."""
    import multiprocessing  # here, not at the top: every command's start-up imports this module

    if "fork" in multiprocessing.get_all_start_methods():
        return ""
    return (
        f"the proxy needs os.fork, which this platform ({sys.platform}) does not have: it runs only on "
        "POSIX systems (Linux, macOS). Run it on one of those (on Windows: inside WSL), or record the "
        "traffic (a HAR file) and check it with `opentact-conformance check-traffic`; nothing was sent."
    )


def _usage_problem(args: argparse.Namespace) -> str:
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not a port: give 1-65535, or 0 for a free one."
    if args.max_exchanges is not None and args.max_exchanges < 1:
        return "--max-exchanges must be 1 or more (leave it out to run until stopped)."
    if args.duration is not None and not args.duration > 0:
        return "--duration must be more than 0 seconds (leave it out to run until stopped)."
    if not args.flush_every > 0:
        return "--flush-every must be more than 0 seconds."
    try:
        ipaddress.ip_address(args.bind)
    except ValueError:
        return f"--bind {args.bind!r} is not an IP address; give e.g. 127.0.0.1 or ::1."
    return ""


def _loopback(address: str) -> bool:
    return ipaddress.ip_address(address).is_loopback


def run(args: argparse.Namespace) -> int:
    from conformance.contract.specfile import SpecError, load_spec
    from conformance.engine.profiles import ProfileError, load_profile, resolve_token
    from conformance.engine.traffic.observed import ObservedChecker
    from conformance.engine.traffic.proxy_session import ProxySession
    from conformance.engine.traffic.proxy_upstream import (
        Upstream,
        UpstreamTLSError,
        UpstreamUnreachableError,
        UpstreamURLError,
    )

    problem = _platform_problem() or _usage_problem(args)
    if problem:
        return _fail(problem)
    try:
        upstream = Upstream.parse(args.upstream)
        context = upstream.tls_context(args.ca_bundle) if upstream.tls else None
        if args.ca_bundle is not None and not upstream.tls:
            return _fail(f"--ca-bundle is for https upstreams; {upstream.url} is plain http.")
        profile = load_profile(args.profile) if args.profile else None
        token = ""
        if profile is not None and not profile.embedded_mock:
            try:
                token = resolve_token(profile)
            except ProfileError as exc:
                print(
                    f"opentact-conformance proxy: note: the profile's token is not known ({exc}); "
                    "requests are classified without it.",
                    file=sys.stderr,
                )
        upstream.probe(context)
        spec = load_spec()
        checker = ObservedChecker(
            spec,
            profile,
            secrets=(token,) if token else (),
            base_url=upstream.url,
            token=token or None,
            checks=tuple(args.check),
            known_secrets=args.known_secrets,
        )
    except (UpstreamURLError, UpstreamTLSError, ProfileError, SpecError) as exc:
        return _fail(str(exc))
    except UpstreamUnreachableError as exc:
        return _fail(
            f"{exc}. Check --upstream and that the server is running; nothing was sent.", EXIT_UNREACHABLE
        )
    if not _loopback(args.bind):
        print(
            f"opentact-conformance proxy: WARNING: listening on {args.bind}, not loopback: anyone who can "
            "reach this address can send through the proxy with the credentials they bring.",
            file=sys.stderr,
        )
    timeout_s = profile.timeout_s if profile is not None and args.profile else 30.0
    try:
        with claimed_report_dir(args.report_dir):
            from conformance.commands.run import write_artefacts

            session = ProxySession(
                checker,
                upstream,
                writer=lambda results: write_artefacts(results, args.report_dir),
                ssl_context=context,
                bind=args.bind,
                port=args.port,
                timeout_s=timeout_s,
                max_exchanges=args.max_exchanges,
            )
            try:
                session.start()
            except OSError as exc:
                return _fail(
                    f"cannot listen on {args.bind} port {args.port} ({exc.strerror or exc}); pass "
                    "another --port (0 picks a free one)."
                )
            print(f"listening on {session.url} -> {upstream.url}", flush=True)
            return _serve(session, args, _invocation(args, upstream.url, profile, token))
    except ReportDirError as exc:
        return _fail(str(exc))


def _serve(session: Any, args: argparse.Namespace, invocation: dict[str, Any]) -> int:
    """Flush periodically until a limit or a signal; then stop, let the checks catch up, finish."""
    from conformance.commands.run import finish, incomplete_results

    fail_on = Severity.parse(args.fail_on)
    started = time.monotonic()
    end = None if args.duration is None else started + args.duration
    next_flush = started + args.flush_every
    reason = ""
    try:
        while signals.received() is None:
            now = time.monotonic()
            if end is not None and now >= end:
                break
            wake = min(next_flush, end) if end is not None else next_flush
            if session.limit_reached.wait(max(0.0, wake - now)):
                break
            if time.monotonic() >= next_flush:
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                session.flush(f"proxy still running (results as of {stamp})", fail_on, invocation)
                next_flush = time.monotonic() + args.flush_every
        if signals.received() is not None:
            reason = "SIGTERM" if signals.exit_code() == 143 else "Ctrl-C"
    except KeyboardInterrupt as exc:
        reason = str(getattr(exc, "reason", "") or "Ctrl-C")
    with signals.deferred():
        partial_reason = f"interrupted ({reason}): stopped before a limit ended it" if reason else ""
        results = session.finish(
            partial=bool(reason), partial_reason=partial_reason, fail_on=fail_on, invocation=invocation
        )
        if results is None:
            results = incomplete_results("proxy", 0, "the checks did not finish", command="proxy")
    if not args.quiet:
        print(f"proxy stopped: {f'interrupted ({reason})' if reason else 'limit reached'}", file=sys.stderr)
    return finish(results, args.report_dir, _summary(results))


def _invocation(args: argparse.Namespace, upstream_url: str, profile: Any, token: str) -> dict[str, Any]:
    from conformance import __version__

    argv = getattr(args, "argv", None) or sys.argv[1:]
    return {
        "command_line": redact_command_line(argv, [token] if token else []),
        "upstream": upstream_url,
        "profile_ref": args.profile,
        "profile": None if profile is None else profile_fingerprint(profile),
        "bind": args.bind,
        "max_exchanges": args.max_exchanges,
        "duration_s": args.duration,
        "flush_every_s": args.flush_every,
        "checks": list(args.check),
        "fail_on": args.fail_on,
        "tool_version": __version__,
        "python": sys.version.split()[0],
    }


def _summary(results: Any) -> str:
    stats = results.stats
    counts = results.counts()
    lines = [
        f"proxy -> {results.target.base_url}: {stats.get('proxy_forwarded', 0)} forwarded, "
        f"{stats.get('observed', 0)} checked as POST /rest/sms, {stats.get('skipped', 0)} other requests "
        f"skipped, {stats.get('proxy_upstream_failed', 0)} upstream failures, {results.duration_s:.1f} s",
        f"deviations: {counts['error']} error, {counts['warning']} warning, {counts['info']} info",
        *summary_lines(results),
    ]
    if results.crashes:
        lines.append(f"SUITE BUG: {len(results.crashes)} check crash(es), first: {results.crashes[0].error}")
    if results.partial:
        lines.append(f"PARTIAL: {results.partial_reason}")
    lines.append(
        f"verdict: {results.verdict.upper()} (fail on {results.fail_on.value}; "
        f"{len(results.gating())} gating)"
    )
    return "\n".join(lines)
