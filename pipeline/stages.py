"""The per-document stages, in order. A stage is a function over a batch of documents.

A stage is registered with a name and a version string; the joined versions make the pipeline
version stored with every document, so a re-run redoes exactly the documents whose input or
stage version changed. Adding a stage means registering it here, without touching the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.config import Config
from pipeline.document import Document

BatchFn = Callable[[list[Document], Config], list[Document]]


@dataclass(frozen=True)
class Stage:
    name: str
    version: str
    run: BatchFn


def _per_doc(fn: Callable[[Document], Document]) -> BatchFn:
    def run(docs: list[Document], cfg: Config) -> list[Document]:
        return [fn(d) for d in docs]

    return run


def _load(module: str) -> object | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def default_stages() -> list[Stage]:
    """segment -> language -> nlp -> themes. Modules not present yet are left out."""
    stages: list[Stage] = []
    seg = _load("pipeline.segment")
    if seg is not None:
        stages.append(Stage("segment", seg.VERSION, _per_doc(seg.segment)))
    lang = _load("pipeline.language")
    if lang is not None:
        stages.append(Stage("language", getattr(lang, "VERSION", "1"), _per_doc(lang.detect_part_langs)))
    nlp = _load("pipeline.nlp")
    if nlp is not None:
        batch = getattr(nlp, "process_many", None)
        run = (lambda docs, cfg: batch(docs, cfg.spacy_models)) if batch else _per_doc(nlp.process)
        stages.append(Stage("nlp", nlp.VERSION, run))
    themes = _load("pipeline.themes")
    if themes is not None and hasattr(themes, "tag_documents"):
        stages.append(Stage("themes", themes.VERSION, themes.tag_documents))
    return stages


def pipeline_version(stages: list[Stage]) -> str:
    return ",".join(f"{s.name}:{s.version}" for s in stages)
