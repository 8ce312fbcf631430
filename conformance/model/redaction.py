"""One redaction pass for everything that leaves the process: artefacts and console output.

A :class:`Redactor` is built from the secrets (the tokens) of a run. It finds each secret in the
forms a target might echo it back in, alone or mixed within one occurrence:

* raw, and with any letter's case changed;
* URL-encoded (``%4D`` or ``%4d``, ``+`` for a space), JSON-escaped (``\\u004D``, ``\\/``) and
  HTML character references (``&#77;``, ``&#x4d;``, ``&amp;``);
* base64 and base64url of the secret's bytes at any alignment inside a longer encoded text
  (the part of the encoding that depends on the secret alone, padding or not);
* hexadecimal of the secret's bytes, in either case;
* for a JWT (``header.payload.signature``), its signature alone: the part that makes it a credential.

:func:`find_secrets` reports where a text holds a secret and in which of these forms (the
``token_exposure`` check, D61), with the same patterns the redactor replaces.

:meth:`Redactor.data` applies it to every string *and every key* of a JSON-like value, so a
results document is scrubbed in one walk; :class:`RedactingStream` applies it to a console
stream line by line, a progress bar's ``\\r`` ending a line too (a secret split over two ``write``
calls is still found).
A command's :class:`KnownSecrets` collects each token as it is resolved or met in traffic (it is
passed to whatever resolves or learns one), and :func:`console_redaction` swaps
``sys.stdout``/``sys.stderr`` for streams redacted of those secrets while the command runs, so no
command has to remember to redact what it prints.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import html
import io
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TextIO
from urllib.parse import unquote

from conformance.model.jsontext import LONE_SURROGATE

__all__ = [
    "REDACTED",
    "KnownSecrets",
    "RedactingStream",
    "Redactor",
    "SecretFound",
    "console_redaction",
    "find_secrets",
]

REDACTED = "***REDACTED***"
MIN_ENCODED_LENGTH = 6  # shorter secrets: their base64/hex forms would match ordinary text
MEMO_CHARACTERS = 1_000_000  # a Redactor remembers its answers for texts of this many characters, then
# starts again (a text longer than a tenth of it is not remembered); exchange.py keeps 8 redactors for
# the life of the process, so this bounds what they hold. Nine fault gates redact as fast as with 4 M.
START_LENGTH = 6  # characters of each form the second quick test looks for (see _secret_start)
_HTML_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_JSON_SHORT = {'"': '\\\\"', "\\": "\\\\\\\\", "/": "\\\\/"}
# every character the escapes of any character hold: %XX, \\uXXXX, &#N;, &#xH; (the named and short
# escapes of a few characters, and + for a space, are added for the secrets that have those)
_ESCAPE_ALPHABET = frozenset("0123456789abcdefABCDEF" + "%\\uU&#xX;")
MIN_SIGNATURE_LENGTH = 16  # a JWT signature shorter than this is no secret worth a pattern
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)")
_STREAM_HOLD_LIMIT = 65_536  # a console line longer than this is flushed without waiting for "\n"


def _either_case(text: str) -> str:
    """A regex matching ``text`` with any of its letters in either case."""
    out = []
    for char in text:
        variants = sorted({char, char.lower(), char.upper()} - {""})
        usable = [v for v in variants if len(v) == 1]
        if len(usable) > 1:
            out.append("[" + "".join(re.escape(v) for v in usable) + "]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _hex_byte(value: int) -> str:
    return _either_case(f"{value:02x}")


def _char_pattern(char: str, *, fold_case: bool) -> str:
    """Every way one character of a secret may be written by an echoing target."""
    return "(?:" + "|".join(_char_options(char, fold_case=fold_case)) + ")"


def _char_options(char: str, *, fold_case: bool) -> list[str]:
    """The patterns of :func:`_char_pattern`, the character itself first, then its escapes (each of
    which begins with a literal character: ``%``, ``\\``, ``&`` or ``+``)."""
    options = [_either_case(char) if fold_case else re.escape(char)]
    options.append("".join("%" + _hex_byte(byte) for byte in char.encode("utf-8")))  # each byte of it
    code = ord(char)
    if code <= 0xFFFF:
        options.append("\\\\" + _either_case("u") + _either_case(f"{code:04x}"))
    else:  # a JSON escape of an astral character is a surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        options.append("\\\\[uU]" + _either_case(f"{high:04x}") + "\\\\[uU]" + _either_case(f"{low:04x}"))
    options.append(f"&#0*{code};")
    options.append("&#[xX]0*" + _either_case(f"{code:x}") + ";")
    if char in _HTML_NAMED:
        options.append(re.escape(_HTML_NAMED[char]))
    if char in _JSON_SHORT:
        options.append(_JSON_SHORT[char])
    if char == " ":
        options.append(r"\+")
    return options


def _text_pattern(text: str, *, fold_case: bool) -> str:
    return "".join(_char_pattern(c, fold_case=fold_case) for c in text)


def base64_cores(data: bytes) -> list[str]:
    """The base64 characters that depend on ``data`` alone, for each of the 3 alignments.

    Whatever precedes or follows ``data`` inside a longer encoded text, one of these appears.
    """
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode("ascii")
        first = -(-offset * 8 // 6)  # first character whose 6 bits all come from data
        last = ((offset + len(data)) * 8 - 6) // 6  # last such character
        core = encoded[first : last + 1]
        if core:
            cores.append(core)
    return cores


@dataclass(frozen=True)
class _Form:
    """A text a secret is written as before any escaping: itself, base64, hex, a JWT's signature."""

    text: str
    fold_case: bool  # its letters may come in either case
    escaped: bool = True  # each character may also come escaped (percent, JSON, HTML)

    def pattern(self) -> str:
        if self.escaped:
            return _text_pattern(self.text, fold_case=self.fold_case)
        return _either_case(self.text) if self.fold_case else re.escape(self.text)


