"""A second reference target, written from the documentation alone, and the gate run against it.

``reference.target`` is the server (it imports nothing from ``conformance``); ``reference.gate``
is the harness that points the suite's gate at it; ``reference.catch_table`` prints the
deviation x seed table.
"""
