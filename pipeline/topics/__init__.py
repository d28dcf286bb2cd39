"""Topic models of the stored corpus: see fit.py for the workflow, engines.py for the trainers."""

from pipeline.topics.engines import DEFAULT_ENGINE, ENGINES
from pipeline.topics.fit import (
    FitResult,
    TooSmall,
    UpdateResult,
    compare,
    export,
    fit,
    fit_for_run,
    load,
    show,
    update,
)
from pipeline.topics.prepare import MIN_DOCS, PARTS, prepare

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "MIN_DOCS",
    "PARTS",
    "FitResult",
    "TooSmall",
    "UpdateResult",
    "compare",
    "export",
    "fit",
    "fit_for_run",
    "load",
    "prepare",
    "show",
    "update",
]