def _secret_forms(secret: str) -> list[_Form]:
    forms = [_Form(secret, fold_case=True)]
    raw = secret.encode("utf-8")
    if len(raw) >= MIN_ENCODED_LENGTH:
        for core in base64_cores(raw):
            urlsafe = core.replace("+", "-").replace("/", "_")
            forms += [_Form(form, fold_case=False) for form in dict.fromkeys((core, urlsafe))]
        forms.append(_Form(binascii.hexlify(raw).decode("ascii"), fold_case=True, escaped=False))
    signature = jwt_signature(secret)
    if signature:
        forms.append(_Form(signature, fold_case=False))
    return forms


def jwt_signature(secret: str) -> str:
    """The signature of a JWT-shaped secret (long enough to be one), else the empty string."""
    match = _JWT.fullmatch(secret)
    signature = match.group(1) if match else ""
    return signature if len(signature) >= MIN_SIGNATURE_LENGTH else ""


@functools.lru_cache(maxsize=64)
def _secret_regex(secret: str) -> re.Pattern[str]:
    """Every form of one secret, compiled once per process: a run builds several redactors over the
    same token and the tokens derived from it (the console's as they become known, the results')."""
    # longer patterns first: a whole encoded form wins over a shorter one matching inside it
    patterns = sorted((form.pattern() for form in _secret_forms(secret)), key=len, reverse=True)
    return re.compile("|".join(patterns))


@functools.lru_cache(maxsize=64)
def _secret_screen(secret: str) -> re.Pattern[str]:
    """A quick test that every text holding a form of ``secret`` passes, compiled in a fraction of the
    time :func:`_secret_regex` takes (tens of milliseconds for a long JWT): a whole run of at least as
    many characters as the shortest form has, each one a character some form may be written with.

    Each character of a form is written as one or more characters (itself, or an escape), so a match
    of the full pattern lies inside such a run. Most texts hold none, and the full pattern of a secret
    is only compiled once a text passes: a run meets dozens of credentials (each request's is one) and
    most never come back in any answer.
    """
    forms = _secret_forms(secret)
    alphabet = set(_ESCAPE_ALPHABET)
    for form in forms:
        for char in form.text:
            variants = (char, char.lower(), char.upper()) if form.fold_case else (char,)
            alphabet.update(v for v in variants if len(v) == 1)
            alphabet.update(_HTML_NAMED.get(char, "") + _JSON_SHORT.get(char, ""))  # a superset: fine
            if char == " ":
                alphabet.add("+")
    shortest = min(len(form.text) for form in forms)
    chars = "[" + "".join(re.escape(c) for c in sorted(alphabet)) + "]"
    # only where a run starts: a search that tried every character of a shorter run as a start would take
    # time quadratic in its length (a body of uuids is runs of 36 hexadecimal digits and dashes)
    return re.compile(f"(?<!{chars}){chars}{{{shortest},}}")


@functools.lru_cache(maxsize=64)
def _secret_start(secret: str) -> re.Pattern[str]:
    """The second quick test, searched only inside the runs the first one finds: the start of some
    form, its first ``START_LENGTH`` characters each in any of the ways :func:`_secret_regex` allows.

    A match of the full pattern begins with a match of this one, inside the same run, so a run without
    one holds no form. The first test lets through any long run of hexadecimal digits, so every message
    uuid passes it for a token as long as a uuid; this one does not, and it compiles in a tenth of the
    full pattern's time.
    """
    alternatives = []
    for form in _secret_forms(secret):
        rest = replace(form, text=form.text[1:START_LENGTH]).pattern()
        alternatives += [first + rest for first in _first_spellings(form)]
    # each alternative begins with a literal character, so the search skips in C every position that
    # holds none of them (one alternation with groups first would be tried at every position)
    return re.compile("|".join(dict.fromkeys(alternatives)))


