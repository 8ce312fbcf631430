"""Target profiles: YAML files describing where to send and how much, validated with JSON Schema.

A profile names the *environment variable* holding the token, never the token itself.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import yaml

from conformance.engine.tls_roots import CARootsError, verifying_context
from conformance.mock.faults import UnknownFaultError, resolve_faults

__all__ = [
    "DEFAULT_RACE_BURST",
    "LOOPBACK_CONCURRENCY",
    "MAX_CONCURRENCY",
    "MAX_RACE_BURST",
    "MOCK_PROFILE_NAME",
    "AuthConfig",
    "FollowPlan",
    "LifecycleSettings",
    "Profile",
    "ProfileError",
    "SendBudget",
    "checked_ca_bundle",
    "is_loopback_url",
    "load_profile",
    "mock_profile",
    "parse_rate_limit",
    "resolve_second_token",
    "resolve_token",
    "validate_base_url",
    "validate_token",
]

MOCK_PROFILE_NAME = "mock"
MOCK_TOKEN_ENV = "OPENTACT_MOCK_TOKEN"
DEFAULT_UNLEASED_SENDER = "15555550100"  # 555-01xx: reserved for fiction, never a real lease

MAX_PROFILE_BYTES = 1_048_576  # a profile is a few hundred bytes
MAX_PROFILE_NODES = 10_000  # values after YAML aliases are expanded (an alias bomb has billions)
URL_SCHEMES = ("http", "https")
MAX_CONCURRENCY = 64
LOOPBACK_CONCURRENCY = 8  # default in flight against a loopback URL (D42)
DEFAULT_RACE_BURST = 4  # distinct valid sends in flight at once after the main phase (D59)
MAX_RACE_BURST = 16
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute)\s*$")

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "base_url", "auth", "senders"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "base_url": {"type": "string", "pattern": "^https?://[^/\\s]+(/\\S*)?$"},
        "auth": {
            "type": "object",
            "required": ["method", "token_env"],
            "additionalProperties": False,
            "properties": {
                "method": {"enum": ["header", "jwt-query"]},
                "token_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            },
        },
        "senders": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[0-9]{3,15}$"},
        },
        "destinations": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{3,15}$"}},
        "unleased_sender": {"type": "string", "pattern": "^[0-9]{3,15}$"},
        "live": {"type": "boolean"},
        "max_sends": {"type": "integer", "minimum": 0},
        "rate_limit": {
            "type": "string",
            "pattern": "^\\s*\\d+(\\.\\d+)?\\s*/\\s*(s|sec|second|m|min|minute)\\s*$",
        },
        "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "latency_budget_ms": {"type": "number", "exclusiveMinimum": 0},
        "negative_only": {"type": "boolean"},
        "time_budget_s": {"type": "number", "exclusiveMinimum": 0},
        "concurrency": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_CONCURRENCY,
            "description": f"a whole number of requests in flight at once, 1 to {MAX_CONCURRENCY} "
            "(e.g. concurrency: 8), or leave the key out for the default",
        },
        "race_burst": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_RACE_BURST,
            "description": f"distinct valid sends in flight at once after the main phase, 0 to "
            f"{MAX_RACE_BURST} (e.g. race_burst: 4; 0 sends none, D59)",
        },
        "ca_bundle": {
            "type": "string",
            "minLength": 1,
            "description": "the path of a PEM file with the CA certificate(s) an https target is "
            "verified against, relative to the profile's folder (e.g. ca_bundle: sandbox-ca.pem)",
        },
        "proxy_from_environment": {
            "type": "boolean",
            "description": "true (the default) to send through HTTP_PROXY/HTTPS_PROXY/ALL_PROXY as "
            "NO_PROXY allows, false to connect to the target directly",
        },
        "lifecycle": {
            "type": "object",
            "additionalProperties": False,
            "description": "a mapping of follow, max_messages, max_reads, deadline_s, first_wait_s, "
            "max_wait_s and second_token_env (docs/profiles.md, D68)",
            "properties": {
                "follow": {"type": "boolean"},
                "max_messages": {"type": "integer", "minimum": 1},
                "max_reads": {"type": "integer", "minimum": 0},
                "deadline_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400},
                "first_wait_s": {"type": "number", "minimum": 0, "maximum": 3600},
                "max_wait_s": {"type": "number", "minimum": 0, "maximum": 3600},
                "second_token_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            },
        },
    },
}


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class AuthConfig:
    method: str  # "header" | "jwt-query"
    token_env: str


@dataclass(frozen=True)
class FollowPlan:
    """How the life-cycle phase follows the accepted sends (D68): at most ``max_messages`` of them,
    ``max_reads`` lookups in all, until ``deadline_s`` after the phase starts, rounds of reads spaced
    from ``first_wait_s`` doubling up to ``max_wait_s``; ``second_token_env`` names the variable of a
    second account's token (the guard probe of ``lifecycle_foreign_message``)."""

    max_messages: int = 100
    max_reads: int = 600
    deadline_s: float = 5.0
    first_wait_s: float = 0.02
    max_wait_s: float = 0.25
    second_token_env: str | None = None


