"""A results.json with many deviations, written through the results model of this tree (its own format).

    python -m bench.results_fixture OUT.json 100000

Deviations are spread over 30 checks x 20 JSON paths x 3 severities, three per case (one case's request and
response evidence repeated, as a faulty target fires several checks on one answer), with realistic redacted
request/response evidence and a curl line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.results import PhaseStats, RunResults, TargetInfo

__all__ = ["build", "main"]

CHECKS = 30
PATHS = 20
PER_CASE = 3
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
URL = "http://127.0.0.1:8765/rest/sms"


def _deviation(index: int) -> Deviation:
    check = f"check_{index % CHECKS:02d}"
    case_id = f"case-{index // PER_CASE:06d}"
    body = json.dumps(
        {
            "success": True,
            "payload": {"id": case_id, "to": "+14155550123", "message": "hello " * 20, "items": [1, 2, 3]},
        }
    )
    return Deviation(
        check=check,
        severity=SEVERITIES[(index // CHECKS) % 3],
        title=f"{check}: value differs from the documented one (kind {index % 3})",
        detail=f"the target answered {index} where the docs say otherwise",
        path=f"$.payload.items[{index % 7}].field_{(index // CHECKS) % PATHS:02d}",
        expected="a string in E.164 format",
        actual=str(index),
        spec_pointer="#/paths/~1rest~1sms/post/responses/200",
        evidence=Evidence(source="S1 200 tab", decision="D11"),
        case_id=case_id,
        phase="positive",
        request={
            "method": "POST",
            "url": URL,
            "headers": {"Content-Type": "application/json", "X-Auth-Token": "***REDACTED***"},
            "body": json.dumps({"to": "+14155550123", "from": "+14155550100", "message": case_id}),
        },
        response={
            "status": 200,
            "headers": {"content-type": "application/json"},
            "body": body,
            "body_truncated": False,
            "elapsed_ms": 10.0,
        },
        curl=f"curl -sS -X POST '{URL}' -H 'X-Auth-Token: ***REDACTED***' "
        f'--data-binary \'{{"message": "{case_id}"}}\'',
        seed=1,
    )


def build(count: int) -> RunResults:
    """A finished run of ``count`` deviations over ``ceil(count / 3)`` cases."""
    cases = -(-count // PER_CASE)
    return RunResults(
        target=TargetInfo("mock", "http://127.0.0.1:8765"),
        spec={"title": "Opentact Send SMS API", "version": "1.4.0", "sha256": "0" * 64},
        seed=1,
        started_at="2025-11-24T20:00:00+00:00",
        finished_at="2025-11-24T20:10:00+00:00",
        duration_s=600.0,
        fail_on=Severity.ERROR,
        deviations=tuple(_deviation(index) for index in range(count)),
        phases=(PhaseStats("positive", cases=cases, sent=cases, status_counts={"200": cases}),),
        checks={f"check_{i:02d}": f"synthetic check {i}" for i in range(CHECKS)},
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m bench.results_fixture OUT.json COUNT", file=sys.stderr)
        return 2
    build(int(argv[1])).write(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
