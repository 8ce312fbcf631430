"""SIGTERM handled like Ctrl-C: the run stops, writes what it has, marked partial (verdict incomplete).

CI systems, ``timeout`` and Kubernetes stop a job with SIGTERM. ``install`` makes SIGTERM and SIGINT
raise ``Interrupted`` (a ``KeyboardInterrupt``) in the main thread, once: a second signal while the
run is already stopping is recorded, not raised, so the partial artefacts still get written (D19).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from conformance.commands.exit_codes import EXIT_INTERRUPTED, EXIT_TERMINATED

__all__ = ["Interrupted", "deferred", "exit_code", "install", "received", "received_name"]

_NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "Ctrl-C"}


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``reason`` names it (``SIGTERM`` or ``Ctrl-C``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _State:
    signum: int | None = None
    deferring = False


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.signum is not None:
        return  # already stopping: let the partial artefacts be written
    _State.signum = signum
    if _State.deferring:
        return  # the artefacts are being written: finish them, then stop
    raise Interrupted(_NAMES.get(signal.Signals(signum), signal.Signals(signum).name))


def install() -> None:
    """Route SIGTERM and SIGINT through ``Interrupted`` (main thread only; a no-op elsewhere)."""
    _State.signum = None
    try:
        for signum in _NAMES:
            signal.signal(signum, _handler)
    except ValueError:  # pragma: no cover - not the main thread (embedded use)
        pass


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """While the artefacts are written, a signal is recorded instead of raised."""
    _State.deferring = True
    try:
        yield
    finally:
        _State.deferring = False


def received() -> int | None:
    """The signal that stopped the run, if any."""
    return _State.signum


def received_name() -> str | None:
    """``SIGTERM`` or ``Ctrl-C`` once a signal has stopped (or should have stopped) the run, else None.

    The handler raises ``Interrupted`` wherever the main thread is; code that swallows exceptions
    there (a garbage-collector callback of a library, a ``__del__``) can eat it. A command asks this
    after its work, so such a run still ends incomplete instead of reading as a pass."""
    if _State.signum is None:
        return None
    return _NAMES.get(signal.Signals(_State.signum), signal.Signals(_State.signum).name)


def exit_code() -> int:
    """143 after SIGTERM (128 + 15, what job runners expect), 130 otherwise (Ctrl-C, time budget)."""
    return EXIT_TERMINATED if _State.signum == signal.SIGTERM else EXIT_INTERRUPTED
