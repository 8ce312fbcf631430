"""Honest benchmarks of opentact-conformance: whole processes, one standalone mock, counted at the server.

Run ``python -m bench`` (or ``nox -s bench``); ``python -m bench --help`` lists the options.
See ``bench/__main__.py``.
"""
