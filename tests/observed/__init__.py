"""Self-tests of checking traffic the suite did not generate: the observed core and `check-traffic`.

``observed.wire`` holds the fixed list of requests an "application" sends to the mock and the helper
that records them as ``ObservedExchange`` objects (the proxy's tests may reuse both).
"""
