"""The per-document stages, in order. A stage is a function over a batch of documents.

A stage is registered with a name and a version string; the joined versions make the pipeline
version stored with every document, so a re-run redoes exactly the documents whose input or
stage version changed. Adding a stage means registering it here, without touching the others.
"""

from __future__ import annotations

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


def default_stages() -> list[Stage]:
    """segment -> language -> nlp -> themes."""
    from pipeline import language, nlp, segment, themes

    return [
        Stage("segment", segment.VERSION, _per_doc(segment.segment)),
        Stage("language", language.VERSION, _per_doc(language.detect_part_langs)),
        Stage("nlp", nlp.VERSION, lambda docs, cfg: nlp.process_many(docs, cfg.spacy_models)),
        Stage("themes", themes.VERSION, themes.tag_documents),
    ]


def pipeline_version(stages: list[Stage]) -> str:
    """The versions that decide what a stored document is: the readers', then each stage's."""
    from pipeline.readers import VERSION as READERS

    return ",".join([f"read:{READERS}", *(f"{s.name}:{s.version}" for s in stages)])
