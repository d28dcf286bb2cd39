"""The govtext command line: a thin layer over the library (see pipeline.query, pipeline.ingest).

Each command group lives in its own module and registers itself on ``app``; adding a group means
adding a module to ``_GROUPS`` without touching the others.
"""

from __future__ import annotations

import importlib

from pipeline.cli.common import app, main

_GROUPS = ("core", "themes", "topics", "explore", "semantic")

for _name in _GROUPS:
    importlib.import_module(f"pipeline.cli.{_name}")

__all__ = ["app", "main"]
