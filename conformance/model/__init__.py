"""The model: plain data every layer may use — cases, exchanges, deviations, run results.

Holds: ``cases`` (what to send and what the docs promise for it), ``exchange`` (one recorded
request/response), ``deviations`` (a problem found, with its evidence and stable key), ``results``
(``results.json``: the run, its phases, deviations, crashes; atomic writing).

May import: nothing of this project (no engine, checks, contract, commands, mock, reports), and
neither pytest nor schemathesis. Everything else may import it.
"""
