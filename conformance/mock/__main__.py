"""``python -m conformance.mock``: the ``opentact-conformance mock`` command on its own."""

from __future__ import annotations

import sys

from conformance.mock.command import main

if __name__ == "__main__":
    sys.exit(main())
