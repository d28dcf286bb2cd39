"""Corpus-level steps that `govtext run` performs after ingest (embed, topics, report).

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
    function: str  # fn(store: Store, cfg: Config) -> str | None (a one-line summary; None: nothing to say)


CORPUS_STEPS = (
    CorpusStep("embed", "pipeline.semantic.run_step", "embed_for_run"),
    CorpusStep("topics", "pipeline.topics", "fit_for_run"),
    CorpusStep("report", "pipeline.report", "write_for_run"),
)


def available_steps() -> list[tuple[str, Callable[[Store, Config], Any]]]:
    """The corpus-level steps of `govtext run`, in order, as (name, function)."""
    return [(s.name, getattr(importlib.import_module(s.module), s.function)) for s in CORPUS_STEPS]
