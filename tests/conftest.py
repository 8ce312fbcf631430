"""Fixtures for every test folder.

The case cache (``conformance.engine.generation.cache``) of every run the tests start, in this process or in a
subprocess, goes into a temporary folder of the session, never into the user's ``~/.cache``: both the
tool's own override and ``XDG_CACHE_HOME`` point there (the latter also survives the helpers that drop
``OPENTACT_*`` variables from a child's environment).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from conformance.engine.generation.cache import CACHE_DIR_ENV


@pytest.fixture(scope="session", autouse=True)
def _case_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("xdg-cache")
    saved = {name: os.environ.get(name) for name in (CACHE_DIR_ENV, "XDG_CACHE_HOME")}
    os.environ[CACHE_DIR_ENV] = str(folder / "opentact-conformance")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
