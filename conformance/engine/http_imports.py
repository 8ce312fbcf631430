"""httpx and httpcore, imported without the two optional modules they try and the client never uses.

httpcore tries ``import trio`` (for its trio synchronisation primitives) and httpx tries its own
command line, ``httpx._main`` (click, rich, pygments): together about 130 ms of every run's start-up
on this machine, before the first request can leave. The client is synchronous and never runs the
httpx command line, so while the two are imported here those names are marked absent in
``sys.modules`` (each library's documented fallback when the optional part is missing); the marks are
taken away again at once, so anything else in the process still imports trio as usual. A library
that is already imported is used as it is.
"""

from __future__ import annotations

import sys

_UNUSED = ("trio", "httpx._main")
_marked = [name for name in _UNUSED if name not in sys.modules]
for _name in _marked:
    sys.modules[_name] = None  # type: ignore[assignment]  # `import` of it raises ImportError
try:
    import httpcore as httpcore
    import httpx as httpx
finally:
    for _name in _marked:
        if _name in sys.modules and sys.modules[_name] is None:
            del sys.modules[_name]

__all__ = ["httpcore", "httpx"]
