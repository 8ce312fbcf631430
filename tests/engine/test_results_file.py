"""results.json is written atomically: a failed write leaves the previous file whole and no debris."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.model.results import ResultsError, load_results, write_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "results.json"
    write_atomic(target, '{"old": true}\n')

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, '{"new": true}\n')
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_written_artefacts_have_the_mode_of_any_new_file(tmp_path: Path, umask: int, mode: int) -> None:
    # readable by others unless the umask says otherwise (not mkstemp's 0600: CI uploads read them)
    target = tmp_path / "results.json"
    previous = os.umask(umask)
    try:
        write_atomic(target, "{}\n")
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == mode


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "does not hold a JSON object"),
        ('{"schema_version": 99}', "schema_version 99"),
    ],
)
def test_a_bad_results_file_is_a_one_paragraph_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(ResultsError, match=fragment):
        load_results(path)