LOCAL_FOLLOW = FollowPlan()  # a loopback target answers in milliseconds
MOCK_FOLLOW = replace(LOCAL_FOLLOW, max_messages=25, deadline_s=1.0)  # its messages settle in 30 ms
LIVE_FOLLOW = FollowPlan(max_messages=20, max_reads=200, deadline_s=300.0, first_wait_s=2.0, max_wait_s=30.0)
PROBE_READS = 2  # reads kept back from the messages' for the two guard probes


@dataclass(frozen=True)
class LifecycleSettings:
    """The profile's ``lifecycle`` key as written; None leaves a value to the target's default."""

    follow: bool | None = None  # None: on for the embedded mock and loopback targets, off for live ones
    max_messages: int | None = None
    max_reads: int | None = None
    deadline_s: float | None = None
    first_wait_s: float | None = None
    max_wait_s: float | None = None
    second_token_env: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    auth: AuthConfig
    senders: tuple[str, ...]
    destinations: tuple[str, ...] = ()
    unleased_sender: str = DEFAULT_UNLEASED_SENDER
    live: bool = False
    max_sends: int = 20
    rate_limit_per_s: float | None = None
    timeout_s: float = 10.0
    latency_budget_ms: float | None = None
    negative_only: bool = False
    time_budget_s: float | None = None  # wall-clock limit of a run, waits for 429s included
    concurrency: int | None = None  # requests in flight at once; None: the default of the target (D42)
    race_burst: int = DEFAULT_RACE_BURST  # distinct valid sends in flight at once, every run (D59)
    source: str = "<built-in>"
    embedded_mock: bool = False  # start the reference mock and fill base_url at run time
    mock_faults: tuple[str, ...] = ()
    ca_bundle: Path | None = None  # the CA roots of an https target instead of the default ones (D46)
    proxy_from_environment: bool = True  # HTTP_PROXY/HTTPS_PROXY/NO_PROXY, as httpx reads them
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)

    def follow_plan(self) -> FollowPlan | None:
        """How this target's accepted sends are followed (D68); None: not at all. On by default for
        the embedded mock and a loopback target; a live target only with ``lifecycle: {follow: true}``."""
        local = self.embedded_mock or is_loopback_url(self.base_url)
        settings = self.lifecycle
        if not (local if settings.follow is None else settings.follow):
            return None
        plan = MOCK_FOLLOW if self.embedded_mock else LOCAL_FOLLOW if local else LIVE_FOLLOW
        chosen = {name: getattr(settings, name) for name in FollowPlan.__dataclass_fields__}
        return replace(plan, **{name: value for name, value in chosen.items() if value is not None})

    @property
    def in_flight(self) -> int:
        """Requests in flight at once: the ``concurrency`` key, else (D42) ``LOOPBACK_CONCURRENCY``
        against a loopback URL, and 1 against a live target and against the embedded mock (which
        answers in milliseconds on the client's own cores: more in flight measured no faster and
        only inflates the latency its latency budget judges)."""
        if self.concurrency is not None:
            return self.concurrency
        if self.embedded_mock:
            return 1
        return LOOPBACK_CONCURRENCY if is_loopback_url(self.base_url) else 1

    def with_overrides(
        self,
        *,
        base_url: str | None = None,
        token_env: str | None = None,
        senders: Sequence[str] = (),
        concurrency: int | None = None,
        ca_bundle: Path | None = None,
        race_burst: int | None = None,
    ) -> Profile:
        """The profile as changed by command-line options."""
        profile = self
        if race_burst is not None:
            meaning = "the number of valid sends to put in flight at once"
            profile = replace(
                profile,
                race_burst=_option_in_range("--race-burst", race_burst, 0, MAX_RACE_BURST, meaning, 4),
            )
        if ca_bundle is not None:
            profile = replace(profile, ca_bundle=checked_ca_bundle(ca_bundle, where="--ca-bundle"))
        if concurrency is not None:
            meaning = "a whole number of requests in flight at once"
            profile = replace(
                profile,
                concurrency=_option_in_range("--concurrency", concurrency, 1, MAX_CONCURRENCY, meaning, 8),
            )
        if base_url is not None:
            validate_base_url(base_url, where="--base-url")
            profile = replace(profile, base_url=base_url, embedded_mock=False, name=f"{profile.name}@cli")
        if token_env is not None:
            profile = replace(profile, auth=replace(profile.auth, token_env=token_env))
        if senders:
            profile = replace(profile, senders=tuple(senders))
        return profile


