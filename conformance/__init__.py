"""opentact-conformance: contract tests for Opentact's Send SMS API.

The package reads as its pipeline, one direction of imports (checked by import-linter, see
``[tool.importlinter]`` in pyproject.toml):

  ``commands/`` → ``engine/`` → ``checks/`` → ``contract/`` → ``model/``

with ``suite/`` (the pytest route) beside the commands, ``mock/`` as a standalone target, and the
top-level ``strategies`` (drawn from by the engine) and ``reports`` (reading only the model).
"""

__version__ = "0.2.0"
__all__ = ["__version__"]
