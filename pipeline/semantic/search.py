"""Similar documents, semantic search and hybrid search over stored document vectors.

Brute force: the vectors of one encoder are one float32 matrix (100,000 documents x 384 is
150 MB), kept per process while the stored vectors do not change, and a query is one
matrix-vector product. Filters are the document-level ones of full-text search.

Hybrid search fuses two rankings by reciprocal rank fusion (score = sum of 1 / (k + rank)): BM25
over any of the query's words, and the semantic ranking. RRF needs no score calibration between
the two, which have nothing in common.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from pipeline.semantic.encoders import DEFAULT_MAX_TOKENS, Encoder, EncoderError, load_encoder, parse_spec
from pipeline.store import Filters, Store

RRF_K = 60
TOP_K = 400  # best documents whose filters are checked first
HYBRID_DEPTH = 100  # documents taken from each ranking before fusion
SNIPPET_CHARS = 200

_MATRICES: dict[tuple[str, str], tuple[int, list[str], np.ndarray, dict[str, int]]] = {}
_ENCODERS: dict[tuple[str, int], Encoder] = {}
_COUNTS: dict[str, tuple[dict[str, int], dict[str, int]]] = {}  # location -> (stamps, counts)


class NoVectors(EncoderError):
    """The corpus has no vectors (of the encoder asked for)."""


def corpus_encoder(store: Store, encoder: str | None = None) -> str:
    """The encoder id to search with: the one asked for, else the one with most vectors here."""
    # Counting the vectors reads the whole index (14 ms at 100k): counted again only when some
    # encoder's vectors were written since.
    stamps = store.vector_stamps()
    hit = _COUNTS.get(store.location)
    if hit is None or hit[0] != stamps:
        hit = _COUNTS[store.location] = (stamps, store.vector_counts())
    have = hit[1]
    if encoder is not None:
        wanted = parse_spec(encoder).id
        if wanted not in have:
            raise NoVectors(f"{store.location}: no vectors of encoder {wanted} (run `govtext embed` first)")
        return wanted
    if not have:
        raise NoVectors(f"{store.location}: no document vectors yet (run `govtext embed` first)")
    return max(sorted(have), key=lambda e: have[e])


def corpus_vectors(store: Store, encoder: str) -> tuple[list[str], np.ndarray]:
    """(ids, matrix) of an encoder's vectors, cached while they are unchanged."""
    ids, matrix, _ = _cached(store, encoder)
    return ids, matrix


def _cached(store: Store, encoder: str) -> tuple[list[str], np.ndarray, dict[str, int]]:
    key = (store.location, encoder)
    stamp = store.vectors_stamp(encoder)
    hit = _MATRICES.get(key)
    if hit is None or hit[0] != stamp:
        ids, matrix = store.vectors(encoder)
        hit = _MATRICES[key] = (stamp, ids, matrix, {d: i for i, d in enumerate(ids)})
    return hit[1], hit[2], hit[3]


def query_encoder(encoder: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> Encoder:
    key = (encoder, max_tokens)
    if key not in _ENCODERS:
        # One thread: a query is a few tokens, and OpenMP threads that wait for a busy core cost
        # far more than they save (measured 30 ms on one thread, 0.9 s on two on a loaded machine).
        _ENCODERS[key] = load_encoder(parse_spec(encoder, max_tokens), threads=1)
    return _ENCODERS[key]


def _rank(
    ids: list[str],
    matrix: np.ndarray,
    q: np.ndarray,
    allowed: Callable[[list[str] | None], set[str] | None],
    exclude: set[str],
    limit: int,
    index: dict[str, int],
) -> list[tuple[str, float]]:
    """The ``limit`` best documents that pass the filters. ``allowed(candidates)`` gives the ids
    among ``candidates`` (None: all documents) that pass, or None when nothing is filtered. As in
    full-text search, the filters are checked on the best few hundred first, and on every document
    only when those leave too few."""
    scores = matrix @ q
    if exclude:
        scores[[index[d] for d in exclude if d in index]] = -np.inf
    order = _top(scores, max(TOP_K, limit * 20))
    passing = allowed([ids[i] for i in order])
    if passing is not None:
        chosen = [i for i in order if ids[i] in passing][:limit]
        if len(chosen) < limit and len(order) < len(ids):  # too few among the best: filter all
            every = allowed(None) or set()
            keep = np.zeros(len(ids), dtype=bool)
            keep[[index[d] for d in every if d in index]] = True
            chosen = [i for i in _top(np.where(keep, scores, -np.inf), limit) if keep[i]]
        order = np.array(chosen, dtype=int)
    order = [i for i in order[:limit] if np.isfinite(scores[i])]
    return [(ids[i], float(scores[i])) for i in order]


def _allowed(store: Store, lang: str | None, f: Filters, among: list[str] | None) -> set[str] | None:
    return store.filter_doc_ids(lang, f, among)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=int)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]