def _option_in_range(option: str, value: int, low: int, high: int, meaning: str, example: int) -> int:
    """``value``, or a ProfileError naming the option, its range and an example."""
    if not low <= value <= high:
        raise ProfileError(
            f"{option} {value} is out of range: give {meaning}, {low} to {high} (e.g. {option} {example})."
        )
    return value


def parse_rate_limit(text: str) -> float:
    """``"5/s"`` -> 5.0 requests per second; ``"30/min"`` -> 0.5."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"rate limit {text!r} is not of the form N/s or N/min")
    per = float(match.group(1))
    if per <= 0:
        raise ValueError(f"rate limit {text!r} allows no request at all; write e.g. 5/s or 30/min")
    return per if match.group(2).startswith("s") else per / 60.0


def _field_name(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        if missing:
            path = f"{path}.{missing.group(1)}" if path else missing.group(1)
    if error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        if extra:
            path = f"{path}.{extra[0]}" if path else extra[0]
    return path or "<top level>"


def _fix_hint(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "add it"
    if error.validator == "additionalProperties":
        return "remove it or check its spelling (known keys: " + ", ".join(PROFILE_SCHEMA["properties"]) + ")"
    if error.validator == "pattern" and "senders" in [str(p) for p in error.absolute_path]:
        return "write numbers as 3-15 ASCII digits without '+', e.g. \"12017771234\""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return f"expected: {schema.get('description') or _describe(schema)}"


def _describe(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "pattern" in schema:
        return f"a value matching {schema['pattern']}"
    if "type" in schema:
        return f"a {schema['type']}"
    return "a valid value"


def profile_from_mapping(data: Any, *, source: str) -> Profile:
    """Validate and convert a parsed profile document."""
    if not isinstance(data, dict):
        raise ProfileError(
            f"profile {source} must be a YAML mapping of keys (name, base_url, auth, senders, …)."
        )
    validator = jsonschema.Draft202012Validator(PROFILE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        field_name = _field_name(first)
        more = f" ({len(errors) - 1} more problem(s) after this one)" if len(errors) > 1 else ""
        raise ProfileError(
            f"profile {source}: field '{field_name}' is invalid: {first.message}. "
            f"Fix: {_fix_hint(first)}.{more}"
        )
    for name in ("timeout_s", "latency_budget_ms", "time_budget_s"):
        value = data.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ProfileError(
                f"profile {source}: field '{name}' is {value}, not a number of seconds/milliseconds. "
                "Fix: write a finite positive number, e.g. 10."
            )
    rate = data.get("rate_limit")
    try:
        rate_per_s = None if rate is None else parse_rate_limit(rate)
    except ValueError as exc:
        raise ProfileError(f"profile {source}: field 'rate_limit' is invalid: {exc}.") from None
    validate_base_url(data["base_url"], where=f"profile {source}: field 'base_url'")
    ca_bundle = data.get("ca_bundle")
    if ca_bundle is not None:  # relative to the profile's folder, where the profile and its CA are kept
        where = f"profile {source}: field 'ca_bundle': the file"
        ca_bundle = checked_ca_bundle(Path(source).parent / ca_bundle, where=where)
    return Profile(
        name=data["name"],
        base_url=data["base_url"].rstrip("/"),
        auth=AuthConfig(method=data["auth"]["method"], token_env=data["auth"]["token_env"]),
        senders=tuple(data["senders"]),
        destinations=tuple(data.get("destinations", ())),
        unleased_sender=data.get("unleased_sender", DEFAULT_UNLEASED_SENDER),
        live=bool(data.get("live", False)),
        max_sends=int(data.get("max_sends", 20)),
        rate_limit_per_s=rate_per_s,
        timeout_s=float(data.get("timeout_s", 10.0)),
        latency_budget_ms=data.get("latency_budget_ms"),
        negative_only=bool(data.get("negative_only", False)),
        time_budget_s=data.get("time_budget_s"),
        concurrency=None if data.get("concurrency") is None else int(data["concurrency"]),
        race_burst=int(data.get("race_burst", DEFAULT_RACE_BURST)),
        source=source,
        ca_bundle=ca_bundle,
        proxy_from_environment=bool(data.get("proxy_from_environment", True)),
        lifecycle=LifecycleSettings(**data.get("lifecycle", {})),
    )


def checked_ca_bundle(path: Path, *, where: str) -> Path:
    """``path``, once it loads as PEM CA certificates (D46); else a ProfileError naming ``where``."""
    try:
        verifying_context(path, named=where)
    except CARootsError as exc:
        raise ProfileError(str(exc)) from None
    return path


def mock_profile(*, faults: Sequence[str] = (), max_sends: int = 100_000) -> Profile:
    """The built-in profile: the embedded reference mock on a free loopback port."""
    return Profile(
        name=MOCK_PROFILE_NAME,
        base_url="http://127.0.0.1:0",
        auth=AuthConfig(method="header", token_env=MOCK_TOKEN_ENV),
        senders=("12017771234", "12013046585"),
        max_sends=max_sends,
        timeout_s=10.0,
        latency_budget_ms=250.0,
        embedded_mock=True,
        mock_faults=tuple(faults),
    )


def load_profile(ref: str | None) -> Profile:
    """A profile by file path, the built-in ``mock`` (the default), or ``mock:FAULT1,FAULT2``."""
    if ref is None or ref == MOCK_PROFILE_NAME:
        return mock_profile()
    if ref.startswith(f"{MOCK_PROFILE_NAME}:"):
        names = [name.strip() for name in ref.split(":", 1)[1].split(",") if name.strip()]
        if not names:
            raise ProfileError(f"profile {ref!r} names no fault; write mock:FAULT or mock:FAULT1,FAULT2")
        try:
            faults = tuple(sorted(resolve_faults(names)))
        except UnknownFaultError as exc:
            raise ProfileError(f"profile {ref!r}: {exc}") from None
        return replace(mock_profile(faults=faults), name=f"{MOCK_PROFILE_NAME}:{','.join(faults)}")
    path = Path(ref)
    if not path.exists():
        raise ProfileError(
            f"profile {ref!r} is neither a file nor a built-in profile name. Pass the path of a YAML "
            f"profile (see README, 'Target profiles') or '{MOCK_PROFILE_NAME}' for the embedded mock."
        )
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            raise ProfileError(
                f"profile {path} is larger than {MAX_PROFILE_BYTES} bytes; a profile is a few lines "
                "of YAML (see README, 'Target profiles'). Check that the path names the profile."
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            f"cannot read profile {path}: {exc}. Check the path and its permissions."
        ) from None
    try:
        data = _load_yaml_bounded(text, source=str(path))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
        raise ProfileError(
            f"profile {path} is not valid YAML{at}: {getattr(exc, 'problem', exc)}. Fix the syntax."
        ) from None
    return profile_from_mapping(data, source=str(path))


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many values the document holds with every alias expanded, counted up to ``limit + 1``."""
    count = 0
    stack = [root]
    while stack and count <= limit:
        node = stack.pop()
        count += 1
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return count


