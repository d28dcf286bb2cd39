"""Corpus-level steps that `govtext run` performs after ingest (topics, report).

Each step reads the store and writes back to it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.config import Config
from pipeline.store import Store


@dataclass(frozen=True)
class CorpusStep:
    name: str
    module: str
    function: str  # fn(store: Store, cfg: Config) -> str (a one-line summary for the user)


CORPUS_STEPS = (
    CorpusStep("topics", "pipeline.topics", "fit_for_run"),
    CorpusStep("report", "pipeline.report", "write_for_run"),
)


def available_steps() -> list[tuple[str, Callable[[Store, Config], Any]]]:
    """The corpus-level steps of `govtext run`, in order, as (name, function)."""
    return [(s.name, getattr(importlib.import_module(s.module), s.function)) for s in CORPUS_STEPS]
