"""reports/ reads only the results model: no engine, no pytest, no schemathesis."""

from __future__ import annotations

import ast
from pathlib import Path

import reports

# the results model: results, its deviations, the distinct problems they fold into, and the words
# of its coverage statistics
ALLOWED_FROM_CONFORMANCE = {
    "conformance.model.results",
    "conformance.model.coverage",
    "conformance.model.deviations",
    "conformance.model.problems",
}
FORBIDDEN = {"pytest", "schemathesis", "hypothesis", "httpx", "tests"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_reports_import_only_the_results_model() -> None:
    package = Path(reports.__file__).parent
    for module in sorted(package.glob("*.py")):
        imported = _imports(module)
        engine = {n for n in imported if n.split(".")[0] == "conformance"} - ALLOWED_FROM_CONFORMANCE
        assert not engine, f"{module.name} imports {sorted(engine)}"
        assert not {n.split(".")[0] for n in imported} & FORBIDDEN, (
            f"{module.name} imports {sorted(imported)}"
        )


def test_templates_ship_inside_the_package() -> None:
    templates = Path(reports.__file__).parent / "templates"
    assert {p.name for p in templates.iterdir()} >= {
        "report.html.j2",
        "_group.html.j2",
        "report.css",
        "report.js",
    }