def _load_yaml_bounded(text: str, *, source: str) -> Any:
    """``yaml.safe_load`` that refuses a document whose aliases expand past MAX_PROFILE_NODES
    values (a "billion laughs" bomb), before anything is expanded."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, MAX_PROFILE_NODES) > MAX_PROFILE_NODES:
            raise ProfileError(
                f"profile {source} expands to more than {MAX_PROFILE_NODES} values through YAML "
                "anchors and aliases (&name / *name); a profile is a few lines. Write the values "
                "out without aliases."
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def validate_base_url(url: str, *, where: str) -> None:
    """Refuse a base URL that is not ``http(s)://host[:port][/path]`` with a usable host."""
    problem = ""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError as exc:
        problem = f"it cannot be parsed ({exc})"
    else:
        if parts.scheme.lower() not in URL_SCHEMES:
            problem = f"its scheme is {parts.scheme or '(none)'!r}; the API is served over http(s)"
        elif not host:
            problem = "it names no host"
        elif "[" in parts.netloc and not _is_ipv6(host):
            problem = f"the bracketed host [{host}] is not an IPv6 address"
        elif any(c.isspace() for c in url):
            problem = "it contains whitespace"
        elif not host.isascii():
            problem = _idna_problem(url)
    if problem:
        raise ProfileError(
            f"{where}: base URL {url!r} is invalid: {problem}. Fix: write it as "
            "http://127.0.0.1:8080, http://[::1]:8080 or https://api.example.org."
        )


