"""Options and the session-wide run behind `pytest conformance/suite`.

The whole run happens once per session (cases are generated with hypothesis and
schemathesis under the seed, sent within the profile's budget, checked); each test then
asserts one phase. results.json, report.html and junit.xml go to --report-dir.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.deviations import Severity
from conformance.profiles import ProfileError, load_profile
from conformance.results import RunResults
from conformance.runner import RunOptions, SafetyError, execute


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("opentact-conformance")
    group.addoption("--profile", default=None, help="target profile YAML or 'mock' (default)")
    group.addoption("--base-url", default=None, help="override the profile's base URL")
    group.addoption("--token-env", default=None, help="environment variable holding the token")
    group.addoption("--sender", action="append", default=[], help="leased sender (repeatable)")
    group.addoption("--seed", type=int, default=0, help="seed of the generated cases")
    group.addoption("--max-examples", type=int, default=25, help="generated cases per phase")
    group.addoption("--fail-on", default="error", choices=[s.value for s in Severity])
    group.addoption("--live", action="store_true", help="allow a live non-loopback target")
    group.addoption("--negative-only", action="store_true", help="only requests that must be rejected")
    group.addoption("--report-dir", default="conformance-report", help="where results.json goes")


@pytest.fixture(scope="session")
def conformance_results(pytestconfig: pytest.Config) -> RunResults:
    option = pytestconfig.getoption
    try:
        profile = load_profile(option("--profile")).with_overrides(
            base_url=option("--base-url"), token_env=option("--token-env"), senders=option("--sender")
        )
        results = execute(
            RunOptions(
                profile=profile,
                seed=option("--seed"),
                max_examples=option("--max-examples"),
                fail_on=Severity.parse(option("--fail-on")),
                allow_live=option("--live"),
                negative_only=option("--negative-only"),
            )
        )
    except (ProfileError, SafetyError) as exc:
        pytest.exit(str(exc), returncode=2)
    from conformance.run_command import write_artefacts

    write_artefacts(results, Path(option("--report-dir")))
    return results
