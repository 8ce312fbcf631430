"""Seeded exploration: different seeds draw different values, the same seed the same ones in any process."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis.internal.conjecture import providers

import strategies as sms
from conformance.contract.specfile import load_spec
from conformance.engine.generation.cases import GenerationOptions, generate_cases
from conformance.engine.generation.drawing import TESTED_HYPOTHESIS, HypothesisChanged, draw_examples
from conformance.engine.profiles import mock_profile

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


def test_different_seeds_draw_different_texts_numbers_and_cases() -> None:
    runs = [drawn(seed) for seed in SEEDS]
    for key in ("text", "letters", "valid"):
        values = [run[key][0] for run in runs]
        assert len(set(values)) == len(values), (key, values)
    case_sets = [set(run["cases"]) for run in runs]
    assert all(a != b for i, a in enumerate(case_sets) for b in case_sets[i + 1 :])
    assert all(run["generated"] for run in runs)  # schemathesis cases are among them


def test_the_same_seed_draws_the_same_cases_in_processes_that_import_different_modules() -> None:
    here = drawn(7)
    assert drawn(7) == here
    assert drawn_in_a_fresh_process(7) == here
    assert drawn_in_a_fresh_process(7, OTHER_LOCAL_MODULES) == here


def test_examples_of_a_strategy_vary_with_the_seed_and_repeat_for_it() -> None:
    numbers = sms.valid_numbers()
    first = draw_examples(numbers, 6, 11)
    assert len(first) == 6 and all(len(number) == 11 and number.startswith("1") for number in first)
    assert draw_examples(numbers, 6, 11) == first
    assert draw_examples(numbers, 6, 12) != first
    assert draw_examples(numbers, 0, 11) == []


def test_a_filtered_strategy_still_yields_its_examples() -> None:
    odd = draw_examples(sms.valid_numbers().filter(lambda n: int(n[-1]) % 2 == 1), 5, 11)
    assert len(odd) == 5 and all(int(n[-1]) % 2 == 1 for n in odd)


def test_a_hypothesis_without_the_local_constant_pool_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(providers, "_get_local_constants")
    with pytest.raises(HypothesisChanged, match=r"tested with hypothesis >=6\.155,<7.*drawing\.py"):
        draw_examples(sms.valid_numbers(), 1, 11)


def test_pyproject_pins_the_tested_hypothesis_range() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"hypothesis{TESTED_HYPOTHESIS}"' in pyproject
