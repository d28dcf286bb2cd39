"""Topic rows in the store: the models row, topics, doc_topics (store.py stays the schema owner)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.store import Store

MIN_DOC_WEIGHT = 0.01  # smaller document-topic weights are noise and would only bloat doc_topics


def active_model(store: Store) -> dict[str, Any] | None:
    r = store.conn.execute(
        "SELECT id, path, meta FROM models WHERE kind = 'topics' AND active = 1 ORDER BY created DESC LIMIT 1"
    ).fetchone()
    if r is None:
        return None
    return {"id": r["id"], "path": r["path"], "meta": json.loads(r["meta"] or "{}")}


def model_row(store: Store, model_id: str) -> dict[str, Any] | None:
    r = store.conn.execute(
        "SELECT id, path, meta, active FROM models WHERE id = ? AND kind = 'topics'", (model_id,)
    ).fetchone()
    return (
        None
        if r is None
        else {
            "id": r["id"],
            "path": r["path"],
            "meta": json.loads(r["meta"] or "{}"),
            "active": bool(r["active"]),
        }
    )


def _doc_rows(model_id: str, doc_ids: Sequence[str], weights: np.ndarray) -> list[tuple]:
    rows = []
    for doc_id, row in zip(doc_ids, weights, strict=True):
        for t in np.flatnonzero(row >= MIN_DOC_WEIGHT):
            rows.append((doc_id, model_id, int(t), round(float(row[t]), 5)))
    return rows


def _topic_rows(model_id: str, topics: list[dict[str, Any]]) -> list[tuple]:
    return [
        (
            model_id,
            t["topic"],
            t["label"],
            t["theme"],
            json.dumps(t["terms"], ensure_ascii=False),
            t["weight"],
            json.dumps(t["meta"], ensure_ascii=False),
        )
        for t in topics
    ]


def save_model(
    store: Store,
    model_id: str,
    path: str,
    meta: dict[str, Any],
    topics: list[dict[str, Any]],
    doc_ids: Sequence[str],
    weights: np.ndarray,
) -> None:
    """Topics, document weights and the models row of a new model, made the active one, at once."""
    with store.transaction() as c:
        c.execute("DELETE FROM topics WHERE model = ?", (model_id,))
        c.execute("DELETE FROM doc_topics WHERE model = ?", (model_id,))
        c.executemany("INSERT INTO topics VALUES (?, ?, ?, ?, ?, ?, ?)", _topic_rows(model_id, topics))
        c.executemany("INSERT INTO doc_topics VALUES (?, ?, ?, ?)", _doc_rows(model_id, doc_ids, weights))
        c.execute("UPDATE models SET active = 0 WHERE kind = 'topics'")
        c.execute(
            "INSERT OR REPLACE INTO models (id, kind, created, path, meta, active) VALUES (?, 'topics', ?, ?, ?, 1)",
            (model_id, time.strftime("%Y-%m-%dT%H:%M:%S"), path, json.dumps(meta, default=str)),
        )


def add_doc_topics(store: Store, model_id: str, doc_ids: Sequence[str], weights: np.ndarray) -> None:
    with store.transaction() as c:
        c.executemany(
            "DELETE FROM doc_topics WHERE model = ? AND doc_id = ?", [(model_id, d) for d in doc_ids]
        )
        c.executemany("INSERT INTO doc_topics VALUES (?, ?, ?, ?)", _doc_rows(model_id, doc_ids, weights))


def replace_topics(store: Store, model_id: str, topics: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    with store.transaction() as c:
        c.execute("DELETE FROM topics WHERE model = ?", (model_id,))
        c.executemany("INSERT INTO topics VALUES (?, ?, ?, ?, ?, ?, ?)", _topic_rows(model_id, topics))
        c.execute("UPDATE models SET meta = ? WHERE id = ?", (json.dumps(meta, default=str), model_id))


def modelled_doc_ids(store: Store, model_id: str) -> set[str]:
    return {
        r[0]
        for r in store.conn.execute("SELECT DISTINCT doc_id FROM doc_topics WHERE model = ?", (model_id,))
    }


def all_doc_ids(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT id FROM documents")}


def doc_tags(store: Store) -> dict[str, set[str]]:
    """Document id -> the themes it is tagged with (any method): the evidence for topic-theme links."""
    out: dict[str, set[str]] = {}
    for doc_id, theme in store.conn.execute("SELECT doc_id, theme FROM tags"):
        out.setdefault(doc_id, set()).add(theme)
    return out


def topics_of(store: Store, model_id: str) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        "SELECT topic, label, theme, terms, weight, meta FROM topics WHERE model = ? ORDER BY topic",
        (model_id,),
    )
    return [
        {
            "topic": r["topic"],
            "label": r["label"],
            "theme": r["theme"],
            "terms": json.loads(r["terms"] or "[]"),
            "weight": r["weight"],
            "meta": json.loads(r["meta"] or "{}"),
        }
        for r in rows
    ]


def doc_topic_matrix(store: Store, model_id: str, k: int) -> tuple[list[str], np.ndarray]:
    ids: list[str] = []
    index: dict[str, int] = {}
    cells = []
    for doc_id, topic, w in store.conn.execute(
        "SELECT doc_id, topic, weight FROM doc_topics WHERE model = ? ORDER BY doc_id", (model_id,)
    ):
        if doc_id not in index:
            index[doc_id] = len(ids)
            ids.append(doc_id)
        cells.append((index[doc_id], topic, w))
    m = np.zeros((len(ids), k))
    for i, t, w in cells:
        m[i, t] = w
    return ids, m
