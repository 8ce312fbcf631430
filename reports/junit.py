"""``junit.xml`` for CI systems: one testcase per (check × operation).

A testcase fails when it has deviations at/above the run's ``fail_on`` (with a baseline:
only new ones); everything else it found goes to ``system-out``. Suite crashes become
``error`` testcases of their own, so they never read as API deviations.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from conformance.model.coverage import coverage_note
from conformance.model.deviations import Deviation, Severity
from conformance.model.results import RunResults, write_atomic
from reports.redact import mask_text
from reports.view import plural

__all__ = ["JUNIT_FILE", "MAX_LISTED", "render_junit", "write_junit", "xml_text"]

JUNIT_FILE = "junit.xml"
MAX_LISTED = 50  # deviations spelled out per testcase and channel; the rest are counted
SUITE_NAME = "opentact-conformance"
# The operation a deviation names when the engine does not say (the spec has one operation today).
DEFAULT_OPERATION = Deviation(check="", severity=Severity.INFO, title="", detail="").operation


_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot carry (NUL, most controls) replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _describe(deviation: Deviation, status: str) -> str:
    tag = f"[{deviation.severity.value}{', ' + status if status else ''}]"
    lines = [f"{tag} {deviation.title} at {deviation.path}"]
    if deviation.detail:
        lines.append(f"    {deviation.detail}")
    if deviation.expected or deviation.actual:
        lines.append(f"    expected: {deviation.expected}")
        lines.append(f"    actual:   {deviation.actual}")
    evidence = deviation.evidence
    if evidence.source or evidence.decision:
        documented = evidence.source + (f" (DECISIONS {evidence.decision})" if evidence.decision else "")
        lines.append(f"    documented in: {documented}")
    if deviation.case_id:
        lines.append(f"    case: {deviation.case_id}")
    if deviation.curl:
        lines.append(f"    reproduce: {mask_text(deviation.curl)}")
    return xml_text("\n".join(lines))


def _listing(items: Sequence[tuple[Deviation, str]]) -> str:
    text = "\n".join(_describe(d, status) for d, status in items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        text += f"\n… and {len(items) - MAX_LISTED} more (see results.json / report.html)"
    return text


def _operations(results: RunResults) -> list[str]:
    seen = {d.operation for d in results.deviations}
    declared = results.stats.get("operations")
    if isinstance(declared, list):
        seen.update(str(op) for op in declared)
    return sorted(seen) or [DEFAULT_OPERATION]


def render_junit(results: RunResults) -> str:
    """The JUnit XML document for one run (deterministic order: check id, then operation)."""
    new_keys = None if results.baseline is None else set(results.baseline.new)
    checks = sorted(set(results.checks) | {d.check for d in results.deviations})
    by_case: dict[tuple[str, str], list[Deviation]] = {}
    for deviation in results.deviations:
        by_case.setdefault((deviation.check, deviation.operation), []).append(deviation)

    suite = ET.Element("testsuite", name=xml_text(f"{SUITE_NAME}: {results.target.name}"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("target", results.target.base_url),
        ("spec.sha256", results.spec.get("sha256", "")),
        ("seed", str(results.seed)),
        ("fail_on", results.fail_on.value),
        ("verdict", results.verdict),
        ("baseline", "" if results.baseline is None else results.baseline.baseline),
        ("cases", str(results.stats.get("cases", 0))),  # the figures the console and report.html show
        ("requests", str(results.stats.get("sent", 0))),
    ):
        ET.SubElement(properties, "property", name=name, value=xml_text(value))

    tests = failures = 0
    operations = _operations(results)
    gate = results.fail_on.names_at_least()
    for check in checks:
        for operation in operations:
            tests += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=xml_text(f"{SUITE_NAME}.{check}"),
                name=xml_text(operation),
                time="0",
            )
            members = by_case.get((check, operation), [])
            failing: list[tuple[Deviation, str]] = []
            other: list[tuple[Deviation, str]] = []
            for deviation in members:
                status = "" if new_keys is None else ("new" if deviation.key in new_keys else "persisting")
                gates = deviation.severity._value_ in gate and status != "persisting"
                (failing if gates else other).append((deviation, status))
            if failing:
                failures += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=failing[0][0].severity.value,
                    message=xml_text(
                        f"{plural(len(failing), 'deviation')} at or above {results.fail_on.value}: "
                        f"{failing[0][0].title}"
                    ),
                )
                failure.text = _listing(failing)
            if other:
                ET.SubElement(case, "system-out").text = _listing(other)

    errors = 0
    if results.partial:  # an interrupted run must fail in CI, never read as a pass (D19)
        errors += 1
        tests += 1
        case = ET.SubElement(
            suite, "testcase", classname=f"{SUITE_NAME}.run", name="run incomplete", time="0"
        )
        reason = results.partial_reason or "the run stopped before every case was sent"
        ET.SubElement(case, "error", type="Incomplete", message=xml_text(f"verdict incomplete: {reason}"))
    skipped = _coverage_case(suite, results)
    tests += skipped
    for crash in results.crashes:
        errors += 1
        tests += 1
        case = ET.SubElement(
            suite, "testcase", classname=f"{SUITE_NAME}.suite", name=f"crash in check {crash.check}", time="0"
        )
        first_line = crash.error.splitlines()[0][:200] if crash.error else "the check raised"
        error = ET.SubElement(case, "error", type="SuiteCrash", message=xml_text(first_line))
        error.text = xml_text(f"case {crash.case_id}\n{crash.error}")

    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{results.duration_s:.3f}")
    suite.set("timestamp", results.started_at)
    root = ET.Element(
        "testsuites",
        name=SUITE_NAME,
        tests=str(tests),
        failures=str(failures),
        errors=str(errors),
        time=f"{results.duration_s:.3f}",
    )
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _coverage_case(suite: ET.Element, results: RunResults) -> int:
    """A run that left planned cases unsent but met --min-coverage: a skipped test case that says how
    many and why (below the minimum, the run is incomplete and ``run incomplete`` says it; D55)."""
    note = coverage_note(results.stats.get("coverage") or {})
    if not note or results.partial:
        return 0
    case = ET.SubElement(suite, "testcase", classname=f"{SUITE_NAME}.run", name="coverage", time="0")
    ET.SubElement(case, "skipped", message=xml_text(f"partial coverage: {note}"))
    return 1


def write_junit(results: RunResults, out_dir: Path) -> Path:
    """Write ``out_dir/junit.xml`` atomically; return its path."""
    path = out_dir / JUNIT_FILE
    write_atomic(path, render_junit(results))
    return path
