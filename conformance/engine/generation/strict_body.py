"""Request bodies that are not JSON, and JSON sent as another media type (D69), zero-send.

Each documented JSON body form (D2) is sent in every spelling of ``strategies.not_json_texts`` (``NaN``,
a repeated member, a trailing comma, single quotes, bare names, a comment, bytes that are not UTF-8)
and, well-formed, under the media types a web page may post cross-site without asking (``text/plain``,
``application/x-www-form-urlencoded``: CORS-safelisted, no preflight). Every cell is a valid send from
the profile's *unleased* sender: a faithful target refuses the body before reading the send; a
target that reads it leniently reaches the lease check (404), so no server can send an SMS for it and
no cell spends the send budget (D17, D18).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import strategies as sms
from conformance.engine.generation.auth_matrix import FORM_CLASS, body_forms
from conformance.engine.generation.case_builder import CaseBuilder
from conformance.engine.generation.forms import in_form, variant_case
from conformance.model.cases import Case, Expectation
from conformance.model.deviations import Severity

__all__ = ["BODY_CLASS", "SIMPLE_MEDIA_TYPES", "strict_body_cases"]

BODY_CLASS = "request-body:"  # Case.classes entry naming how the body breaks JSON
# the media types a cross-site form or fetch may send without a CORS preflight (Fetch standard)
SIMPLE_MEDIA_TYPES = ("text/plain", "application/x-www-form-urlencoded")
_EVIDENCE = "S3 curl: Content-Type: application/json; RFC 8259; RFC 7493 (D69)"


def strict_body_cases(b: CaseBuilder, phase: str) -> Iterator[Case]:
    """Every body form in every spelling that is not JSON, then under each simple media type."""
    params = {
        "FROM": b.profile.unleased_sender,
        "TO": b.destination(2, "14155550100"),
        "Message": "strict body check",
    }
    for form in body_forms():
        template = variant_case(Case("template", phase, "template", Expectation.NOT_JSON, params), form)
        assert template.body is not None  # a body form
        cells: list[tuple[str, str, bytes | None, dict[str, str]]] = [
            (spelling.kind, f"with {spelling.what}", spelling.text, {})
            for spelling in sms.not_json_texts(json.loads(template.body))
        ]
        cells += [
            (f"sent-as-{media.split('/')[1]}", f"sent as {media}", None, {"Content-Type": media})
            for media in SIMPLE_MEDIA_TYPES
        ]
        for kind, title, body, headers in cells:
            case = b.case(
                phase,
                f"{form.id} form {title}, from the unleased sender",
                Expectation.NOT_JSON,
                params,
                severity=Severity.WARNING,
                extra_headers=headers,
                classes=(FORM_CLASS + form.id, BODY_CLASS + kind),
                evidence=_EVIDENCE,
                decision="D69",
            )
            wire = in_form(case, form)
            yield wire if body is None else replace(wire, body=body)
