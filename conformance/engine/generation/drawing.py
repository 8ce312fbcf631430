"""schemathesis's cases for the ``generated`` phase, drawn in a child process: the same for a seed anywhere.

Only the ``generated`` phase needs this (schemathesis builds its cases as hypothesis strategies); every
other value of a run comes from a ``random.Random`` the run owns (``strategies``' seeded functions).

Why a child process: hypothesis mixes literals found in whichever *local* modules are imported
(anything outside site-packages and the standard library, tests excepted) into about one draw in
twenty, and no public setting turns that off. Drawn in the caller's process, the same seed gave
different cases in a pytest-xdist worker, or after ``import conformance.mock``, than in a plain run.
`draw_queries` runs ``python -m conformance.engine.generation.drawing`` in a temporary folder instead;
that child imports only this module, hypothesis, schemathesis and ``strategies``, whoever calls it, so
the pool (and with it the cases) depends on the seed and the installed code only. The child reads one
JSON request on stdin and answers the drawn query dicts as JSON on stdout. In it, the examples are
collected by a ``@given`` test run under ``@seed``, with no database and the generate phase only:
hypothesis's public API. ``tests/engine/test_exploration.py`` draws in processes that import different
local modules and compares (D48). """

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import conformance

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["TESTED_HYPOTHESIS", "Draw", "DrawingFailed", "draw_queries"]

T = TypeVar("T")

#: The hypothesis versions the generated cases are checked with (pyproject pins them; D48).
TESTED_HYPOTHESIS = ">=6.155,<7"
CHILD_MODULE = __name__  # the child runs this module
# the child imports hypothesis and schemathesis (a few seconds on a busy machine) and draws; a large
# --max-examples draws longer
TIMEOUT_SECONDS = 120.0
TIMEOUT_PER_EXAMPLE = 0.1
_STDERR_TAIL = 2000  # characters of the child's stderr an error quotes
_ROOT = Path(conformance.__path__[0]).resolve().parent  # holds the `conformance` and `strategies` in use


@dataclass(frozen=True)
class Draw:
    """One list of schemathesis cases: ``count`` of them under ``seed``, positive or negative."""

    seed: int
    count: int
    positive: bool


class DrawingFailed(RuntimeError):
    """The child process drawing schemathesis's cases failed or did not answer in time."""


def draw_queries(
    document: dict[str, Any], path: str, draws: list[Draw], *, timeout: float | None = None
) -> list[list[dict[str, Any]]]:
    """The query dicts of schemathesis's cases for ``POST path`` of ``document``, one list per draw.

    A list holds up to ``count`` queries (fewer when schemathesis has fewer distinct cases or rejects
    too many of its draws): the first is the simplest, the others vary with the seed. All draws share
    one child process; ``timeout`` defaults to `TIMEOUT_SECONDS` plus `TIMEOUT_PER_EXAMPLE` per case.
    """
    if timeout is None:
        timeout = TIMEOUT_SECONDS + TIMEOUT_PER_EXAMPLE * sum(max(d.count, 0) for d in draws)
    request = {"document": document, "path": path, "draws": [asdict(d) for d in draws]}
    command = [sys.executable, "-m", CHILD_MODULE]
    with tempfile.TemporaryDirectory(prefix="conformance-drawing-") as folder:
        try:
            done = subprocess.run(
                command,
                input=json.dumps(request, default=str),  # YAML-only values (dates) travel as text
                capture_output=True,
                text=True,
                encoding="utf-8",
                cwd=folder,
                env=_child_environment(),
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DrawingFailed(
                f"drawing schemathesis's cases ({' '.join(command)}) did not answer within {timeout:.0f} s. "
                "Lower --max-examples, or run again on a less busy machine."
            ) from None
    if done.returncode != 0:
        raise DrawingFailed(
            f"drawing schemathesis's cases ({' '.join(command)}) failed with exit code {done.returncode}; "
            f"the end of its error output:\n{done.stderr[-_STDERR_TAIL:]}"
        )
    answer: list[list[dict[str, Any]]] = json.loads(done.stdout)
    return answer


def _child_environment() -> dict[str, str]:
    """This process's environment; from a checkout (not an installed copy), with the checkout on the
    import path, so the child imports the same code as this process whatever the current folder."""
    environment = dict(os.environ)
    installed = {Path(sysconfig.get_path(name)).resolve() for name in ("purelib", "platlib")}
    if _ROOT not in installed:
        search_path = (str(_ROOT), environment.get("PYTHONPATH"))
        environment["PYTHONPATH"] = os.pathsep.join(p for p in search_path if p)
    return environment


def _draw_examples(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """Up to ``count`` examples of ``strategy`` under ``seed``, collected by a seeded ``@given`` run."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded

    found: list[T] = []
    if count <= 0:
        return found

    @seeded(seed)
    @settings(
        database=None,
        max_examples=count,
        phases=[Phase.generate],
        derandomize=False,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        backend="hypothesis",
        print_blob=False,
    )
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    collect()
    return found[:count]


def _answer(request: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """In the child: each requested draw's query dicts (keys as text, values as schemathesis drew them)."""
    import schemathesis

    import strategies

    strategies.register_schemathesis_formats()
    operation = schemathesis.openapi.from_dict(request["document"])[request["path"]]["POST"]
    answer: list[list[dict[str, Any]]] = []
    for draw in request["draws"]:
        modes = schemathesis.GenerationMode
        mode = modes.POSITIVE if draw["positive"] else modes.NEGATIVE
        cases = _draw_examples(operation.as_strategy(generation_mode=mode), draw["count"], draw["seed"])
        answer.append([{str(k): v for k, v in dict(case.query or {}).items()} for case in cases])
    return answer


def main() -> None:
    """The child: one JSON request on stdin, the answer as JSON on stdout (anything else goes to stderr)."""
    request = json.load(sys.stdin)
    with contextlib.redirect_stdout(sys.stderr):
        answer = _answer(request)
    json.dump(answer, sys.stdout)  # ASCII: surrogates and any text survive the pipe


if __name__ == "__main__":
    main()
