"""Seeded exploration: different seeds draw different values, the same seed the same ones in any process."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import strategies as sms
from conformance.contract.operation import OPERATION_PATH
from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.generation.drawing import TESTED_HYPOTHESIS, Draw, DrawingFailed, draw_queries
from conformance.engine.profiles import mock_profile

# the same seed drawing the same cases is what these tests prove: every draw is a fresh generation
pytestmark = pytest.mark.fresh_cases

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(1, 6)
EXPLORED = ("negative", "positive", "boundaries", "generated")
# Local modules a plain run never imports: hypothesis would mix their literals into its draws (D48).
OTHER_LOCAL_MODULES = ("conformance.mock.server", "reports", "conformance.engine.run.runner", "bench")


def drawn(seed: int) -> dict[str, list[str | None]]:
    """One text, one invalid number and one valid number per seed, and the explored phases' cases."""
    rng = random.Random(seed)
    cases = generate_cases(
        mock_profile(), load_spec(), GenerationOptions(seed=seed, max_examples=4, phases=EXPLORED)
    )
    return {
        "text": [sms.text_of_length(rng, 160, "gsm7")],
        "letters": [sms.invalid_number(rng, "letters").value],
        "valid": [sms.valid_nanp(rng)],
        "cases": [json.dumps(dict(c.params), ensure_ascii=False, sort_keys=True) for c in cases],
        "generated": [c.kind for c in cases if c.phase == "generated"],
    }


def drawn_in_a_fresh_process(seed: int, imports: tuple[str, ...] = ()) -> object:
    script = (
        "import importlib, json, sys; sys.path.insert(0, 'tests/engine');"
        f"[importlib.import_module(name) for name in {list(imports)!r}];"
        f"from test_exploration import drawn; print(json.dumps(drawn({seed})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.slow  # draws in a child process
def test_different_seeds_draw_different_texts_numbers_and_cases() -> None:
    runs = [drawn(seed) for seed in SEEDS]
    for key in ("text", "letters", "valid"):
        values = [run[key][0] for run in runs]
        assert len(set(values)) == len(values), (key, values)
    case_sets = [set(run["cases"]) for run in runs]
    assert all(a != b for i, a in enumerate(case_sets) for b in case_sets[i + 1 :])
    assert all(run["generated"] for run in runs)  # schemathesis cases are among them


@pytest.mark.slow  # draws in a child process
def test_the_same_seed_draws_the_same_cases_in_processes_that_import_different_modules() -> None:
    here = drawn(7)
    assert drawn(7) == here
    assert drawn_in_a_fresh_process(7) == here
    assert drawn_in_a_fresh_process(7, OTHER_LOCAL_MODULES) == here


@pytest.mark.slow  # draws in a child process
def test_schemathesis_queries_vary_with_the_seed_and_repeat_for_it() -> None:
    document = load_spec().copy_document()
    draws = [
        Draw(11, 6, positive=True),
        Draw(11, 6, positive=False),
        Draw(12, 6, positive=True),
        Draw(11, 0, positive=True),
    ]
    positive, negative, other_seed, none = draw_queries(document, OPERATION_PATH, draws)
    assert len(positive) == 6 and all({"FROM", "TO", "Message"} <= set(query) for query in positive)
    assert negative and negative != positive
    assert other_seed != positive
    assert none == []
    assert draw_queries(document, OPERATION_PATH, draws[:1]) == [positive]


@pytest.mark.slow  # draws in a child process
def test_a_failing_drawing_process_raises_with_its_error_output() -> None:
    with pytest.raises(DrawingFailed, match=r"(?s)failed with exit code 1.*KeyError.*/rest/nowhere"):
        draw_queries(load_spec().copy_document(), "/rest/nowhere", [Draw(1, 1, positive=True)])


@pytest.mark.slow  # draws in a child process
def test_a_drawing_process_that_does_not_answer_in_time_raises() -> None:
    with pytest.raises(DrawingFailed, match="did not answer within 0 s"):
        draw_queries(load_spec().copy_document(), OPERATION_PATH, [Draw(1, 1, positive=True)], timeout=0.01)


def test_the_package_calls_no_hypothesis_internals() -> None:
    private = ("hypothesis.internal", "_get_local_constants", "CONSTANTS_CACHE")
    sources = [*(ROOT / "conformance").rglob("*.py"), *(ROOT / "strategies").rglob("*.py")]
    found = [f"{path}: {name}" for path in sources for name in private if name in path.read_text("utf-8")]
    assert len(sources) > 50 and found == []


def test_pyproject_pins_the_tested_hypothesis_range() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"hypothesis{TESTED_HYPOTHESIS}"' in pyproject
