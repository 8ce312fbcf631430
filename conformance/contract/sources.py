"""The documentation pages the contract cites as S1..S22, read from ``spec/sources.yaml``.

A citation such as "S1 200 tab" in DECISIONS.md, the OpenAPI file or a variant names one of these
pages; ``load_sources`` gives each page's title, URL and what the suite takes from it, so a report
or a generated page can link the citation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.contract.specfile import SpecError, safe_yaml, spec_dir

__all__ = ["SOURCES_FILE", "Source", "load_sources"]

SOURCES_FILE = "sources.yaml"
_FIELDS = ("id", "title", "site", "url", "says")


@dataclass(frozen=True)
class Source:
    id: str  # S1..S22
    title: str  # the page's own title
    site: str  # where it lives: current docs, older GitBook, GitHub
    url: str
    says: str  # what the suite takes from it, in one paragraph


@functools.lru_cache(maxsize=4)
def load_sources(path: Path | None = None) -> tuple[Source, ...]:
    """Every cited source in file order; raise ``SpecError`` naming the entry and field on bad input."""
    target = path or spec_dir() / SOURCES_FILE
    try:
        document = safe_yaml(target.read_bytes())
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read the sources {target} ({exc}). Restore the file from git.") from None
    entries = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SpecError(f"the sources {target} have no 'sources' list. Restore the file from git.")
    sources = []
    for index, entry in enumerate(entries):
        fields = entry if isinstance(entry, dict) else {}
        missing = [name for name in _FIELDS if not isinstance(fields.get(name), str)]
        if missing:
            raise SpecError(
                f"the sources {target}: sources[{index}] has no text for {', '.join(missing)}. "
                "Every entry needs id, title, site, url and says."
            )
        sources.append(Source(**{name: fields[name].strip() for name in _FIELDS}))
    return tuple(sources)
