"""`python -m conformance …`: the same command line as `opentact-conformance …`."""

from conformance.commands.cli import entry

entry()
