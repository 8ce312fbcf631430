"""Reproducible by construction: every option that shaped a run, and one command that repeats it.

``results.json`` gets an ``invocation`` object: the command line (secrets redacted), the profile
(as given, its file and the file's sha256), seed, max-examples, phases, checks, faults and the
other switches, tool and spec versions, and ``reproduce`` — a command that runs the same cases
against the same target again. ``replay`` reads it back to regenerate the failing cases.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance import __version__
from conformance.model.exchange import REDACTED, redact_text

if TYPE_CHECKING:  # profiles (yaml, jsonschema) load when a command runs, not for `--help`
    from conformance.engine.profiles import Profile

__all__ = ["profile_fingerprint", "record_invocation", "redact_command_line", "reproduce_command"]

_URL_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@")
_SECRET_QUERY = re.compile(r"(?i)([?&](?:jwt|token|access_token|api_key|key)=)[^&\s'\"]+")


def redact_command_line(
    argv: Sequence[str], secrets: Sequence[str], *, program: str = "opentact-conformance"
) -> str:
    """The command line as typed, with tokens, URL credentials and token-bearing query values masked."""
    text = f"{program} {shlex.join(argv)}"
    text = redact_text(text, list(secrets))
    text = _URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    return _SECRET_QUERY.sub(rf"\1{REDACTED}", text)


def profile_fingerprint(profile: Profile) -> dict[str, Any]:
    """Where the profile came from and the sha256 of its file (None for the built-in profiles)."""
    path = Path(profile.source)
    digest = None
    if not profile.embedded_mock and path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "name": profile.name,
        "source": str(path.resolve()) if digest else profile.source,
        "sha256": digest,
    }


def reproduce_command(invocation: Mapping[str, Any]) -> str:
    """One ``opentact-conformance run`` command that sends the same cases to the same target."""
    parts = ["opentact-conformance", "run", "--profile", str(invocation.get("profile_ref") or "mock")]
    for option, key in (("--base-url", "base_url"), ("--token-env", "token_env")):
        if invocation.get(key):
            parts += [option, str(invocation[key])]
    for sender in invocation.get("senders") or ():
        parts += ["--sender", str(sender)]
    parts += ["--seed", str(invocation.get("seed", 0)), "--max-examples", str(invocation.get("max_examples"))]
    if invocation.get("phases_filtered"):
        for phase in invocation.get("phases") or ():
            parts += ["--phase", str(phase)]
    if invocation.get("checks_filtered"):
        for check in invocation.get("checks") or ():
            parts += ["--check", str(check)]
    for fault in invocation.get("faults") or ():
        parts += ["--fault", str(fault)]
    parts += ["--fail-on", str(invocation.get("fail_on", "error"))]
    for flag, key in (("--negative-only", "negative_only"), ("--live", "live")):
        if invocation.get(key):
            parts.append(flag)
    if invocation.get("shard"):
        parts += ["--shard", str(invocation["shard"])]
    if invocation.get("baseline"):
        parts += ["--baseline", str(invocation["baseline"])]
    return shlex.join(parts)


def record_invocation(
    args: argparse.Namespace,
    profile: Profile,
    *,
    phases: Sequence[str],
    checks: Sequence[str],
    spec: Mapping[str, str],
    secrets: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``invocation`` object of results.json for a ``run``."""
    argv = getattr(args, "argv", None)
    record: dict[str, Any] = {
        "command_line": redact_command_line(
            argv if argv is not None else sys.argv[1:],
            secrets,
            program=getattr(args, "program", "opentact-conformance"),
        ),
        "profile_ref": args.profile or "mock",
        "profile": profile_fingerprint(profile),
        "base_url": args.base_url,
        "token_env": args.token_env,
        # the variable the token was read from (a name, never the value): what a reproduction reads
        "token_variable": profile.auth.token_env,
        "senders": list(args.sender),
        "seed": args.seed,
        "max_examples": args.max_examples,
        "phases": list(phases),
        "phases_filtered": bool(args.phase),
        "checks": list(checks),
        "checks_filtered": bool(args.check),
        "faults": sorted(set(args.fault)),
        "mock_faults": list(profile.mock_faults),
        "negative_only": bool(args.negative_only),
        "fail_on": args.fail_on,
        "live": bool(args.live),
        "shard": None if args.shard is None else f"{args.shard[0]}/{args.shard[1]}",
        "baseline": None if args.baseline is None else str(args.baseline),
        "tool_version": __version__,
        "spec_version": spec.get("version", ""),
        "spec_sha256": spec.get("sha256", ""),
        "python": sys.version.split()[0],
    }
    record["reproduce"] = reproduce_command(record)
    return record
