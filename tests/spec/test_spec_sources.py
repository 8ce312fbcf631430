"""spec/sources.yaml: every page the contract cites as S<n> is in the table, with its title and URL."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from conformance.contract.sources import load_sources
from conformance.contract.specfile import SpecError
from tests.spec.conftest import DECISIONS_FILE, SPEC_DIR, VARIANTS_DIR

CITATION = re.compile(r"\bS(\d+)\b")
RANGE = re.compile(r"\bS(\d+)\s*(?:–|-|\.\.)\s*S(\d+)\b")  # S1–S22, S1-S22, S1..S22


def cited(text: str) -> set[str]:
    """Every source id a text cites, a range standing for each id in it."""
    ids = {f"S{number}" for number in CITATION.findall(text)}
    for low, high in RANGE.findall(text):
        ids |= {f"S{number}" for number in range(int(low), int(high) + 1)}
    return ids


def citing_files() -> Iterable[Path]:
    yield DECISIONS_FILE
    yield SPEC_DIR / "opentact-sms.openapi.yaml"
    yield from sorted(VARIANTS_DIR.glob("*.yaml"))


def missing_sources(texts: dict[str, str], known: set[str]) -> dict[str, list[str]]:
    """Per file, the cited ids the sources table does not hold."""
    missing = {name: sorted(cited(text) - known, key=lambda s: int(s[1:])) for name, text in texts.items()}
    return {name: ids for name, ids in missing.items() if ids}


def test_sources_are_s1_to_s22_in_order_each_with_a_title_and_an_https_url() -> None:
    sources = load_sources()
    assert [source.id for source in sources] == [f"S{n}" for n in range(1, 23)]
    for source in sources:
        assert source.url.startswith("https://"), source
        assert source.title and source.site and source.says, source
    assert len({source.url for source in sources}) == len(sources)


def test_every_source_the_spec_cites_is_in_the_table() -> None:
    known = {source.id for source in load_sources()}
    texts = {path.name: path.read_text(encoding="utf-8") for path in citing_files()}
    assert {"S1", "S3", "S12"} <= set().union(*(cited(text) for text in texts.values()))
    assert missing_sources(texts, known) == {}


def test_a_citation_of_a_page_not_in_the_table_is_found() -> None:
    known = {source.id for source in load_sources()}
    texts = {"D99.md": "**Evidence.** S1 200 tab; S23 (a page nobody listed); the pages S20–S24."}
    assert missing_sources(texts, known) == {"D99.md": ["S23", "S24"]}


def test_an_entry_without_a_url_is_refused_naming_the_entry_and_the_field(tmp_path: Path) -> None:
    broken = tmp_path / "sources.yaml"
    broken.write_text(
        "sources:\n"
        "  - {id: S1, title: Send SMS with Number, site: docs, url: 'https://example.org/s1', says: it}\n"
        "  - {id: S2, title: Send SMS via Restful API, site: docs, says: it}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"sources\[1\] has no text for url"):
        load_sources(broken)
