"""The public pages the contract cites (``spec/sources.yaml``), as the reports link them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.vendor import DocPage

__all__ = ["documentation_pages"]


def documentation_pages() -> dict[str, DocPage]:
    """Each cited page by its id (S1..): its title and public URL; empty when the file cannot be read
    (a report without links is still a report)."""
    from conformance.contract.sources import load_sources
    from conformance.contract.specfile import SpecError
    from reports.vendor import DocPage

    try:
        return {s.id: DocPage(s.id, s.title, s.url) for s in load_sources()}
    except SpecError:
        return {}
