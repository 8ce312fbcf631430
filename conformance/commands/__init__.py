"""The commands: the command line, one module per subcommand.

Holds: ``cli`` (the ``opentact-conformance`` entry point), ``run``, ``diff`` and ``report`` (one
module per subcommand; ``mock`` lives with the mock in ``conformance.mock.command``), ``options``
(the options several subcommands share), ``exit_codes`` (the documented exit codes), ``signals``
(SIGTERM handled like Ctrl-C) and ``report_dir`` (the report directory checked and locked, D19).

May import: every layer below — the engine, checks, contract, model, the mock — and ``reports``.
Nothing imports the commands except ``conformance.suite`` (the pytest route to the same run).
"""
