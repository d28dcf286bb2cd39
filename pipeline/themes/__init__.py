"""Governance themes: taxonomy, lexicon evidence, a trainable classifier, evaluation.

The ingest stage ``tag_documents`` tags every document with the active trained model, or with
the lexicon when no model is active; each tag records its method and model id.
"""

from __future__ import annotations

from pipeline.config import Config
from pipeline.document import Document

VERSION = "2"  # 2: company names are not theme evidence (themes/names.py)

_TAGGERS: dict[tuple, object] = {}
# The themes model this process tags with, as the run chose it (configure); unset: the default.
_CHOICE: dict[str, object] = {}


def configure(model_id: str | None, files: dict[str, bytes] | None) -> None:
    """Tag with this model (its files, as the corpus keeps them) in this process; None: the lexicon."""
    _CHOICE.clear()
    _CHOICE.update(id=model_id, files=files)
    _TAGGERS.clear()


def tag_documents(docs: list[Document], cfg: Config) -> list[Document]:
    """Ingest stage: set Document.tags."""
    from pipeline.themes.tagger import tagger_for, tags_for

    if not _CHOICE:
        from pipeline.models import Registry

        reg = Registry()  # no corpus: the shipped default
        model_id = reg.active_id("themes")
        configure(model_id, reg.files("themes", model_id) if model_id else None)
    key = (str(cfg.taxonomy or ""), _CHOICE["id"])
    tagger = _TAGGERS.get(key)
    if tagger is None:
        tagger = _TAGGERS[key] = tagger_for(_CHOICE["id"], _CHOICE["files"], cfg.taxonomy)  # type: ignore[arg-type]
    for d, tags in zip(docs, tags_for(tagger, docs), strict=True):
        d.tags = tags
    return docs
