"""`export` of a real mock run with two faults: a report a stranger at Opentact can act on.

Two runs against the embedded mock with a known token in OPENTACT_MOCK_TOKEN: the baseline with
``html_error_page`` on, the newest with ``html_error_page`` and ``intermittent_500``. Every exported
problem has a public documentation URL, a curl that reads the token variable and reaches the mock's
default port, expected/actual that match the documentation and the recorded answer; the body text
carries no internal key, JSON pointer or DECISIONS number; the token is nowhere.
"""

from __future__ import annotations

import io
import json
import re
import sys
from html import unescape
from pathlib import Path

import pytest

from conformance.commands.cli import main
from conformance.contract.sources import load_sources

pytestmark = pytest.mark.slow

TOKEN = "known-Export-Token-7c41e9a2"
FAULTS = ("html_error_page", "intermittent_500")
PUBLIC_URLS = {source.url for source in load_sources()}
INTERNAL = {
    "deviation key": re.compile(r"\b[0-9a-f]{16}\b"),
    "problem id": re.compile(r"\bp-[0-9a-f]{12}\b"),
    "JSON pointer": re.compile(r"#/"),
    "DECISIONS number": re.compile(r"\bD\d+\b"),
    "redaction marker": re.compile(r"REDACTED"),
    "source label": re.compile(r"\(S\d+\b"),
    "JSON path": re.compile(r"(?<![\w`])\$\.[A-Za-z]"),
}


def _main(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        code = main(args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("vendor-export")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENTACT_MOCK_TOKEN", TOKEN)
        old, new = root / "old", root / "new"
        base = ["run", "--max-examples", "3", "--quiet", "--seed", "3"]
        assert _main([*base, "--report-dir", str(old), "--fault", FAULTS[0]])[0] == 1
        args = [*base, "--report-dir", str(new)]
        for fault in FAULTS:
            args += ["--fault", fault]
        assert _main(args)[0] == 1
        code, console = _main(["export", str(new / "results.json"), "--out", str(root / "all")])
        assert code == 0, console
        assert (
            _main(
                [
                    "export",
                    str(new / "results.json"),
                    "--baseline",
                    str(old / "results.json"),
                    "--out",
                    str(root / "new-only"),
                ]
            )[0]
            == 0
        )
        assert _main(["export", "--history", str(old), str(new), "--out", str(root / "history")])[0] == 0
    return {"root": root, "console": console}


def _read(root: Path, folder: str) -> tuple[str, str]:
    md = (root / folder / "opentact-problems.md").read_text(encoding="utf-8")
    html = (root / folder / "opentact-problems.html").read_text(encoding="utf-8")
    return md, html


def _sections(markdown: str) -> list[str]:
    body = markdown.split("<details>", 1)[0]
    return re.split(r"\n(?=## \d+\. )", body)[1:]


def _results(root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((root / "new" / "results.json").read_text(encoding="utf-8"))
    return data


def test_every_problem_has_a_documentation_url_and_a_runnable_curl(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    md, _ = _read(root, "all")
    sections = _sections(md)
    assert len(sections) >= 3  # the HTML page's two problems, the intermittent 500's
    for section in sections:
        urls = re.findall(r"\]\((https://[^)]+)\)", section)
        assert urls and set(urls) <= PUBLIC_URLS | {u for u in urls if "rfc-editor.org" in u}, section
        [curl] = re.findall(r"```sh\n(curl .*)\n```", section)
        assert '"$OPENTACT_MOCK_TOKEN"' in curl or '$OPENTACT_MOCK_TOKEN"' in curl
        ports = re.findall(r"127\.0\.0\.1:(\d+)", curl)
        assert ports == ["8080"], curl  # the mock's default port, not the run's ephemeral one
    start = 'opentact-conformance mock --token "$OPENTACT_MOCK_TOKEN" --fault html_error_page'
    assert f"{start} --fault intermittent_500 --seed 3`" in md


def test_expected_is_the_documented_answer_and_actual_what_the_server_sent(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    md, _ = _read(root, "all")
    by_title = {s.split("\n", 1)[0]: s for s in _sections(md)}
    [content_type] = [s for t, s in by_title.items() if "application/json" in t]
    assert "The answer should be: application/json." in content_type
    recorded = {
        e["response"]["headers"].get("content-type")
        for e in _results(root)["exchanges"]  # type: ignore[union-attr]
        if e.get("response") and e["response"]["status"] == 404
    }
    assert "text/html; charset=utf-8" in recorded
    assert "The server sent Content-Type `text/html; charset=utf-8`." in content_type
    [equal] = [s for t, s in by_title.items() if "Equal requests" in t]
    assert re.search(r"The answer should be: HTTP 200 application/json", equal), equal
    assert "The server answered `HTTP 500" in equal


def test_the_body_carries_nothing_internal_and_the_appendix_does(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    for folder in ("all", "new-only", "history"):
        md, html = _read(root, folder)
        for text in (md, unescape(html)):
            body = re.sub(r"<details.*?</details>", "", text, flags=re.S)
            found = {name for name, pattern in INTERNAL.items() if pattern.search(body)}
            assert found == set(), f"{folder}: {found}"
            appendix = text.split("<details", 1)[1]
            assert INTERNAL["deviation key"].search(appendix) and INTERNAL["DECISIONS number"].search(
                appendix
            )


def test_the_token_appears_nowhere(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    for path in root.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(encoding="utf-8", errors="replace"), path
    assert TOKEN not in str(runs["console"])


def test_a_baseline_limits_the_export_to_new_problems(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    everything, new_only = _sections(_read(root, "all")[0]), _sections(_read(root, "new-only")[0])
    assert 0 < len(new_only) < len(everything)
    assert not any("application/json" in s.split("\n", 1)[0] for s in new_only)
    assert all("New since the earlier run." in s for s in new_only)


def test_history_says_when_each_open_problem_was_first_seen(runs: dict[str, object]) -> None:
    root = runs["root"]
    assert isinstance(root, Path)
    md, _ = _read(root, "history")
    sections = _sections(md)
    assert len(sections) == len(_sections(_read(root, "all")[0]))
    [content_type] = [s for s in sections if "application/json" in s.split("\n", 1)[0]]
    assert "(in 2 of 2 runs)" in content_type
    assert any("(in 1 of 2 runs)" in s for s in sections)
