"""Governance themes: taxonomy, lexicon evidence, a trainable classifier, evaluation.

The ingest stage ``tag_documents`` tags every document with the active trained model, or with
the lexicon when no model is active; each tag records its method and model id.
"""

from __future__ import annotations

from pipeline.config import Config
from pipeline.document import Document

VERSION = "2"  # 2: company names are not theme evidence (themes/names.py)

_TAGGERS: dict[tuple, object] = {}


def tag_documents(docs: list[Document], cfg: Config) -> list[Document]:
    """Ingest stage: set Document.tags."""
    from pipeline.models import Registry
    from pipeline.themes.tagger import active_tagger, tags_for

    reg = Registry()
    # Keyed by what decides the tagger, so switching models or registries takes effect at once.
    key = (str(cfg.taxonomy or ""), str(reg.root.resolve()), reg.active_id("themes"))
    tagger = _TAGGERS.get(key)
    if tagger is None:
        tagger = _TAGGERS[key] = active_tagger(cfg.taxonomy, reg)
    for d, tags in zip(docs, tags_for(tagger, docs), strict=True):
        d.tags = tags
    return docs
