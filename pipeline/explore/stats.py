"""Counts and shares of documents by year, theme, language, source, topic, doc_type or format.

A document counts once per value it has: a bilingual document counts under ``en`` and under
``id``, a document with three themes under each of them, so counts of multi-valued fields add up
to more than the number of documents. Documents with no value (no year, no theme, no topic)
count under ``None``. The topic of a document is its dominant topic in the active topic model.

``share`` is ``count`` over all documents for one field, and for two crossed fields
(``by=["year", "theme"]``) it is ``count`` over the documents that have the first field's value:
the share of 2015's documents tagged with a theme, i.e. the theme's prevalence that year.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipeline.store import Store

FIELDS = ("year", "theme", "lang", "source", "topic", "doc_type", "format")


def _check(store: Store, field: str) -> None:
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}: use one of {', '.join(FIELDS)}")
    if field == "topic" and store.active_model_id("topics") is None:
        raise ValueError("no topic model yet: run `govtext topics fit` first")


def _split(field: str, value: Any) -> list[Any]:
    # The store gives a document's languages as one string ("en id"); it counts under each.
    return value.split() if field == "lang" and value else [value]


def _order(field: str, value: Any, count: int) -> tuple:
    # Years and topic numbers read best in their own order; other values by frequency.
    missing = value is None
    if field in ("year", "topic"):
        return (missing, value if not missing else 0)
    return (missing, -count, str(value))


def stats(store: Store, by: Sequence[str] | str) -> list[dict[str, Any]]:
    """Rows ``{<field>: value, [<field2>: value,] "count": n, "share": s}`` (see the module doc)."""
    fields = [by] if isinstance(by, str) else list(by)
    if not 1 <= len(fields) <= 2 or len(set(fields)) != len(fields):
        raise ValueError("stats: give one field, or two different fields to cross")
    for f in fields:
        _check(store, f)
    first = fields[0]
    total = store.count("documents")
    counts: Counter = Counter()
    for v, n in store.facet_counts(first):
        for x in _split(first, v):
            counts[x] += n
    if len(fields) == 1:
        rows = [
            {first: v, "count": n, "share": round(n / total, 4) if total else 0.0} for v, n in counts.items()
        ]
        return sorted(rows, key=lambda r: _order(first, r[first], r["count"]))
    second = fields[1]
    pairs: Counter = Counter()
    for a, b, n in store.facet_cross_counts(first, second):
        for x in _split(first, a):
            for y in _split(second, b):
                pairs[(x, y)] += n
    rows = [
        {first: a, second: b, "count": n, "share": round(n / counts[a], 4)} for (a, b), n in pairs.items()
    ]
    return sorted(
        rows, key=lambda r: (_order(first, r[first], counts[r[first]]), _order(second, r[second], r["count"]))
    )


def theme_cooccurrence(store: Store) -> list[dict[str, Any]]:
    """For every pair of themes (both orders, and a theme with itself = its document count):
    ``{"theme_a", "theme_b", "count", "jaccard"}``, where jaccard = both / either."""
    both = {(a, b): n for a, b, n in store.theme_pair_counts()}
    single = {a: n for (a, b), n in both.items() if a == b}
    names = sorted(single)
    rows = []
    for a in names:
        for b in names:
            n = both.get((a, b), 0)
            union = single[a] + single[b] - n
            rows.append(
                {"theme_a": a, "theme_b": b, "count": n, "jaccard": round(n / union, 4) if union else 0.0}
            )
    return rows


def topic_prevalence(store: Store) -> dict[str, Any]:
    """The active topic model: ``{"model", "topics": [{"topic", "label", "theme", "terms", "weight",
    "documents"}], "by_year": [{"year", "topic", "weight"}]}`` (mean weight over the year's
    documents), or ``{"model": None, ...}`` when no topic model exists yet."""
    model = store.active_model_id("topics")
    if model is None:
        return {"model": None, "topics": [], "by_year": []}
    dominant = dict(store.facet_counts("topic"))
    topics = []
    for t in store.topics_of_model(model):
        terms = [
            x if isinstance(x, str) else x[0] if isinstance(x, list | tuple) else x.get("term", str(x))
            for x in t["terms"]
        ]
        topics.append(
            {
                "topic": t["topic"],
                "label": t["label"],
                "theme": t["theme"],
                "terms": terms,
                "weight": t["weight"],
                "documents": dominant.get(t["topic"], 0),
            }
        )
    by_year = [{**r, "weight": round(r["weight"], 4)} for r in store.topic_weight_by_year(model)]
    return {"model": model, "topics": topics, "by_year": by_year}