def _idna_problem(url: str) -> str:
    """Why an internationalised host cannot be sent (IDNA 2008, as httpx encodes it), or ""."""
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"its host cannot be encoded for the wire ({exc})"
    return ""


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def _character_kind(char: str) -> str:
    names = {"\r": "a carriage return (\\r, e.g. from a file saved on Windows)", "\n": "a line feed (\\n)",
             "\t": "a tab", " ": "a space"}
    if char in names:
        return names[char]
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"a control character (U+{ord(char):04X})"
    return "a non-ASCII character"


def validate_token(token: str, *, variable: str) -> None:
    """Refuse a token that cannot travel in an HTTP header as-is: only visible ASCII is allowed.

    The message says what and where, never the token itself.
    """
    for index, char in enumerate(token):
        if not 0x21 <= ord(char) <= 0x7E:
            raise ProfileError(
                f"the token in the environment variable {variable} contains {_character_kind(char)} "
                f"at position {index + 1} of {len(token)}; a token is visible ASCII only (it is "
                "sent in an HTTP header). Nothing was sent. Fix: strip it, e.g. "
                f"`export {variable}=\"$(tr -d '\\r\\n' < token.txt)\"`."
            )


def resolve_token(profile: Profile, environ: Mapping[str, str] | None = None) -> str:
    """The token from the environment variable the profile names (never from the profile).

    It is validated (:func:`validate_token`); the caller keeps it, and the tokens derived from it,
    with the command's secrets (``KnownSecrets``), so console output and every artefact are redacted
    of them.
    """
    env = os.environ if environ is None else environ
    value = env.get(profile.auth.token_env, "")
    if value:
        validate_token(value, variable=profile.auth.token_env)
        return value
    if profile.embedded_mock:
        return "mock-" + secrets.token_hex(16)
    raise ProfileError(
        f"profile {profile.source}: field 'auth.token_env' names the environment variable "
        f"{profile.auth.token_env}, which is not set or empty. Export it with the API token "
        f"(e.g. `export {profile.auth.token_env}=…`) or pass --token-env with another variable."
    )


def resolve_second_token(profile: Profile, environ: Mapping[str, str] | None = None) -> str:
    """A second account's token for the lookup's guard probe (D68), "" when there is none: a fresh one
    for the embedded mock's second account, else from the variable ``lifecycle.second_token_env`` names
    (a secret like the token: the caller adds it to the command's secrets)."""
    plan = profile.follow_plan()
    if plan is None:
        return ""
    if profile.embedded_mock:
        return "mock-second-" + secrets.token_hex(16)
    if plan.second_token_env is None:
        return ""
    value = (os.environ if environ is None else environ).get(plan.second_token_env, "")
    if not value:
        raise ProfileError(
            f"profile {profile.source}: field 'lifecycle.second_token_env' names the environment variable "
            f"{plan.second_token_env}, which is not set or empty. Export it with a second account's API "
            "token, or remove the key to skip the check that another account cannot read this one's messages."
        )
    validate_token(value, variable=plan.second_token_env)
    return value


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is on this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class SendBudget:
    """How many more requests that could send an SMS this run may make; shared by every request in
    flight, so spending is atomic."""

    limit: int
    used: int = field(default=0)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def try_spend(self) -> bool:
        with self._lock:
            if self.used >= self.limit:
                return False
            self.used += 1
            return True

    def refund(self) -> None:
        """Give back a unit reserved for a request that was never sent (a run stopped before it)."""
        with self._lock:
            self.used = max(0, self.used - 1)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit
