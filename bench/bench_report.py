"""Benchmark: render report.html (and junit.xml) for 10 000 and 100 000 deviations.

Deviations are spread over 30 checks × 20 JSON paths with realistic request/response evidence.
Targets at 100 000 deviations: HTML ≤ 5 s and ≤ 10 MB (examples are capped per group).

    python bench/bench_report.py            # render only
    python bench/bench_report.py --browser  # also open the 100 000 page in headless Chromium
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.model.deviations import Deviation, Evidence, Severity
from conformance.model.results import PhaseStats, RunResults, TargetInfo
from reports.html import render_html
from reports.junit import render_junit

CHECKS = 30
PATHS = 20
TARGET_SECONDS = 5.0
TARGET_BYTES = 10 * 1024 * 1024
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def build(count: int) -> RunResults:
    deviations = []
    for index in range(count):
        check = f"check_{index % CHECKS:02d}"
        path = f"$.payload.items[{index % 7}].field_{(index // CHECKS) % PATHS:02d}"
        case_id = f"case-{index:06d}"
        body = json.dumps(
            {
                "success": True,
                "payload": {
                    "id": case_id,
                    "to": "+14155550123",
                    "message": "hello " * 20,
                    "items": [1, 2, 3],
                },
            }
        )
        deviations.append(
            Deviation(
                check=check,
                severity=SEVERITIES[(index // CHECKS) % 3],
                title=f"{check}: value differs from the documented one (kind {index % 3})",
                detail=f"the target answered {index} where the docs say otherwise",
                path=path,
                expected="a string in E.164 format",
                actual=str(index),
                spec_pointer="#/paths/~1rest~1sms/post/responses/200",
                evidence=Evidence(source="S1 200 tab", decision="D11"),
                case_id=case_id,
                phase="positive",
                request={
                    "method": "POST",
                    "url": "http://127.0.0.1:8765/rest/sms",
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
                curl=f"curl -sS -X POST 'http://127.0.0.1:8765/rest/sms' -H 'X-Auth-Token: ***REDACTED***' "
                f'--data-binary \'{{"message": "{case_id}"}}\'',
                seed=1,
            )
        )
    return RunResults(
        target=TargetInfo("mock", "http://127.0.0.1:8765"),
        spec={"title": "Opentact Send SMS API", "version": "1.4.0", "sha256": "0" * 64},
        seed=1,
        started_at="2025-11-24T20:00:00+00:00",
        finished_at="2025-11-24T20:10:00+00:00",
        duration_s=600.0,
        fail_on=Severity.ERROR,
        deviations=tuple(deviations),
        phases=(PhaseStats("positive", cases=count, sent=count, status_counts={"200": count}),),
        checks={f"check_{i:02d}": f"synthetic check {i}" for i in range(CHECKS)},
    )


def open_in_browser(html: str) -> None:
    """Load the page in Debian's Chromium and time it until the filters respond."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "report.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            loaded = time.perf_counter() - start
            start = time.perf_counter()
            page.locator("input[data-filter-severity][value=info]").uncheck()
            page.locator("#groups-shown").inner_text()
            filtered = time.perf_counter() - start
            browser.close()
    print(f"         Chromium: page loaded in {loaded:.2f} s, severity filter applied in {filtered:.2f} s")


def main() -> int:
    browser = "--browser" in sys.argv[1:]
    ok = True
    for count in (10_000, 100_000):
        results = build(count)
        start = time.perf_counter()
        html = render_html(results)
        seconds = time.perf_counter() - start
        size = len(html.encode("utf-8"))
        start = time.perf_counter()
        junit = render_junit(results)
        junit_seconds = time.perf_counter() - start
        print(
            f"{count:>7} deviations: report.html {seconds:5.2f} s ({seconds / TARGET_SECONDS:4.0%} of 5 s), "
            f"{size / 1e6:5.2f} MB ({size / TARGET_BYTES:4.0%} of 10 MB); "
            f"junit.xml {junit_seconds:4.2f} s, {len(junit.encode()) / 1e6:4.2f} MB"
        )
        if count == 100_000:
            ok = seconds <= TARGET_SECONDS and size <= TARGET_BYTES
            if browser:
                open_in_browser(html)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