def _rows(
    store: Store, ranked: list[tuple[str, float]], snippets: dict[str, str] | None = None
) -> list[dict]:
    info = store.doc_summaries([d for d, _ in ranked])
    out = []
    for doc_id, score in ranked:
        d = info.get(doc_id)
        if d is None:  # a vector whose document was removed since it was loaded
            continue
        snippet = (snippets or {}).get(doc_id) or _snippet(d["abstract"])
        out.append(
            {
                "id": d["id"],
                "source_id": d["source_id"],
                "path": d["path"],
                "title": d["title"],
                "year": d["year"],
                "langs": d["langs"],
                "snippet": snippet,
                "score": round(score, 4),
                "kind": None,
            }
        )
    return out


def _snippet(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"


def similar(
    store: Store,
    ref: str,
    *,
    encoder: str | None = None,
    limit: int = 10,
    lang: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    theme: str | None = None,
    topic: int | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """The documents closest to one document (by id, id prefix, source id or path), best first;
    score is the cosine similarity. Needs no encoder: only the stored vectors."""
    doc_id = store.resolve_id(ref)
    if doc_id is None:
        raise ValueError(f"no document {ref!r} in {store.location}")
    enc = corpus_encoder(store, encoder)
    _, mine = store.vectors(enc, [doc_id])
    if not len(mine):
        raise NoVectors(f"document {doc_id[:12]} has no vector of {enc} (run `govtext embed` first)")
    ids, matrix, index = _cached(store, enc)
    f = Filters(year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source)
    allowed = partial(_allowed, store, lang, f)
    return _rows(store, _rank(ids, matrix, mine[0], allowed, {doc_id}, limit, index))


def semantic_search(
    store: Store,
    text: str,
    *,
    encoder: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    limit: int = 20,
    lang: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    theme: str | None = None,
    topic: int | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Documents closest in meaning to a free text, in any language; score is the cosine."""
    if not text.strip():
        raise ValueError("empty search text")
    enc = corpus_encoder(store, encoder)
    ids, matrix, index = _cached(store, enc)
    q = query_encoder(enc, max_tokens).embed_query(text)
    f = Filters(year_from=year_from, year_to=year_to, theme=theme, topic=topic, source=source)
    return _rows(store, _rank(ids, matrix, q, partial(_allowed, store, lang, f), set(), limit, index))


def rrf(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists, best first (ties: first seen)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, 1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def hybrid_search(
    store: Store,
    text: str,
    *,
    encoder: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    limit: int = 20,
    depth: int = HYBRID_DEPTH,
    **filters: Any,
) -> list[dict[str, Any]]:
    """BM25 over any of the words and semantic search, fused by reciprocal rank (see the module)."""
    from pipeline.query import any_words_match, search_node

    depth = max(depth, limit)
    semantic = semantic_search(store, text, encoder=encoder, max_tokens=max_tokens, limit=depth, **filters)
    lang = filters.pop("lang", None)
    lexical = search_node(store, any_words_match(text), lang=lang, filters=Filters(**filters), limit=depth)
    fused = rrf([[r["id"] for r in lexical], [r["id"] for r in semantic]])[:limit]
    snippets = {r["id"]: r["snippet"] for r in lexical if r["snippet"]}
    return _rows(store, [(d, s) for d, s in fused], snippets)