def _first_spellings(form: _Form) -> list[str]:
    """Every way the first character of ``form`` may be written, each pattern beginning with a literal."""
    char = form.text[0]
    cases = {char, char.lower(), char.upper()} if form.fold_case else {char}
    spellings = [re.escape(case) for case in sorted(cases) if len(case) == 1]
    if form.escaped:
        spellings += _char_options(char, fold_case=form.fold_case)[1:]
    return spellings


def _may_hold(text: str, secret: str) -> bool:
    for run in _secret_screen(secret).finditer(text):
        if _secret_start(secret).search(text, run.start(), run.end()):
            return True
    return False


class Redactor:
    """Replaces every known form of every secret by :data:`REDACTED`; immutable.

    It remembers what it gave for the texts it was given (``MEMO_CHARACTERS`` of them at most): a run
    redacts the same member names, header values, URLs and bodies again and again (a deviation's
    request, then its curl line, built from the same parts).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: tuple[str, ...] = tuple(dict.fromkeys(s for s in secrets if s))
        # longer secrets first, so a secret that contains another is replaced whole
        self._ordered = tuple(sorted(self.secrets, key=len, reverse=True))
        self._done: dict[str, str] = {}
        self._done_size = 0

    def __bool__(self) -> bool:
        return bool(self._ordered)

    def text(self, text: str) -> str:
        """``text`` without any form of any secret (and without unpaired surrogates)."""
        done = self._done.get(text)
        if done is not None:
            return done
        redacted = self._redact(text)
        if len(text) <= MEMO_CHARACTERS // 10:
            if self._done_size + len(text) > MEMO_CHARACTERS:
                self._done, self._done_size = {}, 0
            self._done[text] = redacted
            self._done_size += len(text)
        return redacted

    def _redact(self, text: str) -> str:
        if LONE_SURROGATE.search(text):
            text = LONE_SURROGATE.sub("\ufffd", text)
        if not text:
            return text
        for secret in self._ordered:
            if _may_hold(text, secret):
                text = _secret_regex(secret).sub(REDACTED, text)
        return text

    def data(self, value: Any, *, keep: Iterable[str] = (), names: Iterable[str] = ()) -> Any:
        """A copy of a JSON-like value with every string and every key redacted.

        Values under the keys named in ``keep`` are copied as they are (enumerations the tool
        writes itself, e.g. a severity), and keys listed in ``names`` stay as they are (the
        field names of the tool's own schema): a very short token could otherwise mangle them.
        Walks with an explicit stack, so however deeply the value is nested it never recurses.
        """
        kept, fixed_names = frozenset(keep), frozenset(names)
        root: list[Any] = [None]
        stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
        while stack:
            item, parent, slot = stack.pop()
            if isinstance(item, str):
                parent[slot] = self.text(item)
            elif isinstance(item, dict):
                copy: dict[Any, Any] = {}
                parent[slot] = copy
                for key, child in item.items():
                    if key in kept:
                        copy[key] = child
                        continue
                    new_key = self.text(key) if isinstance(key, str) and key not in fixed_names else key
                    copy[new_key] = None
                    stack.append((child, copy, new_key))
            elif isinstance(item, (list, tuple)):
                items: list[Any] = [None] * len(item)
                parent[slot] = items
                stack.extend((child, items, index) for index, child in enumerate(item))
            else:
                parent[slot] = item
        return root[0]


@dataclass(frozen=True)
class SecretFound:
    """One occurrence of a secret in a text: where (character offsets) and in which form, never what."""

    start: int
    end: int
    form: str


def find_secrets(text: str, secrets: Iterable[str]) -> list[SecretFound]:
    """Every occurrence of any secret in ``text``, in any form :class:`Redactor` replaces, in text order.

    Longer secrets are looked for first; an occurrence overlapping one already found (a derived token
    inside the real one) is not reported again.
    """
    found: list[SecretFound] = []
    for secret in sorted(dict.fromkeys(s for s in secrets if s), key=len, reverse=True):
        if not _may_hold(text, secret):
            continue
        for match in _secret_regex(secret).finditer(text):
            if any(match.start() < f.end and f.start < match.end() for f in found):
                continue
            found.append(SecretFound(match.start(), match.end(), _form(match.group(), secret)))
    return sorted(found, key=lambda f: f.start)


def _form(found: str, secret: str) -> str:
    """The name of the form ``found`` (a match of ``secret``'s pattern) writes the secret in."""
    escapes: list[str] = []
    text = found
    if "%" in text:
        text, escapes = unquote(text), [*escapes, "percent-encoded"]
    if "\\" in text:
        text, escapes = _json_unescaped(text), [*escapes, "JSON-escaped"]
    if "&" in text:
        text, escapes = html.unescape(text), [*escapes, "HTML-escaped"]
    plain = _plain_form(text, secret)
    return ", ".join(escapes) if plain == "raw" and escapes else ", ".join([plain, *escapes])


def _json_unescaped(text: str) -> str:
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def _plain_form(text: str, secret: str) -> str:
    raw = secret.encode("utf-8")
    cores = base64_cores(raw) if len(raw) >= MIN_ENCODED_LENGTH else []
    urlsafe = [core.replace("+", "-").replace("/", "_") for core in cores]
    if text == secret:
        return "raw"
    if text.casefold() == secret.casefold():
        return "case changed"
    if text.lower() == raw.hex():
        return "hex"
    if text in cores and text in urlsafe:
        return "base64 or base64url"
    if text in cores:
        return "base64"
    if text in urlsafe:
        return "base64url"
    if text == jwt_signature(secret):
        return "JWT signature alone"
    return "encoded"


class KnownSecrets:
    """The secrets one command has met so far, in the order met: each token it resolved, the tokens
    derived from it, the tokens seen in the traffic it checks. Whatever resolves or learns a secret
    adds it here; the console's streams read it at each line. Safe to share between threads; a
    process forked from the command works on its own copy."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, None] = {}
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        with self._lock:
            self._secrets.update(dict.fromkeys(secret for secret in secrets if secret))

    def secrets(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._secrets)


class RedactingStream(io.TextIOBase):
    """A text stream that writes whole segments, redacted, to another stream; safe between threads.

    A segment ends at a newline or a carriage return (a terminal's progress bar rewrites its line
    after ``\r``), so a live bar passes through while a secret written in two pieces is still
    caught: the unfinished segment is held until its end (or :data:`_STREAM_HOLD_LIMIT`
    characters, or :meth:`drain`). Given :class:`KnownSecrets`, the secrets are read from it at
    each segment, so a token resolved mid-command is covered from then on. A reader that went away
    (a pipe closed by ``| head``) ends the output quietly: later output is dropped and
    :attr:`broken` says so.
    """

    def __init__(self, target: TextIO, secrets: KnownSecrets | Iterable[str]) -> None:
        super().__init__()
        self.target = target
        self._secrets = secrets if isinstance(secrets, KnownSecrets) else KnownSecrets(secrets)
        self._held = ""
        self._redactor = Redactor(())
        self._lock = threading.Lock()  # rich's refresh thread writes while the main thread prints
        self.broken = False

    def _current(self) -> Redactor:
        wanted = self._secrets.secrets()
        if wanted != self._redactor.secrets:
            self._redactor = Redactor(wanted)
        return self._redactor

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.target, "encoding", "utf-8"))

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return int(self.target.fileno())

    def isatty(self) -> bool:
        return bool(getattr(self.target, "isatty", lambda: False)())

    def _pass_on(self, text: str, *, flush: bool) -> None:
        """Write to the target (the lock held); a closed pipe ends the output for good."""
        if self.broken:
            return
        try:
            if text:
                self.target.write(self._current().text(text))
            if flush:
                self.target.flush()
        except BrokenPipeError:
            self.broken = True
            self._silence_target()

    def _silence_target(self) -> None:
        """Point the dead pipe's descriptor at the null device, so the interpreter's last flush of
        what the target still buffers cannot fail at exit either."""
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.target.fileno())
            os.close(null)

    def write(self, text: str) -> int:
        with self._lock:
            self._held += text
            cut = max(self._held.rfind("\n"), self._held.rfind("\r")) + 1
            if not cut and len(self._held) > _STREAM_HOLD_LIMIT:
                cut = len(self._held)
            if cut:
                ready, self._held = self._held[:cut], self._held[cut:]
                self._pass_on(ready, flush=False)
        return len(text)

    def flush(self) -> None:
        """Pass finished segments on; an unfinished one waits for its end (or :meth:`drain`)."""
        with self._lock:
            self._pass_on("", flush=True)

    def drain(self) -> None:
        """Write out whatever is held, redacted."""
        with self._lock:
            held, self._held = self._held, ""
            self._pass_on(held, flush=True)


@contextlib.contextmanager
def console_redaction(known: KnownSecrets) -> Iterator[tuple[RedactingStream, RedactingStream]]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` are redacted of every secret in ``known``;
    the block gets the two streams (to ask whether a reader went away)."""
    originals = sys.stdout, sys.stderr
    streams = RedactingStream(originals[0], known), RedactingStream(originals[1], known)
    sys.stdout, sys.stderr = streams
    try:
        yield streams
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.drain()
        sys.stdout, sys.stderr = originals
