"""The semantic steps shared by `govtext embed` and `govtext run`: embed, then re-tag what changed.

After new vectors are stored, documents that have them are re-tagged when the active themes model
has an embedding part for that encoder (ingest tagged them before their vectors existed).
"""

from __future__ import annotations

from typing import Any

from pipeline.config import Config
from pipeline.semantic.embed import EmbedSummary, Progress, embed_corpus
from pipeline.semantic.encoders import parse_spec
from pipeline.store import Store


def retag_with_vectors(store: Store, cfg: Config, doc_ids: list[str] | None = None) -> int:
    """Re-tag documents (all, or ``doc_ids``) with the active model's blend; returns how many were
    re-tagged (0 when the active model has no embedding part)."""
    from pipeline.models import Registry
    from pipeline.themes.tagger import active_tagger, corpus_vectors_for, tags_for

    tagger = active_tagger(cfg.taxonomy, Registry(store))
    part = getattr(tagger, "embedding", None)
    if part is None:
        return 0
    ids = doc_ids if doc_ids is not None else [i for i in store.vector_hashes(part.encoder)]
    n = 0
    for at in range(0, len(ids), 256):
        batch = [d for d in (store.get_document(i) for i in ids[at : at + 256]) if d is not None]
        vectors = corpus_vectors_for(tagger, store, [d.id for d in batch])
        store.replace_tags({d.id: t for d, t in zip(batch, tags_for(tagger, batch, vectors), strict=True)})
        n += len(batch)
    return n


def embed_and_retag(
    store: Store, cfg: Config, encoder: str, progress: Progress | None = None, run: int | None = None
) -> tuple[EmbedSummary, int]:
    spec = parse_spec(encoder, cfg.embed_tokens)
    before = store.vector_hashes(spec.id)
    summary = embed_corpus(store, spec, cfg.workers, progress, run, cfg.executor, cfg.scheduler)
    after = store.vector_hashes(spec.id)
    changed = [i for i, h in after.items() if before.get(i) != h]
    return summary, retag_with_vectors(store, cfg, changed) if changed else 0


def embed_for_run(store: Store, cfg: Config) -> str | None:
    """Corpus step of `govtext run`: only when an encoder is configured (nothing otherwise)."""
    if not cfg.encoder:
        return None
    summary, retagged = embed_and_retag(store, cfg, cfg.encoder)
    return summary.line() + (f"; {retagged} re-tagged with the embedding blend" if retagged else "")


def status(store: Store) -> list[dict[str, Any]]:
    return store.vector_encoders()
