"""Topic models in the store: numpy weights to rows and back (the SQL lives in pipeline.store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.store import Store

MIN_DOC_WEIGHT = 0.01  # smaller document-topic weights are noise and would only bloat doc_topics


def active_model(store: Store) -> dict[str, Any] | None:
    """The active topic model's row (id, path, meta), or None."""
    model_id = store.active_model_id("topics")
    return store.model_row(model_id, "topics") if model_id else None


def model_row(store: Store, model_id: str) -> dict[str, Any] | None:
    return store.model_row(model_id, "topics")


def _doc_rows(doc_ids: Sequence[str], weights: np.ndarray) -> list[tuple[str, int, float]]:
    rows = []
    for doc_id, row in zip(doc_ids, weights, strict=True):
        for t in np.flatnonzero(row >= MIN_DOC_WEIGHT):
            rows.append((doc_id, int(t), round(float(row[t]), 5)))
    return rows


def save_model(
    store: Store, model_id: str, meta: dict[str, Any], topics: list[dict[str, Any]],
    doc_ids: Sequence[str], weights: np.ndarray, files: dict[str, bytes],
) -> None:  # fmt: skip
    """A new model's row, files, topics and document weights, made the active one, at once."""
    store.save_topic_model(model_id, meta, topics, _doc_rows(doc_ids, weights), files)


def add_doc_topics(store: Store, model_id: str, doc_ids: Sequence[str], weights: np.ndarray) -> None:
    store.add_doc_topics(model_id, _doc_rows(doc_ids, weights))


def doc_topic_matrix(store: Store, model_id: str, k: int) -> tuple[list[str], np.ndarray]:
    """The stored document weights of a model as (document ids, documents x k matrix)."""
    ids: list[str] = []
    index: dict[str, int] = {}
    cells = []
    for doc_id, topic, w in store.doc_topic_weights(model_id):
        if doc_id not in index:
            index[doc_id] = len(ids)
            ids.append(doc_id)
        cells.append((index[doc_id], topic, w))
    m = np.zeros((len(ids), k))
    for i, t, w in cells:
        m[i, t] = w
    return ids, m
